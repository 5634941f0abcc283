using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>How the stack reaches Stripe: the emulator (default), real Stripe through stripe-cli, or (published) real Stripe.</summary>
public sealed record StripeResources(
    IResourceBuilder<ParameterResource> SecretKey,
    string CatalogEnvironment,
    IResourceBuilder<ProjectResource>? Emulator,
    IResourceBuilder<ContainerResource>? Cli,
    IResourceBuilder<ParameterResource>? WebhookSecret)
{
    /// <summary>Where Stripe's webhooks reach the gateway.</summary>
    public const string WebhookPath = "/v1/billing/webhook";

    /// <summary>stripe-setup's command line: the catalog environment, and <c>--live</c> exactly when it is live (setup refuses a live key without it and a test key with it).</summary>
    public string[] SetupArguments => CatalogEnvironment == "live" ? ["apply", "--env", "live", "--live"] : ["apply", "--env", CatalogEnvironment];

    public void ForwardWebhooksTo(IResourceBuilder<ProjectResource> gateway)
    {
        var target = ReferenceExpression.Create($"{gateway.GetEndpoint("http")}{WebhookPath}");
        Emulator?.WithArgs(context => context.Args.Add("--forward-to")).WithArgs(context => context.Args.Add(target));
        Cli?.WithArgs(context =>
        {
            context.Args.Add("listen");
            context.Args.Add("--forward-to");
            context.Args.Add(target);
        });
    }
}

/// <summary>The building blocks of AppHost.cs: Postgres in its three forms, Stripe in its three forms, the services' wiring.</summary>
public static partial class YapitResources
{
    /// <summary>
    /// <c>billingdb</c>: the user's server when <c>ConnectionStrings__billingdb</c> is set; else <c>postgres</c> as Aspire's
    /// container (publish mode, a healthy container runtime, or <c>Postgres:Mode=container</c>) or as an executable
    /// running the installed server binaries (no container runtime, or <c>Postgres:Mode=executable</c>).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddBillingDatabase(this IDistributedApplicationBuilder builder, LocalState state)
    {
        if (builder.ExecutionContext.IsRunMode && builder.Configuration.GetConnectionString("billingdb") is { Length: > 0 })
        {
            return builder.AddConnectionString("billingdb");
        }
        var mode = builder.Configuration["Postgres:Mode"];
        if (mode is { Length: > 0 } and not ("container" or "executable"))
        {
            StartRefusal.Refuse($"Postgres:Mode must be 'container' or 'executable', not '{mode}'.");
        }
        var container = builder.ExecutionContext.IsPublishMode || mode == "container" || (mode is null or "" && ContainerRuntime.IsHealthy(builder.Configuration));
        if (container)
        {
            return builder.AddPostgres("postgres").WithDataVolume().AddDatabase("billingdb");
        }
        var password = state.Secret("postgres-password", LocalState.NewApiKey);
        return builder.AddLocalPostgres("postgres", state.PostgresDirectory, password, durable: builder.Configuration.GetValue("Postgres:Durable", true))
            .AddDatabase("billingdb");
    }

