using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Yapit.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry wired with the SDK builders directly. The instrumentation packages are not on the mirror, so we
/// subscribe to what .NET 10, ASP.NET Core and Npgsql emit natively, plus every Yapit.* source and meter.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>ActivitySources the services listen to.</summary>
    public static readonly string[] TraceSources =
    [
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "Npgsql",
        "Yapit.*",
    ];

    /// <summary>Meters the services export.</summary>
    public static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.HealthChecks",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
        "Npgsql",
        "Yapit.*",
    ];

    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddYapitOpenTelemetry(
        this IServiceCollection services, IConfiguration configuration, string applicationName)
    {
        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : applicationName;
        var otel = new ServiceCollectionOpenTelemetryBuilder(services);

        otel.ConfigureResource(resource => resource.AddService(serviceName));
        otel.WithLogging(configureBuilder: null, configureOptions: options =>
        {
            options.IncludeFormattedMessage = true;
            options.IncludeScopes = true;
        });
        otel.WithMetrics(metrics => metrics.AddMeter(Meters).AddMeter(applicationName));
        otel.WithTracing(tracing => tracing.AddSource(TraceSources).AddSource(applicationName));

        // The exporter reads endpoint, protocol (grpc or http/protobuf), headers and batch delays from the
        // standard OTEL_* keys of the app's configuration, which includes the environment.
        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]))
        {
            otel.UseOtlpExporter();
        }

        // The request log line of HttpClient carries full URLs (list queries may hold e-mail addresses).
        services.AddLogging(logging => logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        services.AddHostedService<TelemetryProviderActivator>();
        return services;
    }

    /// <summary>
    /// Gives ASP.NET Core's server spans what the (unavailable) instrumentation package would: the semantic-convention
    /// tags, a "METHOD route" name and an error status for 5xx. Health and liveness probes are kept out of traces: the
    /// orchestrator polls them every few seconds and they would bury the spans people look for. Metrics still count them.
    /// </summary>
    public static IApplicationBuilder UseHttpServerSpans(this IApplicationBuilder app, params string[] probePaths) =>
        app.Use(async (context, next) =>
        {
            var activity = Activity.Current;
            if (activity is null)
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            var request = context.Request;
            activity.SetTag("url.path", request.Path.Value); // never the query: it may carry personal data
            if (IsProbe(request.Path, probePaths))
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                await next(context).ConfigureAwait(false);
                return;
            }

            activity.SetTag("http.request.method", request.Method);
            activity.SetTag("url.scheme", request.Scheme);
            activity.SetTag("server.address", request.Host.Host);
            activity.SetTag("server.port", request.Host.Port);
            activity.SetTag("network.protocol.version", request.Protocol.Replace("HTTP/", string.Empty, StringComparison.Ordinal));
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
                if (route is not null)
                {
                    activity.SetTag("http.route", route);
                }
                activity.DisplayName = route is null ? request.Method : $"{request.Method} {route}";
                var status = context.Response.StatusCode;
                activity.SetTag("http.response.status_code", status);
                if (status >= 500)
                {
                    activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    activity.SetStatus(ActivityStatusCode.Error);
                }
            }
        });

    private static bool IsProbe(PathString path, string[] probes)
    {
        foreach (var probe in probes)
        {
            if (path.StartsWithSegments(probe, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>IOpenTelemetryBuilder over the host's own service collection (what OpenTelemetry.Extensions.Hosting would give).</summary>
    private sealed class ServiceCollectionOpenTelemetryBuilder(IServiceCollection services) : IOpenTelemetryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    /// <summary>
    /// Providers registered in DI are created lazily; resolving them at start makes listeners exist before the first
    /// request. The container disposes (and so flushes) them at shutdown.
    /// </summary>
    private sealed class TelemetryProviderActivator(IServiceProvider services) : IHostedService
    {
        private TracerProvider? _tracing;
        private MeterProvider? _metrics;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _tracing = services.GetService<TracerProvider>();
            _metrics = services.GetService<MeterProvider>();
            return Task.CompletedTask;
        }

        /// <summary>Flushes what is buffered; the container disposes the providers afterwards.</summary>
        public Task StopAsync(CancellationToken cancellationToken)
        {
            _tracing?.ForceFlush(2000);
            _metrics?.ForceFlush(2000);
            return Task.CompletedTask;
        }
    }
}
