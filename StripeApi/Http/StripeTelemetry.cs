using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Yapit.StripeApi.Http;

/// <summary>
/// One client span per Stripe request (the HttpClient spans of each attempt nest under it), and request metrics.
/// Tags carry the method, the path template, the status, Stripe's request id and the attempt count; never the key or
/// a body.
/// </summary>
public static class StripeTelemetry
{
    public const string Name = "Yapit.StripeApi";

    public static readonly ActivitySource ActivitySource = new(Name);
    private static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "stripe.client.requests", unit: "{request}", description: "Stripe API requests, by method, path template and outcome.");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "stripe.client.request.duration", unit: "s", description: "Duration of Stripe API requests, retries included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "stripe.client.retries", unit: "{retry}", description: "Stripe API attempts that were retried.");
}
