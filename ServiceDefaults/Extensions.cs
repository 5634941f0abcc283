using Microsoft.Extensions.Http.Resilience;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// Aspire's template puts these in Microsoft.Extensions.Hosting so every service finds them without a using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire's service defaults: OpenTelemetry (ASP.NET Core, HttpClient, runtime and Npgsql instrumentation, every
/// <c>Yapit.*</c> source and meter, OTLP export), health checks, service discovery and the standard resilience
/// handler on every HttpClient, Problem Details.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string LiveTag = "live";

    /// <summary>The project's own ActivitySources and Meters (wildcards are OpenTelemetry's).</summary>
    public const string YapitSources = "Yapit.*";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemDetails();
        // A database that cannot be reached is 503 with Retry-After on every endpoint, never a 500.
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // POST, PUT, PATCH and DELETE are not retried here: a client that can repeat them safely (Stripe.net, with
            // idempotency keys) runs its own retries, and one layer of retries is enough.
            http.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        // HttpClient's request log lines carry full URLs (list queries may hold e-mail addresses): warnings only.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(YapitSources))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(YapitSources)
                .AddAspNetCoreInstrumentation(options =>
                {
                    // The orchestrator polls the probes every few seconds: their spans would bury the ones people look for.
                    options.Filter = context => !IsProbe(context.Request.Path);
                })
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        // The exporter reads endpoint, protocol, headers and timeout from the standard OTEL_* variables.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
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
    /// these are mapped in every environment, because the orchestrator and any deployment probe them; they answer
    /// the status word, and with <paramref name="explainHealth"/> (a service nobody outside reaches, the worker) a
    /// line per check that is not healthy saying why, e.g. <c>billingdb: Unhealthy: billingdb unreachable (...)</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, bool explainHealth = false)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapHealthChecks(HealthEndpointPath, explainHealth ? new HealthCheckOptions { ResponseWriter = WriteExplainedAsync } : new HealthCheckOptions());
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });
        return app;
    }

    private static Task WriteExplainedAsync(HttpContext context, HealthReport report)
    {
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description ?? "no description");
            if (entry.Exception is { } error)
            {
                // Npgsql's and the sockets' messages name a host and port at most, never a password.
                text.Append(" (").Append(error.GetType().Name).Append(": ").Append(error.Message.Split('\n')[0].Trim()).Append(')');
            }
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath, StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments(AlivenessEndpointPath, StringComparison.OrdinalIgnoreCase);
}
