using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Yapit.Gateway.Webhooks;

/// <summary>Counts every delivery Stripe makes by what became of it, and traces the inbox inserts.</summary>
public static class WebhookTelemetry
{
    public const string MeterName = "Yapit.Webhooks.Intake";
    private static readonly Meter Meter = new(MeterName);
    public static readonly ActivitySource Source = new(MeterName);

    public static readonly Histogram<int> InsertBatchSize = Meter.CreateHistogram<int>(
        "yapit.webhooks.insert_batch_size", unit: "{event}",
        description: "Webhooks committed together in one inbox insert.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    public static readonly Counter<long> Received = Meter.CreateCounter<long>(
        "yapit.webhooks.received", unit: "{event}",
        description: "Webhook deliveries by outcome (accepted, duplicate, ignored; refused: invalid_signature, bad_request, too_large, invalid_payload, unavailable) and, for refusals, reason.");

    public static class Outcomes
    {
        public const string Accepted = "accepted";
        public const string Duplicate = "duplicate";
        public const string InvalidSignature = "invalid_signature";
        public const string Ignored = "ignored";
        public const string TooLarge = "too_large";
        public const string BadRequest = "bad_request";
        public const string InvalidPayload = "invalid_payload";
        public const string Unavailable = "unavailable";
    }

    /// <param name="reason">
    /// Why a delivery was refused, from a closed set (the envelope member at fault, <c>row_rejected</c>,
    /// <c>body_incomplete</c>, <c>database</c>, ...), so an operator sees an attack or a misconfiguration at a glance.
    /// </param>
    public static void Count(string outcome, string? eventType = null, string? reason = null) =>
        Received.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("event_type", eventType),
            new KeyValuePair<string, object?>("reason", reason));
}
