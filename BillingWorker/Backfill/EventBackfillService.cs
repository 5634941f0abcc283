using Microsoft.Extensions.Options;
using Npgsql;
using Stripe;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Inbox;
using Yapit.BillingWorker.Scheduling;

namespace Yapit.BillingWorker.Backfill;

/// <summary>
/// Recovers webhooks that never arrived (a gateway outage longer than Stripe's retries): periodically lists Stripe's
/// events and inserts every one the inbox lacks, whatever the inbox holds that is newer. What is listed depends on
/// this worker's own clock, never on the inbox's contents (a stored event dated in the future moved nothing; a gap
/// before the newest stored event was never looked for): the first pass after start, and one every
/// <see cref="BackfillOptions.FullSweepInterval"/>, lists Stripe's whole 30-day window; the others list from the start
/// of the last complete pass minus <see cref="BackfillOptions.Overlap"/>. Each page of listed ids is looked up by
/// primary key, so a pass costs what Stripe lists, not what the inbox holds.
/// </summary>
public sealed class EventBackfillService(
    IStripeClient stripe,
    InboxStore inbox,
    IOptionsMonitor<BackfillOptions> options,
    NpgsqlDataSource database,
    TimeProvider time,
    ILogger<EventBackfillService> logger) : ScheduledStripePass(database, time, logger)
{
    /// <summary>Stripe's largest page.</summary>
    private const int PageSize = 100;

    private readonly EventService _events = new(stripe);

    protected override IPassSchedule Schedule => options.CurrentValue;

    protected override string Name => "Backfill of Stripe events";

    /// <summary>"yapitbfl" in ASCII.</summary>
    protected override long LeaderLockKey => 0x796170697462666c;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => RunOnceAsync(cancellationToken);

    private DateTimeOffset? _lastPassStarted;
    private DateTimeOffset? _lastFullSweepStarted;

    /// <summary>One pass; returns how many events were missing from the inbox.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = InboxTelemetry.ActivitySource.StartActivity("backfill stripe events");
        var settings = options.CurrentValue;
        var started = Time.GetUtcNow();
        var oldestListable = started - BackfillOptions.StripeRetention;
        var full = _lastPassStarted is null || _lastFullSweepStarted is null || started - _lastFullSweepStarted >= settings.FullSweepInterval;
        var since = full ? oldestListable : _lastPassStarted!.Value - settings.Overlap;
        if (since < oldestListable)
        {
            since = oldestListable;
        }

        var listed = 0;
        var inserted = 0;
        var page = new List<Event>(PageSize);
        await foreach (var stripeEvent in _events.ListAutoPagingAsync(new EventListOptions
        {
            Limit = PageSize,
            Created = new DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
        }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            listed++;
            page.Add(stripeEvent);
            if (page.Count == PageSize)
            {
                inserted += await InsertMissingAsync(page, activity, cancellationToken).ConfigureAwait(false);
                page.Clear();
            }
        }
        inserted += await InsertMissingAsync(page, activity, cancellationToken).ConfigureAwait(false);

        // Only a pass that listed everything moves the cursor; a failed one is listed again from the same point.
        _lastPassStarted = started;
        if (full)
        {
            _lastFullSweepStarted = started;
        }
        InboxTelemetry.Backfilled.Add(inserted);
        activity?.SetTag("yapit.backfill.full", full);
        activity?.SetTag("yapit.backfill.listed", listed);
        activity?.SetTag("yapit.backfill.inserted", inserted);
        logger.LogDebug("Backfill listed {Listed} Stripe events since {Since:o} ({Kind}); {Inserted} were missing", listed, since, full ? "full window" : "since the last pass", inserted);
        return inserted;
    }

    /// <summary>Inserts the events of one listed page that the inbox lacks; only those are serialised.</summary>
    private async Task<int> InsertMissingAsync(List<Event> page, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return 0;
        }
        var missing = await inbox.MissingAsync(page.Select(e => e.Id).ToList(), cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return 0;
        }
        var events = page.Where(e => missing.Contains(e.Id)).Select(stripeEvent => new IncomingEvent(
            stripeEvent.Id, stripeEvent.Type, stripeEvent.ApiVersion, stripeEvent.Livemode,
            new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)),
            (stripeEvent.Data?.Object as IHasId)?.Id, stripeEvent.Data?.Object?.Object,
            // The event as Stripe sent it (the worker parses it like a delivered webhook), not a re-serialisation.
            stripeEvent.RawJsonElement?.GetRawText() ?? stripeEvent.ToJson(),
            activity?.Id, activity?.TraceStateString, Source: "backfill")).ToList();
        var inserted = await inbox.InsertManyAsync(events, cancellationToken).ConfigureAwait(false);
        foreach (var stripeEvent in events.Where(e => inserted.Contains(e.EventId)))
        {
            logger.LogWarning("Backfill found Stripe event {EventId} ({EventType}, {ObjectId}) that no webhook delivered", stripeEvent.EventId, stripeEvent.EventType, stripeEvent.ObjectId);
        }
        return inserted.Count;
    }
}
