using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Yapit.ServiceDefaults.Http;

public static class HttpClientBuilderExtensions
{
    public static IServiceCollection AddConfigurationServiceDiscovery(this IServiceCollection services)
    {
        services.TryAddSingleton<ServiceEndpointResolver>();
        services.TryAddTransient<ServiceDiscoveryHandler>();
        return services;
    }

    public static IHttpClientBuilder AddServiceDiscovery(this IHttpClientBuilder builder)
    {
        builder.Services.AddConfigurationServiceDiscovery();
        return builder.AddHttpMessageHandler<ServiceDiscoveryHandler>();
    }

    public static IHttpClientBuilder AddStandardResilienceHandler(this IHttpClientBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<StandardResiliencePipelines>();
        builder.Services.TryAddTransient<StandardResilienceHandler>();
        builder.Services.AddOptions<StandardResilienceOptions>().BindConfiguration(StandardResilienceOptions.SectionName);
        return builder.AddHttpMessageHandler<StandardResilienceHandler>();
    }

    /// <summary>
    /// Removes the default resilience handler from one client, for clients that run their own retry policy (the
    /// Stripe client retries with idempotency keys; two layers would multiply attempts).
    /// </summary>
    public static IHttpClientBuilder RemoveStandardResilienceHandler(this IHttpClientBuilder builder) =>
        builder.ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
        {
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i] is StandardResilienceHandler)
                {
                    handlers.RemoveAt(i);
                }
            }
        });
}
