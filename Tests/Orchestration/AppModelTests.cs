using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Orchestration;

/// <summary>The app model without starting it: real Stripe through stripe-cli (no container runs here), live keys, the manifest.</summary>
[Trait("Category", "Stack")]
public sealed class AppModelTests
{
    [Fact]
    public async Task A_stripe_test_key_means_real_stripe_through_the_stripe_cli_container_and_no_emulator()
    {
        // `true info ...` answers like a healthy container runtime (there is none here).
        var builder = await AppHostFactory.CreateAsync(AppHostFactory.NewDataDirectory(), output: null,
            "--Parameters:stripe-secret-key=sk_test_given_by_the_user", "--Postgres:Mode=executable", "--ASPIRE_CONTAINER_RUNTIME=true");
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
        Assert.Equal(["apply", "--env", "test"], await ArgumentsOf(resources.Single(resource => resource.Name == "stripe-setup")));
    }

    [Fact]
    public async Task A_stripe_test_key_without_a_container_runtime_is_refused_before_anything_starts()
    {
        // `false info ...` answers like a container runtime that is not running.
        var error = await Assert.ThrowsAnyAsync<DistributedApplicationException>(() => AppHostFactory.CreateAsync(AppHostFactory.NewDataDirectory(), output: null,
            "--Parameters:stripe-secret-key=sk_test_given_by_the_user", "--Postgres:Mode=executable", "--ASPIRE_CONTAINER_RUNTIME=false"));

        Assert.Contains("no container runtime", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The app host as `dotnet run --project AppHost` runs it: a setting it cannot run with is one line and exit code 1.</summary>
    [Theory]
    [InlineData("--Parameters:stripe-secret-key=sk_live_abc", "is a live key")]
    [InlineData("--Parameters:stripe-secret-key=sk_test_abc --ASPIRE_CONTAINER_RUNTIME=false", "no container runtime")]
    [InlineData("--Postgres:Mode=vm", "Postgres:Mode must be")]
    public async Task A_refused_start_is_one_line_and_exit_code_1_not_a_stack_trace(string settings, string reason)
    {
        var dataDirectory = AppHostFactory.NewDataDirectory();
        try
        {
            var (exitCode, output, errors) = await RunAppHostAsync([$"--DataDirectory={dataDirectory}", "--Postgres:Mode=executable", .. settings.Split(' ')]);

            Assert.True(exitCode == 1, $"exit {exitCode}\n{output}\n{errors}");
            Assert.Contains(reason, Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            Assert.Equal(string.Empty, output);
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
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
        var (resources, text) = await PublishManifestAsync();

        Assert.StartsWith("container.", (string)resources["postgres"]!["type"]!, StringComparison.Ordinal);
        Assert.Contains("postgres", (string)resources["postgres"]!["image"]!, StringComparison.Ordinal);
        Assert.Equal("value.v0", (string)resources["billingdb"]!["type"]!);
        foreach (var project in new[] { "stripe-setup", "gateway", "billing-worker" })
        {
            Assert.StartsWith("project.", (string)resources[project]!["type"]!, StringComparison.Ordinal);
        }
        Assert.False(resources.ContainsKey("stripe"), "the emulator is local-only");
        Assert.False(resources.ContainsKey("stripe-cli"), "stripe listen is local-only");
        // Every parameter a deployment asks for (the README lists them): the secrets, and the identity provider.
        Assert.Equal(
            ["admin-api-key", "auth-audience", "auth-authority", "postgres-password", "stripe-secret-key", "stripe-webhook-secret", "usage-service-key"],
            resources.Where(resource => (string)resource.Value!["type"]! == "parameter.v0").Select(resource => resource.Key).Order(StringComparer.Ordinal));
        foreach (var secret in new[] { "stripe-secret-key", "stripe-webhook-secret", "admin-api-key", "usage-service-key", "postgres-password" })
        {
            Assert.True((bool)resources[secret]!["inputs"]!["value"]!["secret"]!, $"{secret} is secret");
        }
        var gateway = resources["gateway"]!["env"]!.AsObject();
        Assert.Equal("{stripe-secret-key.value}", (string)gateway["Stripe__SecretKey"]!);
        Assert.Equal("{stripe-webhook-secret.value}", (string)gateway["Stripe__WebhookSecrets__0"]!);
        Assert.Equal("{admin-api-key.value}", (string)gateway["Admin__ApiKey"]!);
        Assert.Equal("{usage-service-key.value}", (string)gateway["Auth__ServiceApiKey"]!);
        Assert.Equal("{billingdb.connectionString}", (string)gateway["ConnectionStrings__billingdb"]!);
        Assert.DoesNotContain("sk_test_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Published_the_gateway_trusts_the_identity_provider_given_as_parameters_and_has_no_local_signing_key()
    {
        var (resources, _) = await PublishManifestAsync();

        var gateway = resources["gateway"]!["env"]!.AsObject();
        Assert.Equal("{auth-authority.value}", (string)gateway["Auth__Authority"]!);
        Assert.Equal("{auth-audience.value}", (string)gateway["Auth__Audience"]!);
        Assert.False(gateway.ContainsKey("Auth__SigningKey"), "a local HS256 key is for the local stack only");
        Assert.False(resources.ContainsKey("auth-signing-key"));
        Assert.Null(resources["auth-authority"]!["inputs"]!["value"]!["secret"]); // an authority URL is no secret
    }

    [Theory]
    [InlineData(null, new[] { "apply", "--env", "live", "--live" })]
    [InlineData("live", new[] { "apply", "--env", "live", "--live" })]
    [InlineData("test", new[] { "apply", "--env", "test" })]
    public async Task Published_stripe_setup_applies_the_deployments_catalog_environment_with_live_exactly_when_live(string? environment, string[] expected)
    {
        var (resources, _) = await PublishManifestAsync(environment is null ? [] : [$"--Stripe:Environment={environment}"]);

        Assert.Equal(expected, resources["stripe-setup"]!["args"]!.AsArray().Select(arg => (string)arg!));
    }

    /// <summary>The manifest as `dotnet run --project AppHost -- --publisher manifest` writes it.</summary>
    private static async Task<(JsonObject Resources, string Text)> PublishManifestAsync(params string[] more)
    {
        var output = Path.Combine(Path.GetTempPath(), $"yapit-manifest-{Guid.NewGuid():N}", "aspire-manifest.json");
        var (exitCode, log, errors) = await RunAppHostAsync(["--publisher", "manifest", "--output-path", output, .. more]);
        Assert.True(exitCode == 0, log + errors);
        var text = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
        Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        return (JsonNode.Parse(text)!["resources"]!.AsObject(), text);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAppHostAsync(IEnumerable<string> args)
    {
        var ct = TestContext.Current.CancellationToken;
        var appHost = ProjectMetadata.For("AppHost").AssemblyPath;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(appHost)!,
        };
        start.ArgumentList.Add(appHost);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("Parameters__stripe-secret-key");
        using var process = Process.Start(start)!;
        var log = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        return (process.ExitCode, await log, await errors);
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
