using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yapit.Billing.Inbox;

namespace Yapit.BillingWorker.Inbox;

/// <summary>The worker's spans and meters for inbox processing. Tags carry Stripe ids and types, never personal data.</summary>
public static class InboxTelemetry
{
    public const string Name = "Yapit.Webhooks.Processing";

    public static readonly ActivitySource ActivitySource = new(Name);
    private static readonly Meter Meter = new(Name);
    private static InboxStats? _lastStats;

    public static readonly Histogram<double> ProcessingDuration = Meter.CreateHistogram<double>(
        "yapit.webhooks.processing.duration", unit: "s", description: "Time to process one event, by type and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static readonly Histogram<double> Lag = Meter.CreateHistogram<double>(
        "yapit.webhooks.lag", unit: "s", description: "From receipt by the gateway to done.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });

    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(
        "yapit.webhooks.dead_letters", unit: "{event}", description: "Events that used every attempt and became dead letters.");

    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "yapit.webhooks.retries", unit: "{attempt}", description: "Failed attempts that will be retried.");

    public static readonly Counter<long> HandledAlike = Meter.CreateCounter<long>(
        "yapit.webhooks.handled_alike", unit: "{event}", description: "Events done by the run of an earlier event of the same object (one re-read from Stripe covered them).");

    public static readonly Counter<long> Backfilled = Meter.CreateCounter<long>(
        "yapit.webhooks.backfilled", unit: "{event}", description: "Events found by listing Stripe's events that no webhook had delivered.");

    static InboxTelemetry()
    {
        Meter.CreateObservableGauge("yapit.webhooks.inbox.depth", ObserveDepth, unit: "{event}", description: "Inbox rows by status (pending, processing, dead).");
    }

    /// <summary>The latest inbox counts (refreshed by the worker; the gauge reads this, never the database).</summary>
    public static void Record(InboxStats stats) => Volatile.Write(ref _lastStats, stats);

    private static IEnumerable<Measurement<long>> ObserveDepth()
    {
        if (Volatile.Read(ref _lastStats) is not { } stats)
        {
            yield break;
        }
        yield return new Measurement<long>(stats.Pending, new KeyValuePair<string, object?>("status", InboxStatus.Pending));
        yield return new Measurement<long>(stats.Processing, new KeyValuePair<string, object?>("status", InboxStatus.Processing));
        yield return new Measurement<long>(stats.Dead, new KeyValuePair<string, object?>("status", InboxStatus.Dead));
    }
}
