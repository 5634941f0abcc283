using System.Text.Json;
using Yapit.StripeSetup.Cli;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Infrastructure.Processes;
using File = System.IO.File;

namespace Yapit.Tests.Setup;

/// <summary>
/// stripe-setup as a person runs it by hand (README): the built program, from the repository root or another
/// directory, its configuration from the environment or from the running local stack (<c>--local</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class StripeSetupProcessTests(StripeEmulatorFixture stripe, PostgresServerFixture postgres) : IClassFixture<StripeEmulatorFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("yapit-setup-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record Run(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)
    {
        public string Stdout => string.Join('\n', Output);

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{string.Join('\n', Errors)}";
    }

    /// <summary>The program the build wrote, with the test's environment minus anything that would configure it.</summary>
    private static async Task<Run> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> settings, params string[] args)
    {
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(entry => ((string)entry.Key, (string?)entry.Value ?? string.Empty))
            .Where(entry => !entry.Item1.StartsWith("Stripe__", StringComparison.OrdinalIgnoreCase)
                && !entry.Item1.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                && !entry.Item1.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
                && !entry.Item1.StartsWith("Logging__", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(entry => entry.Item1, entry => entry.Item2);
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
        var output = new List<string>();
        var errors = new List<string>();
        var spec = new ProcessSpec(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [ProjectMetadata.For("StripeSetup").AssemblyPath, .. args])
        {
            WorkingDirectory = workingDirectory,
            Environment = environment,
        };
        await using var process = ManagedProcess.Start(spec, (line, isError) =>
        {
            lock (output)
            {
                (isError ? errors : output).Add(line);
            }
        });
        var exitCode = await process.Exited.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        lock (output)
        {
            return new Run(exitCode, [.. output], [.. errors]);
        }
    }

    private Dictionary<string, string> EmulatorSettings() => new()
    {
        ["Stripe__SecretKey"] = StripeEmulatorFixture.TestSecretKey,
        ["Stripe__ApiBase"] = stripe.BaseAddress.ToString(),
    };

    [Fact]
    public async Task Plan_json_from_the_repository_root_is_json_on_stdout_and_nothing_else()
    {
        await stripe.ResetAsync(TestContext.Current.CancellationToken);

        var run = await RunAsync(ProjectMetadata.RepositoryRoot, EmulatorSettings(), "plan", "--json", "--env", "local");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var plan = JsonDocument.Parse(run.Stdout);
        Assert.Equal("local", plan.RootElement.GetProperty("environment").GetString());
        Assert.True(plan.RootElement.GetProperty("changes").GetArrayLength() > 0, run.ToString());
        // Quiet by default: no host lifetime or SQL lines, on either stream.
        Assert.DoesNotContain(run.Errors, line => line.StartsWith("info:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("plan", "Stripe__SecretKey")]
    [InlineData("apply", "ConnectionStrings__billingdb")]
    public async Task A_missing_setting_is_one_line_naming_it_and_exit_code_1(string verb, string missing)
    {
        var settings = EmulatorSettings();
        settings.Remove(missing);

        var run = await RunAsync(ProjectMetadata.RepositoryRoot, settings, verb);

        Assert.True(run.ExitCode == ExitCodes.Failure, run.ToString());
        var line = Assert.Single(run.Errors);
        Assert.Contains(missing, line, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Apply_without_any_setting_names_each_missing_one_on_its_own_line()
    {
        var run = await RunAsync(_directory, new Dictionary<string, string>(), "apply");

        Assert.True(run.ExitCode == ExitCodes.Failure, run.ToString());
        Assert.Collection(run.Errors,
            line => Assert.Contains("Stripe__SecretKey is not set", line, StringComparison.Ordinal),
            line => Assert.Contains("ConnectionStrings__billingdb is not set", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Local_takes_the_running_stacks_database_key_emulator_and_environment()
    {
        var ct = TestContext.Current.CancellationToken;
        await stripe.ResetAsync(ct);
        var database = await postgres.CreateDatabaseAsync("setup_local", migrated: false);
        // What the AppHost writes when it starts its stripe-setup (LocalStackFile), in the stack's local state.
        Directory.CreateDirectory(Path.Combine(_directory, ".data"));
        await File.WriteAllTextAsync(Path.Combine(_directory, ".data", LocalStack.FileName), JsonSerializer.Serialize(new
        {
            environment = "local",
            settings = new Dictionary<string, string>
            {
                ["ConnectionStrings:billingdb"] = database,
                ["Stripe:SecretKey"] = StripeEmulatorFixture.TestSecretKey,
                ["Stripe:ApiBase"] = stripe.BaseAddress.ToString(),
            },
        }), ct);
        var below = Directory.CreateDirectory(Path.Combine(_directory, "somewhere", "below")).FullName;

        var run = await RunAsync(below, new Dictionary<string, string>(), "apply", "--local");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.StartsWith("Stripe catalog plan: TEST mode, environment 'local'", run.Output[0], StringComparison.Ordinal);
        Assert.Contains(run.Output, line => line.StartsWith("Apply complete:", StringComparison.Ordinal));
        var again = await RunAsync(below, new Dictionary<string, string>(), "plan", "--local");
        Assert.Contains(again.Output, line => line.StartsWith("No changes.", StringComparison.Ordinal));
    }
}
