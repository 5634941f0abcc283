using OpenTelemetry;
using OpenTelemetry.Trace;
using Yapit.StripeEmulator.Webhooks;

namespace Yapit.StripeEmulator.Hosting;

/// <summary>
/// OpenTelemetry for the emulator, on only when an OTLP collector is named (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, which
/// Aspire sets for every project): each webhook delivery is a span whose context travels in the request's
/// <c>traceparent</c>, so the receiver's spans join the delivery's trace, as a webhook's journey in the dashboard.
/// Without a collector nothing is traced and no <c>traceparent</c> is sent: a consumer's spans would otherwise hang
/// under a parent nobody exports. The emulator stands alone (as Stripe does): its wiring is its own.
/// </summary>
public static class EmulatorTelemetry
{
    public static WebApplicationBuilder AddEmulatorTelemetry(this WebApplicationBuilder builder)
    {
        // The exporter and the resource read endpoint, protocol, headers, timeout and service name from the standard OTEL_* settings.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }
        builder.Logging.AddOpenTelemetry(logging => logging.IncludeFormattedMessage = true);
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(WebhookDispatcher.ActivitySourceName)
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
        return builder;
    }
}
