using Yapit.AppHost.Hosting;
using Yapit.AppHost.Hosting.Postgres;
using Yapit.AppHost.Hosting.Resources;

namespace Yapit.AppHost;

/// <summary>
/// The Yapit billing stack as resources: the one composition that <c>dotnet run --project AppHost</c> runs and that
/// tests start through <see cref="Hosting.Testing.DistributedApplicationTestingBuilder"/>.
/// </summary>
public static class YapitStack
{
    /// <summary>The generated test key every service uses against the emulator, kept in parameters.json.</summary>
    public const string StripeSecretKeyParameter = "stripe-secret-key";

    /// <summary>The generated key of the gateway's admin API, kept in parameters.json and printed at start.</summary>
    public const string AdminApiKeyParameter = "admin-api-key";

    /// <summary>Where Stripe's webhooks reach the gateway.</summary>
    public const string WebhookPath = "/v1/billing/webhook";

    /// <summary>Values the composition generated that a person (or a test) needs.</summary>
    public sealed record Generated(string AdminApiKey);

    public static Generated Compose(DistributedApplicationBuilder builder, AppHostOptions options)
    {
        var billingdb = AddBillingDatabase(builder, options);
        var parameters = new ParameterStore(Path.Combine(options.DataDirectory, ParameterStore.FileName));

        // The Stripe emulator stands where a real deployment runs `stripe listen`: it publishes its signing
        // secret and forwards every event to the gateway.
        var stripe = builder.AddProject("stripe", "StripeEmulator")
            .WithHttpEndpoint(options.StripePort)
            .WithHttpHealthCheck("/_emulator/health");

        var adminKey = parameters.GetOrCreate(AdminApiKeyParameter, ParameterStore.NewSecret);

        // Applies the catalog to the emulator (its "local" environment values) and writes the plans table.
        var stripeSetup = builder.AddProject("stripe-setup", "StripeSetup")
            .WithArgs("apply", "--env", "local")
            .WithReference(billingdb)
            .WithStripe(stripe, parameters)
            .WaitFor(billingdb);

        var gateway = builder.AddProject("gateway", "Gateway")
            .WithHttpEndpoint(options.GatewayPort)
            .WithHttpHealthCheck("/health")
            .WithReference(billingdb)
            .WithStripe(stripe, parameters)
            .WithEnvironment("Stripe__WebhookSecrets__0", cancellationToken => PublishedWebhookSecretAsync(stripe.Resource, cancellationToken))
            .WithEnvironment("Admin__ApiKey", adminKey)
            .WaitForCompletion(stripeSetup);

        builder.AddProject("billing-worker", "BillingWorker")
            .WithHttpEndpoint(options.WorkerPort)
            .WithHttpHealthCheck("/health")
            .WithReference(billingdb)
            .WithReference(gateway)
            .WithStripe(stripe, parameters)
            .WaitForCompletion(stripeSetup);

        // Evaluated at start: the gateway's port is fixed only when the application is built.
        stripe.WithArgs(() =>
        [
            "--forward-to", new Uri(gateway.Resource.GetEndpoint().Url, WebhookPath).ToString(),
            "--state-dir", Path.Combine(options.DataDirectory, "stripe"),
        ]);
        return new Generated(adminKey);
    }

    /// <summary><c>Stripe__ApiBase</c> and <c>Stripe__SecretKey</c>, and a wait until the emulator is healthy.</summary>
    private static IResourceBuilder<ProjectResource> WithStripe(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> stripe, ParameterStore parameters) =>
        project
            .WithEnvironment("Stripe__ApiBase", _ => ValueTask.FromResult(stripe.Resource.GetEndpoint().Url.ToString().TrimEnd('/')))
            .WithEnvironment("Stripe__SecretKey", _ => ValueTask.FromResult(parameters.GetOrCreate(StripeSecretKeyParameter, ParameterStore.NewStripeTestKey)))
            .WaitFor(stripe);

    /// <summary>The secret the emulator signs forwarded events with, read once it is healthy (as one reads `stripe listen`'s output).</summary>
    private static async ValueTask<string> PublishedWebhookSecretAsync(ProjectResource stripe, CancellationToken cancellationToken)
    {
        var url = new Uri(stripe.GetEndpoint().Url, "/_emulator/webhook-secret");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        string? problem = null;
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                var secret = (await client.GetStringAsync(url, cancellationToken).ConfigureAwait(false)).Trim();
                if (secret.StartsWith("whsec_", StringComparison.Ordinal))
                {
                    return secret;
                }
                problem = "the answer was not a whsec_ secret";
            }
            catch (Exception error) when (error is HttpRequestException || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = error.Message;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
        }
        throw new DistributedApplicationException($"The Stripe emulator did not publish its webhook secret at {url}: {problem}");
    }

    /// <summary>An existing server when <c>ConnectionStrings__billingdb</c> is given, else a local cluster.</summary>
    private static IResourceBuilder<Resource> AddBillingDatabase(DistributedApplicationBuilder builder, AppHostOptions options)
    {
        if (options.ExternalConnectionString is { } external)
        {
            return builder.AddConnectionString("billingdb", external);
        }
        if (PostgresInstallation.Find() is null)
        {
            throw new DistributedApplicationException(PostgresInstallation.MissingMessage);
        }
        return builder
            .AddLocalPostgres("postgres", new LocalPostgresOptions
            {
                DataDirectory = Path.Combine(options.DataDirectory, "postgres"),
                Durable = options.DurablePostgres,
            })
            .AddDatabase("billingdb");
    }
}
