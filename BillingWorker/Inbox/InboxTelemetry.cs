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

    /// <summary>
    /// A parent that is not recorded, so the spans under it (the claim's SQL) are not either: an idle poll every
    /// <c>Inbox:PollInterval</c> would otherwise be a trace of its own every 2 s and bury the webhooks' traces in the
    /// dashboard. Metrics (Npgsql's) are not affected.
    /// </summary>
    public static Activity Unrecorded(string name)
    {
        var activity = new Activity(name);
        activity.SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);
        return activity.Start();
    }

    /// <summary>A claim that took events, as one span afterwards, linked to each event's own trace.</summary>
    public static void RecordClaim(DateTimeOffset started, string workerId, IReadOnlyList<ClaimedEvent> claimed)
    {
        if (claimed.Count == 0 || !ActivitySource.HasListeners())
        {
            return;
        }
        var links = claimed
            .Select(item => ActivityContext.TryParse(item.TraceParent, item.TraceState, out var context) ? new ActivityLink(context) : default)
            .Where(link => link.Context != default)
            .ToList();
        using var activity = ActivitySource.StartActivity(ActivityKind.Consumer, parentContext: default, links: links, startTime: started, name: "inbox claim");
        activity?.SetTag("messaging.batch.message_count", claimed.Count);
        activity?.SetTag("yapit.worker.id", workerId);
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
