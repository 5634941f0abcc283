using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Stripe;

namespace Yapit.Billing.Stripe;

/// <summary>
/// The one registration of Stripe.net for every service and for stripe-setup: an <see cref="IStripeClient"/> built from
/// <c>Stripe__SecretKey</c> and <c>Stripe__ApiBase</c>, whose HTTP goes through <see cref="IHttpClientFactory"/>
/// (so the HttpClient instrumentation and <see cref="StripeTelemetryHandler"/> see every attempt). Stripe.net's own
/// retries are the only retry layer: they keep the idempotency key and honour Stripe-Should-Retry, so a generic
/// resilience handler on this client is removed (two layers would multiply attempts and re-send without the key's
/// guarantees).
/// </summary>
public static class StripeRegistration
{
    public const string HttpClientName = "Stripe";

    private static readonly AppInfo YapitApp = new() { Name = "Yapit Billing" };

    public static IHttpClientBuilder AddStripe(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StripeSettings>()
            .Bind(configuration.GetSection(StripeSettings.SectionName))
            .Validate(s => KeyIsValid(s.SecretKey), "Stripe:SecretKey (environment Stripe__SecretKey) must be set to a Stripe secret key (sk_test_, sk_live_, rk_test_ or rk_live_).")
            .Validate(s => s.ApiBase is null || s.ApiBase.IsAbsoluteUri, "Stripe:ApiBase (environment Stripe__ApiBase) must be an absolute URL.")
            .Validate(s => s.MaxNetworkRetries >= 0 && s.RequestTimeout > TimeSpan.Zero, "Stripe:MaxNetworkRetries must be 0 or more and Stripe:RequestTimeout positive.");
        services.TryAddTransient<StripeTelemetryHandler>();
        services.TryAddSingleton<StripeRateLimit>();
        services.TryAddTransient<StripeRateLimitHandler>();
        services.TryAddSingleton<IStripeClient>(provider => CreateClient(
            provider.GetRequiredService<IOptions<StripeSettings>>().Value,
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName)));

        return services.AddHttpClient(HttpClientName)
            .ConfigureHttpClient((provider, http) => http.Timeout = provider.GetRequiredService<IOptions<StripeSettings>>().Value.RequestTimeout)
            // The client lives as long as the process (a singleton IStripeClient): connections are recycled instead, so
            // DNS changes are still seen.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Outermost: a request waits for its turn under Stripe:MaxRequestsPerSecond before its span starts.
            .AddHttpMessageHandler<StripeRateLimitHandler>()
            .AddHttpMessageHandler<StripeTelemetryHandler>()
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
            {
                // Whatever resilience handler the service defaults add to every client (ours or
                // Microsoft.Extensions.Http.Resilience's), Stripe calls keep only Stripe.net's retries.
                for (var i = handlers.Count - 1; i >= 0; i--)
                {
                    if (IsRetryHandler(handlers[i]))
                    {
                        handlers.RemoveAt(i);
                    }
                }
            });
    }

    /// <summary>A Stripe.net client over the given HttpClient; stripe-setup and the services build it the same way.</summary>
    public static StripeClient CreateClient(StripeSettings settings, HttpClient http)
    {
        _ = settings.Mode; // a clear error for a missing or malformed key, before any request
        return new StripeClient(new StripeClientOptions
        {
            ApiKey = settings.SecretKey,
            ApiBase = settings.ApiBase?.ToString().TrimEnd('/') ?? StripeClient.DefaultApiBase,
            HttpClient = new SystemNetHttpClient(http, settings.MaxNetworkRetries, YapitApp, enableTelemetry: false),
        });
    }

    internal static bool IsRetryHandler(DelegatingHandler handler) =>
        handler.GetType().Name.Contains("Resilience", StringComparison.Ordinal);

    private static bool KeyIsValid(string? key)
    {
        try
        {
            return !string.IsNullOrWhiteSpace(key) && StripeKeys.ModeOf(key) is StripeMode.Test or StripeMode.Live;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
