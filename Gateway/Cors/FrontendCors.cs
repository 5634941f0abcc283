using Yapit.Billing.Subscriptions;

namespace Yapit.Gateway.Cors;

/// <summary>Bound from <c>Cors</c>: the browser origins allowed to call the user endpoints (<c>Cors__AllowedOrigins__0</c>, ...).</summary>
public sealed class CorsOptions
{
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>
/// CORS for a single-page app on another origin: only the endpoints a signed-in user calls with their bearer token
/// carry the policy (<see cref="RequireFrontendCors{TBuilder}"/>). The admin API, the usage service endpoints and
/// Stripe's webhook never do, so a browser's preflight for them finds no policy and gets no CORS headers (the
/// browser then refuses the call). No cookies are involved (the token travels in <c>Authorization</c>), so
/// credentials stay off. No origins configured: in Development (the local stack) the product's own origin,
/// <c>Billing:AppOrigin</c>, so the storefront or a single-page app on it works without a setting; elsewhere none, so
/// no browser on another origin may call until a deployment lists its frontends.
/// </summary>
public static class FrontendCors
{
    public const string PolicyName = "frontend";

    public static IHostApplicationBuilder AddFrontendCors(this IHostApplicationBuilder builder)
    {
        var origins = AllowedOrigins(builder.Configuration, builder.Environment);
        builder.Services.AddCors(cors => cors.AddPolicy(PolicyName, policy =>
        {
            policy.WithOrigins(origins)
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders("Authorization", "Content-Type", "Idempotency-Key")
                // Preflights are cached for ten minutes instead of preceding every call.
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        }));
        return builder;
    }

    /// <summary>The user endpoints: a browser on an allowed origin may call them with a bearer token.</summary>
    public static TBuilder RequireFrontendCors<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireCors(PolicyName);

    /// <summary>The configured origins; none configured in Development: <c>Billing:AppOrigin</c> (its default included).</summary>
    internal static string[] AllowedOrigins(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = (configuration.GetSection("Cors").Get<CorsOptions>() ?? new CorsOptions()).AllowedOrigins
            .Where(origin => !string.IsNullOrWhiteSpace(origin))
            .Select(Normalize)
            .ToArray();
        if (configured.Length > 0 || !environment.IsDevelopment())
        {
            return configured;
        }
        var appOrigin = (configuration.GetSection(BillingOptions.SectionName).Get<BillingOptions>() ?? new BillingOptions()).AppOrigin;
        return [Normalize(appOrigin.ToString())];
    }

    /// <summary>An origin as browsers send it: scheme, host and port, no path or trailing slash.</summary>
    private static string Normalize(string origin) =>
        Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : throw new InvalidOperationException($"Cors:AllowedOrigins holds '{origin}', which is not an absolute origin such as http://localhost:5173.");
}
