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
    public static void Compose(DistributedApplicationBuilder builder, AppHostOptions options)
    {
        var billingdb = AddBillingDatabase(builder, options);

        var stripeSetup = builder.AddProject("stripe-setup", "StripeSetup")
            .WithReference(billingdb)
            .WaitFor(billingdb);

        var gateway = builder.AddProject("gateway", "Gateway")
            .WithHttpEndpoint(options.GatewayPort)
            .WithHttpHealthCheck("/health")
            .WithReference(billingdb)
            .WaitForCompletion(stripeSetup);

        builder.AddProject("billing-worker", "BillingWorker")
            .WithHttpEndpoint(options.WorkerPort)
            .WithHttpHealthCheck("/health")
            .WithReference(billingdb)
            .WithReference(gateway)
            .WaitForCompletion(stripeSetup);
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
