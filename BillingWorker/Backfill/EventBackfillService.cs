using Microsoft.Extensions.Options;
using Npgsql;
using Stripe;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Inbox;

namespace Yapit.BillingWorker.Backfill;

/// <summary>
/// Recovers webhooks that never arrived (a gateway outage longer than Stripe's retries): periodically lists Stripe's
/// events since the newest one the inbox holds, minus an overlap, at most 30 days back, and inserts the missing ones.
/// </summary>
public sealed class EventBackfillService(
    IStripeClient stripe,
    InboxStore inbox,
    IOptionsMonitor<BackfillOptions> options,
    TimeProvider time,
    ILogger<EventBackfillService> logger) : BackgroundService
{
    private readonly EventService _events = new(stripe);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }
        try
        {
            await Task.Delay(options.CurrentValue.InitialDelay, time, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is StripeException or HttpRequestException or NpgsqlException or TimeoutException
                    || (error is OperationCanceledException && !stoppingToken.IsCancellationRequested))
                {
                    logger.LogWarning(error, "Backfill of Stripe events failed; trying again in {IntervalMinutes:0.#} min", options.CurrentValue.Interval.TotalMinutes);
                }
                await Task.Delay(options.CurrentValue.Interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; returns how many events were missing from the inbox.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = InboxTelemetry.ActivitySource.StartActivity("backfill stripe events");
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var newest = await inbox.NewestStripeCreatedAsync(cancellationToken).ConfigureAwait(false);
        var since = newest is { } seen ? seen - settings.Overlap : now - settings.InitialLookback;
        var oldestListable = now - BackfillOptions.StripeRetention;
        if (since < oldestListable)
        {
            since = oldestListable;
        }

        var listed = 0;
        var inserted = 0;
        await foreach (var stripeEvent in _events.ListAutoPagingAsync(new EventListOptions
        {
            Limit = 100,
            Created = new DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
        }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            listed++;
            var incoming = new IncomingEvent(
                stripeEvent.Id, stripeEvent.Type, stripeEvent.ApiVersion, stripeEvent.Livemode,
                new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)),
                (stripeEvent.Data?.Object as IHasId)?.Id, stripeEvent.Data?.Object?.Object,
                // The event as Stripe sent it (the worker parses it like a delivered webhook), not a re-serialisation.
                stripeEvent.RawJsonElement?.GetRawText() ?? stripeEvent.ToJson(),
                activity?.Id, activity?.TraceStateString, Source: "backfill");
            if (await inbox.InsertAsync(incoming, cancellationToken).ConfigureAwait(false))
            {
                inserted++;
                logger.LogWarning("Backfill found Stripe event {EventId} ({EventType}, {ObjectId}) that no webhook delivered", stripeEvent.Id, stripeEvent.Type, incoming.ObjectId);
            }
        }
        InboxTelemetry.Backfilled.Add(inserted);
        activity?.SetTag("yapit.backfill.listed", listed);
        activity?.SetTag("yapit.backfill.inserted", inserted);
        logger.LogDebug("Backfill listed {Listed} Stripe events since {Since:o}; {Inserted} were missing", listed, since, inserted);
        return inserted;
    }
}
