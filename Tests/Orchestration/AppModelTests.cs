using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Orchestration;

/// <summary>The app model without starting it: real Stripe through stripe-cli (no container runs here), live keys, the manifest.</summary>
public sealed class AppModelTests
{
    [Fact]
    public async Task A_stripe_test_key_means_real_stripe_through_the_stripe_cli_container_and_no_emulator()
    {
        var builder = await AppHostFactory.CreateAsync(AppHostFactory.NewDataDirectory(), output: null,
            "--Parameters:stripe-secret-key=sk_test_given_by_the_user", "--Postgres:Mode=executable");
        var resources = builder.Resources;

        Assert.DoesNotContain(resources, resource => resource.Name == "stripe");
        var cli = Assert.IsType<ContainerResource>(resources.Single(resource => resource.Name == "stripe-cli"), exactMatch: false);
        var image = cli.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal("stripe/stripe-cli", image.Image);

        var args = await ArgumentsOf(cli);
        Assert.Equal("listen", args[0]);
        Assert.Equal("--forward-to", args[1]);
        Assert.Equal("{gateway.bindings.http.url}/v1/billing/webhook", args[2]);
        var cliEnvironment = await EnvironmentOf(cli);
        Assert.Equal("{stripe-secret-key.value}", cliEnvironment["STRIPE_API_KEY"]);

        var gateway = resources.OfType<ProjectResource>().Single(resource => resource.Name == "gateway");
        Assert.Contains(gateway.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource == cli);
        Assert.Contains(gateway.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource.Name == "stripe-setup" && wait.WaitType == WaitType.WaitForCompletion);
        var gatewayEnvironment = await EnvironmentOf(gateway);
        Assert.Equal("{stripe-secret-key.value}", gatewayEnvironment["Stripe__SecretKey"]);
        Assert.DoesNotContain("Stripe__ApiBase", gatewayEnvironment.Keys);
        Assert.Contains("test", await ArgumentsOf(resources.Single(resource => resource.Name == "stripe-setup")));
    }

    [Theory]
    [InlineData("sk_live_abc")]
    [InlineData("rk_live_abc")]
    public async Task A_live_key_is_refused_before_anything_starts(string key)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            AppHostFactory.CreateAsync(AppHostFactory.NewDataDirectory(), output: null, $"--Parameters:stripe-secret-key={key}"));

        Assert.Contains("live key", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_runs_as_an_executable_from_the_installed_binaries_when_asked()
    {
        var builder = await AppHostFactory.CreateAsync(AppHostFactory.NewDataDirectory(), output: null, "--Postgres:Mode=executable");
        var postgres = Assert.IsType<LocalPostgresResource>(builder.Resources.Single(resource => resource.Name == "postgres"));
        var args = await ArgumentsOf(postgres);

        Assert.Contains(args, arg => arg.EndsWith("/bin/postgres", StringComparison.Ordinal) || postgres.Command.EndsWith("/bin/postgres", StringComparison.Ordinal));
        Assert.Contains("listen_addresses=127.0.0.1", args);
        Assert.Contains(builder.Resources, resource => resource is LocalPostgresDatabaseResource { Name: "billingdb", DatabaseName: "billingdb" });
    }

    [Fact]
    public async Task The_projects_start_as_their_built_programs_without_OTLP_retries_and_stay_project_resources()
    {
        var builder = await AppHostFactory.CreateAsync(AppHostFactory.NewDataDirectory(), output: null, "--Postgres:Mode=executable");
        var projects = builder.Resources.OfType<ProjectResource>().ToList();

        Assert.Equal(["billing-worker", "gateway", "storefront", "stripe", "stripe-setup"], projects.Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var project in projects)
        {
            // What DCP runs instead of `dotnet run --no-build`: the program the AppHost's build wrote, in the project's directory.
            var projectDirectory = Path.GetDirectoryName(project.GetProjectMetadata().ProjectPath)!;
            var program = project.Annotations.OfType<ExecutableAnnotation>().Single();
            Assert.True(File.Exists(program.Command), $"{project.Name}: {program.Command} exists");
            Assert.Equal($"Yapit.{Path.GetFileName(projectDirectory)}", Path.GetFileName(program.Command));
            Assert.Equal(projectDirectory, program.WorkingDirectory);
            Assert.Equal(string.Empty, (await EnvironmentOf(project))["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"]);
        }
    }

    [Fact]
    public async Task The_manifest_has_the_postgres_container_the_projects_and_secrets_only_as_secret_parameters()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = Path.Combine(Path.GetTempPath(), $"yapit-manifest-{Guid.NewGuid():N}", "aspire-manifest.json");
        var appHost = ProjectMetadata.For("AppHost").AssemblyPath;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { appHost, "--publisher", "manifest", "--output-path", output },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(appHost)!,
        };
        using var process = Process.Start(start)!;
        var log = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        Assert.True(process.ExitCode == 0, await log + await errors);

        var text = await File.ReadAllTextAsync(output, ct);
        var resources = JsonNode.Parse(text)!["resources"]!.AsObject();
        Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);

        Assert.StartsWith("container.", (string)resources["postgres"]!["type"]!, StringComparison.Ordinal);
        Assert.Contains("postgres", (string)resources["postgres"]!["image"]!, StringComparison.Ordinal);
        Assert.Equal("value.v0", (string)resources["billingdb"]!["type"]!);
        foreach (var project in new[] { "stripe-setup", "gateway", "billing-worker" })
        {
            Assert.StartsWith("project.", (string)resources[project]!["type"]!, StringComparison.Ordinal);
        }
        Assert.False(resources.ContainsKey("stripe"), "the emulator is local-only");
        Assert.False(resources.ContainsKey("stripe-cli"), "stripe listen is local-only");
        foreach (var secret in new[] { "stripe-secret-key", "stripe-webhook-secret", "admin-api-key" })
        {
            Assert.Equal("parameter.v0", (string)resources[secret]!["type"]!);
            Assert.True((bool)resources[secret]!["inputs"]!["value"]!["secret"]!, $"{secret} is secret");
        }
        var gateway = resources["gateway"]!["env"]!;
        Assert.Equal("{stripe-secret-key.value}", (string)gateway["Stripe__SecretKey"]!);
        Assert.Equal("{stripe-webhook-secret.value}", (string)gateway["Stripe__WebhookSecrets__0"]!);
        Assert.Equal("{admin-api-key.value}", (string)gateway["Admin__ApiKey"]!);
        Assert.Equal("{billingdb.connectionString}", (string)gateway["ConnectionStrings__billingdb"]!);
        Assert.DoesNotContain("sk_test_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", text, StringComparison.Ordinal);
    }

    private static async Task<List<string>> ArgumentsOf(IResource resource)
    {
        var values = new List<object>();
        var context = new CommandLineArgsCallbackContext(values, resource, TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        return [.. values.Select(Manifest)];
    }

    private static async Task<Dictionary<string, string>> EnvironmentOf(IResource resource)
    {
        var values = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), resource, values, TestContext.Current.CancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        return values.ToDictionary(pair => pair.Key, pair => Manifest(pair.Value));
    }

    private static string Manifest(object value) => value switch
    {
        string text => text,
        IManifestExpressionProvider expression => expression.ValueExpression,
        _ => value.ToString() ?? string.Empty,
    };
}
