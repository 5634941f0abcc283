using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Yapit.StripeApi.DependencyInjection;

public static class StripeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="StripeClient"/> as a typed HttpClient with options bound from <c>Stripe</c>
    /// (<c>Stripe__SecretKey</c>, <c>Stripe__ApiBase</c>, ...). The returned builder lets the caller adjust the
    /// HttpClient pipeline (for example remove a generic retry handler: the client retries itself).
    /// </summary>
    public static IHttpClientBuilder AddStripeClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StripeClientOptions>()
            .Bind(configuration.GetSection(StripeClientOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.SecretKey), "Stripe:SecretKey is not set (environment variable Stripe__SecretKey).")
            .Validate(o => o.ApiBase.IsAbsoluteUri, "Stripe:ApiBase must be an absolute URL.");
        services.AddSingleton(TimeProvider.System);
        // The pipeline times out each attempt itself; HttpClient's own timeout would cut retries short.
        return services.AddHttpClient<StripeClient>((_, http) => http.Timeout = Timeout.InfiniteTimeSpan);
    }
}