    /// <summary>
    /// The emulator by default. A Stripe test key given as the <c>stripe-secret-key</c> parameter (user secrets,
    /// <c>Parameters__stripe-secret-key</c>) means real Stripe with <c>stripe listen</c> in the stripe-cli container,
    /// so it needs a container runtime. A live key is refused. Published, the services get the key and the webhook
    /// secret as secret parameters, and stripe-setup the catalog environment of <c>Stripe:Environment</c>
    /// (<c>live</c> by default, <c>test</c> for a staging deployment on a test account).
    /// </summary>
    public static StripeResources AddStripe(this IDistributedApplicationBuilder builder, LocalState state)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            var environment = builder.Configuration["Stripe:Environment"] is { Length: > 0 } chosen ? chosen : "live";
            if (environment is not ("live" or "test"))
            {
                StartRefusal.Refuse($"Stripe:Environment must be 'live' or 'test' (the catalog environment of the deployment), not '{environment}'.");
            }
            return new StripeResources(state.Secret("stripe-secret-key"), environment, null, null, state.Secret("stripe-webhook-secret"));
        }
        var given = builder.Configuration["Parameters:stripe-secret-key"];
        if (given is not null && (given.StartsWith("sk_live_", StringComparison.Ordinal) || given.StartsWith("rk_live_", StringComparison.Ordinal)))
        {
            StartRefusal.Refuse("stripe-secret-key is a live key: the local stack runs only against Stripe test mode (sk_test_...).");
        }
        if (given is { Length: > 0 })
        {
            if (!given.StartsWith("sk_test_", StringComparison.Ordinal) && !given.StartsWith("rk_test_", StringComparison.Ordinal))
            {
                StartRefusal.Refuse("stripe-secret-key must be a Stripe test key (sk_test_... or rk_test_...).");
            }
            if (!ContainerRuntime.IsHealthy(builder.Configuration))
            {
                // Otherwise the gateway would wait forever for a stripe-cli container that never starts.
                StartRefusal.Refuse("stripe-secret-key is a Stripe test key, which needs the stripe-cli container (stripe listen), but no container runtime answers `docker info` here: start Docker or Podman, or remove the key to use the Stripe emulator.");
            }
            var key = state.Secret("stripe-secret-key");
            var cli = builder.AddContainer("stripe-cli", "stripe/stripe-cli", "latest")
                .WithEnvironment("STRIPE_API_KEY", key)
                .ExcludeFromManifest();
            return new StripeResources(key, "test", null, cli, null);
        }
        var emulator = builder.AddProject<Projects.StripeEmulator>("stripe")
            .WithFixedHttpPort(builder.Configuration.GetValue("Ports:Stripe", 12111))
            .WithHttpHealthCheck("/_emulator/health")
            .WithArgs("--state-dir", state.StripeDirectory)
            .ExcludeFromManifest();
        return new StripeResources(state.Secret("stripe-secret-key", LocalState.NewStripeTestKey), "local", emulator, null, null);
    }

    /// <summary><c>Stripe__SecretKey</c>, and with the emulator <c>Stripe__ApiBase</c> and a wait until it is healthy.</summary>
    public static IResourceBuilder<ProjectResource> WithStripe(this IResourceBuilder<ProjectResource> project, StripeResources stripe)
    {
        project.WithEnvironment("Stripe__SecretKey", stripe.SecretKey);
        if (stripe.Emulator is { } emulator)
        {
            project.WithEnvironment("Stripe__ApiBase", emulator.GetEndpoint("http")).WaitFor(emulator);
        }
        return project;
    }

    /// <summary>
    /// <c>Stripe__WebhookSecrets__0</c>: what the emulator publishes, what <c>stripe listen</c> prints when ready, or
    /// (published) the secret parameter of the deployment's webhook endpoint.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStripeWebhookSecret(this IResourceBuilder<ProjectResource> gateway, StripeResources stripe)
    {
        const string name = "Stripe__WebhookSecrets__0";
        if (stripe.WebhookSecret is { } parameter)
        {
            return gateway.WithEnvironment(name, parameter);
        }
        if (stripe.Emulator is { } emulator)
        {
            return gateway.WithEnvironment(async context =>
            {
                if (context.ExecutionContext.IsRunMode)
                {
                    context.EnvironmentVariables[name] = await EmulatorWebhookSecretAsync(emulator.Resource, context.CancellationToken).ConfigureAwait(false);
                }
            });
        }
        var cli = stripe.Cli!;
        return gateway.WaitFor(cli).WithEnvironment(async context =>
        {
            if (!context.ExecutionContext.IsRunMode)
            {
                return;
            }
            var logs = context.ExecutionContext.Services.GetRequiredService<ResourceLoggerService>();
            await foreach (var batch in logs.WatchAsync(cli.Resource).WithCancellation(context.CancellationToken))
            {
                if (batch.Select(line => WebhookSecretInLog().Match(line.Content)).FirstOrDefault(match => match.Success) is { } found)
                {
                    context.EnvironmentVariables[name] = found.Value;
                    return;
                }
            }
        });
    }

    /// <summary>The emulator's signing secret, read once it is healthy (as one reads <c>stripe listen</c>'s output).</summary>
    private static async Task<string> EmulatorWebhookSecretAsync(ProjectResource emulator, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(emulator.GetEndpoint("http").Url), "/_emulator/webhook-secret");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var secret = (await client.GetStringAsync(url, cancellationToken).ConfigureAwait(false)).Trim();
        return secret.StartsWith("whsec_", StringComparison.Ordinal)
            ? secret
            : throw new DistributedApplicationException($"The Stripe emulator answered {url} with something other than a whsec_ secret.");
    }

    /// <summary>
    /// Users' tokens: locally signed with a generated HS256 key (<c>Auth__SigningKey</c>, which <c>Gateway token</c>
    /// also reads); published, validated against the deployment's identity provider, given as the parameters
    /// <c>auth-authority</c> (OpenID Connect discovery and JWKS) and <c>auth-audience</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithUserAuthentication(this IResourceBuilder<ProjectResource> gateway, LocalState state)
    {
        var builder = gateway.ApplicationBuilder;
        if (builder.ExecutionContext.IsPublishMode)
        {
            return gateway
                .WithEnvironment("Auth__Authority", builder.AddParameter("auth-authority"))
                .WithEnvironment("Auth__Audience", builder.AddParameter("auth-audience"));
        }
        return gateway.WithEnvironment("Auth__SigningKey", state.Secret("auth-signing-key", LocalState.NewApiKey));
    }

    /// <summary>A port a person can type, bound by the service itself (no proxy in front): 0 lets the tests pick.</summary>
    public static IResourceBuilder<ProjectResource> WithFixedHttpPort(this IResourceBuilder<ProjectResource> project, int port) =>
        project.WithEndpoint("http", endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.IsProxied = false;
        });

    /// <summary>
    /// A short OTLP export timeout and no export retries for every project: at Ctrl-C the orchestrator stops the
    /// dashboard before the services, and each service's last export retried the absent collector until the timeout
    /// (10 s by default): with Aspire's <c>in_memory</c> retry and 2 s, a service still took 2.9 to 3.2 s to exit after
    /// SIGTERM, without the retry 0.18 s (bench/README.md). The collector is local and lives as long as the stack.
    /// </summary>
    public static void WithQuickTelemetryShutdown(this IDistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "2000")
                .WithEnvironment("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", string.Empty);
        }
    }

    /// <summary>
    /// Run mode: each project starts as the program its build wrote (<c>artifacts/bin/&lt;Project&gt;/&lt;config&gt;/</c>,
    /// Directory.Build.props) instead of through <c>dotnet run --no-build</c>, which spends 1.4 to 2.8 s here evaluating
    /// the project before Main, three times in a row on the way to a healthy gateway (emulator, stripe-setup, services).
    /// They stay project resources (dashboard, manifest, tests), and <c>dotnet run --project AppHost</c> still builds
    /// them first. Where that program is missing (another output layout), Aspire's <c>dotnet run</c> applies.
    /// </summary>
    public static void LaunchProjectsFromBuildOutput(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }
        var configuration = typeof(YapitResources).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var projectPath = project.GetProjectMetadata().ProjectPath;
            var projectDirectory = Path.GetDirectoryName(projectPath)!;
            var name = Path.GetFileNameWithoutExtension(projectPath);
            var program = Path.Combine(builder.AppHostDirectory, "..", "artifacts", "bin", name, configuration.ToLowerInvariant(),
                $"Yapit.{name}{(OperatingSystem.IsWindows() ? ".exe" : string.Empty)}");
            if (File.Exists(program))
            {
                // The working directory stays the project's, as with dotnet run (the content root).
                project.Annotations.Add(new ExecutableAnnotation { Command = Path.GetFullPath(program), WorkingDirectory = projectDirectory });
            }
        }
    }

    /// <summary>Once the gateway is healthy: where it is and where the admin key is (Aspire prints the dashboard's login URL).</summary>
    public static void PrintWhereThingsAre(this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> gateway, LocalState state) =>
        builder.Eventing.Subscribe<ResourceReadyEvent>(gateway.Resource, (_, _) =>
        {
            Console.WriteLine($"""

                Yapit billing is up.
                  gateway      {gateway.GetEndpoint("http").Url}
                  API reference {gateway.GetEndpoint("http").Url}/scalar (the OpenAPI document: /openapi/v1.json)
                  admin API    Authorization: Bearer <admin-api-key from {state.ParametersPath}>
                  usage API    Authorization: Bearer <usage-service-key from the same file>
                  a user token dotnet run --project Gateway --no-launch-profile -- token --sub user_1
                  local state  {state.Directory} (start with --fresh to begin from nothing)
                Ctrl+C stops everything.

                """);
            return Task.CompletedTask;
        });

    [GeneratedRegex("whsec_[A-Za-z0-9]+")]
    private static partial Regex WebhookSecretInLog();
}

/// <summary>
/// Whether containers can run here: the runtime's CLI (Aspire's <c>ASPIRE_CONTAINER_RUNTIME</c>, docker by default)
/// answers <c>info</c>, what Aspire's orchestrator needs. Asked once per runtime and process.
/// </summary>
public static class ContainerRuntime
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Answers = new(StringComparer.Ordinal);

    public static bool IsHealthy(IConfiguration configuration)
    {
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } named ? named
            : configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } older ? older
            : "docker";
        return Answers.GetOrAdd(runtime, AskInfo);
    }

    private static bool AskInfo(string runtime)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
