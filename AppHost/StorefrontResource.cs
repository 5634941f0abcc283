using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>The storefront sample (samples/Storefront): the product in a browser, on the local stack only.</summary>
public static class StorefrontResource
{
    /// <summary>
    /// <c>storefront</c> on <c>Ports:Storefront</c> (5173, the gateway's default <c>Billing__AppOrigin</c>), reaching
    /// the gateway through service discovery (<c>WithReference</c>). Its origin becomes the gateway's
    /// <c>Billing__AppOrigin</c> (where Checkout and the portal return), which the gateway in Development also takes as
    /// its one CORS origin (<c>FrontendCors</c>), so a test on a free port gets both. It signs in local test users with the same generated key the gateway checks tokens with. Not
    /// published: a deployment has its own frontend and an identity provider.
    /// </summary>
    public static void AddStorefront(this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> gateway)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }
        // The local signing key the gateway was given (WithUserAuthentication): the storefront mints tokens with it.
        var authSigningKey = builder.Resources.OfType<ParameterResource>().Single(p => p.Name == "auth-signing-key");
        var storefront = builder.AddProject<Projects.Storefront>("storefront")
            .WithFixedHttpPort(builder.Configuration.GetValue("Ports:Storefront", 5173))
            .WithHttpHealthCheck("/health")
            .WithReference(gateway)
            .WaitFor(gateway)
            .WithEnvironment("Auth__SigningKey", authSigningKey);
        var origin = storefront.GetEndpoint("http");
        gateway.WithEnvironment("Billing__AppOrigin", origin);
        builder.Eventing.Subscribe<ResourceReadyEvent>(storefront.Resource, (_, _) =>
        {
            Console.WriteLine($"""

                Storefront   {origin.Url}  (sign in as a test user, subscribe with a test card, change, cancel, buy credits)

                """);
            return Task.CompletedTask;
        });
    }
}
