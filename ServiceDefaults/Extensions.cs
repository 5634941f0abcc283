using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yapit.ServiceDefaults.Http;
using Yapit.ServiceDefaults.Telemetry;

// Aspire's template puts these in Microsoft.Extensions.Hosting so every service finds them without a using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Yapit service shares: OpenTelemetry, health checks, resilient and discoverable HttpClients,
/// Problem Details. Mirrors Aspire's ServiceDefaults so a real Aspire AppHost composes the services unchanged.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddConfigurationServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Outermost first: retries wrap discovery, so every attempt resolves the endpoint again.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddYapitOpenTelemetry(builder.Configuration, builder.Environment.ApplicationName);
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps /health (every check: readiness) and /alive (checks tagged "live": liveness). Unlike Aspire's template
    /// these are mapped in every environment, because our orchestrator and any deployment probe them; they answer
    /// only the status word, never check details.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseHttpServerSpans(HealthEndpointPath, AlivenessEndpointPath);
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });
        return app;
    }
}
