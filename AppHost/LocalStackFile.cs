using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>.data/local-stack.json</c> (0600): what the running stack gives its stripe-setup (database, emulator and its key,
/// catalog environment), so that <c>stripe-setup --local</c> run by hand reaches the same stack. Written when
/// stripe-setup starts, removed when the app host stops. With real Stripe (a key the user gave) the key is not copied.
/// </summary>
public static class LocalStackFile
{
    public const string FileName = "local-stack.json";

    public static IResourceBuilder<ProjectResource> WithLocalStackFile(this IResourceBuilder<ProjectResource> stripeSetup, LocalState state,
        IResourceBuilder<IResourceWithConnectionString> billingdb, StripeResources stripe)
    {
        if (!stripeSetup.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return stripeSetup;
        }
        var path = Path.Combine(state.Directory, FileName);
        var registered = 0;
        return stripeSetup.OnBeforeResourceStarted(async (_, started, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:billingdb"] = await billingdb.Resource.GetConnectionStringAsync(cancellationToken).ConfigureAwait(false),
            };
            if (stripe.Emulator is { } emulator)
            {
                settings["Stripe:SecretKey"] = await stripe.SecretKey.Resource.GetValueAsync(cancellationToken).ConfigureAwait(false);
                settings["Stripe:ApiBase"] = emulator.GetEndpoint("http").Url;
            }
            LocalState.WritePrivate(path, JsonSerializer.SerializeToUtf8Bytes(new { environment = stripe.CatalogEnvironment, settings }, new JsonSerializerOptions { WriteIndented = true }));
            if (Interlocked.Exchange(ref registered, 1) == 0)
            {
                started.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => File.Delete(path));
            }
        });
    }
}
