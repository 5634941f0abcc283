using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Stripe;
using Stripe.TestHelpers;
using Yapit.Billing.Plans;
using Yapit.Billing.Subscriptions;
using Yapit.BillingWorker.Scheduling;

namespace Yapit.BillingWorker.Reconciliation;

/// <summary>What one pass did.</summary>
public sealed record ReconciliationReport(int Listed, int Corrected, int EndedChecked, int PendingApplied, int Failed);

/// <summary>
/// Keeps the stored subscriptions honest when webhooks were lost or Stripe was changed by hand: each pass walks
/// Stripe's list of subscriptions that can still change (every status but canceled) page by page and applies each as
/// a sync does, counting what differed; then it reads once each subscription we still hold as live that Stripe no
/// longer lists (it ended: stored as ended, it is not read again). A pass costs the pages of live subscriptions, not
/// the users ever seen. Then it applies the pending at-period-end plans whose period ends within the lead time.
/// </summary>
public sealed class ReconciliationService(
    IStripeClient stripe,
    SubscriptionSync sync,
    SubscriptionStore store,
    SubscriptionChangesStore changes,
    PlanCatalogReader plans,
    PlanChangeService planChanges,
    IOptionsMonitor<ReconciliationOptions> options,
    NpgsqlDataSource database,
    TimeProvider time,
    ILogger<ReconciliationService> logger) : ScheduledStripePass(database, time, logger)
{
    private static readonly ActivitySource ActivitySource = SubscriptionSync.ActivitySource;

    private readonly SubscriptionService _subscriptions = new(stripe);
    private readonly TestClockService _clocks = new(stripe);

    protected override IPassSchedule Schedule => options.CurrentValue;

    protected override string Name => "Reconciliation with Stripe";

    /// <summary>"yapitrec" in ASCII.</summary>
    protected override long LeaderLockKey => 0x7961706974726563;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => RunOnceAsync(cancellationToken);

    protected override void OnPassFailed() =>
        SubscriptionTelemetry.ReconciliationRuns.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    public async Task<ReconciliationReport> RunOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("reconcile subscriptions");
        var settings = options.CurrentValue;
        var pageSize = Math.Clamp(settings.PageSize, 1, 100);
        var reason = ChangeReason.Reconciliation;
        var listed = 0;
        var corrected = 0;
        var failed = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var live = await changes.NotEndedSubscriptionIdsAsync(cancellationToken).ConfigureAwait(false);

        // Without a status Stripe lists every subscription that is not canceled. A page's subscriptions count as read
        // when the page was asked for: a webhook's sync that read one later wins the stale guard.
        var pageReadAt = Time.GetUtcNow();
        await using (var pages = _subscriptions.ListAutoPagingAsync(new SubscriptionListOptions { Limit = pageSize }, cancellationToken: cancellationToken)
            .GetAsyncEnumerator(cancellationToken))
        {
            while (true)
            {
                if (listed % pageSize == 0)
                {
                    pageReadAt = Time.GetUtcNow();
                }
                if (!await pages.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
                var subscription = pages.Current;
                listed++;
                seen.Add(subscription.Id);
                try
                {
                    var (outcome, userId) = await sync.SyncAsync(subscription, pageReadAt, reason, cancellationToken).ConfigureAwait(false);
                    if (outcome == SyncOutcome.Applied)
                    {
                        corrected++;
                        logger.LogWarning("Reconciliation corrected subscription {SubscriptionId} of user {UserId}: the stored state differed from Stripe's", subscription.Id, userId);
                    }
                }
                catch (Exception error) when (error is StripeException or NpgsqlException)
                {
                    failed++;
                    logger.LogWarning(error, "Reconciliation could not apply subscription {SubscriptionId}; the next pass tries again", subscription.Id);
                }
            }
        }

        // Live in our store but no longer listed by Stripe: it ended (or was never live there). Read once.
        var endedChecked = 0;
        foreach (var subscriptionId in live.Where(id => !seen.Contains(id)))
        {
            endedChecked++;
            try
            {
                var (outcome, userId) = await sync.SyncAsync(subscriptionId, reason, cancellationToken).ConfigureAwait(false);
                if (outcome == SyncOutcome.Applied)
                {
                    corrected++;
                    logger.LogWarning("Reconciliation corrected subscription {SubscriptionId} of user {UserId}: Stripe no longer lists it as live", subscriptionId, userId);
                }
            }
            catch (Exception error) when (error is StripeException or NpgsqlException)
            {
                failed++;
                logger.LogWarning(error, "Reconciliation could not read subscription {SubscriptionId}; the next pass tries again", subscriptionId);
            }
        }

        var applied = await ApplyPendingAsync(settings.PendingLeadTime, cancellationToken).ConfigureAwait(false);
        SubscriptionTelemetry.ReconciliationRuns.Add(1, new KeyValuePair<string, object?>("outcome", "completed"));
        if (corrected > 0)
        {
            SubscriptionTelemetry.ReconciliationCorrections.Add(corrected);
        }
        activity?.SetTag("yapit.reconciliation.listed", listed);
        activity?.SetTag("yapit.reconciliation.corrected", corrected);
        var report = new ReconciliationReport(listed, corrected, endedChecked, applied, failed);
        logger.Log(corrected > 0 || failed > 0 ? LogLevel.Warning : LogLevel.Information, "Reconciliation: {Report}", report);
        return report;
    }

    /// <summary>
    /// Switches the price of each subscription whose pending plan's period ends within <paramref name="leadTime"/>,
    /// without proration (the current period is paid at the old price; the renewal bills the new one), or, when the
    /// interval changes (which restarts the period now), with the rest of the current period credited. The time is
    /// Stripe's for the subscription: its test clock's in test mode. The sync that follows clears the pending plan
    /// and keeps the old tier until the period ends.
    /// </summary>
    private async Task<int> ApplyPendingAsync(TimeSpan leadTime, CancellationToken cancellationToken)
    {
        var applied = 0;
        var clockTimes = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var pending in await changes.PendingPlansAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var subscription = await _subscriptions.GetAsync(pending.SubscriptionId, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!SubscriptionStatus.KeepsTier(subscription.Status) || subscription.Items?.Data is not [var item])
                {
                    continue;
                }
                var now = Time.GetUtcNow();
                if (subscription.TestClockId is { } clockId)
                {
                    if (!clockTimes.TryGetValue(clockId, out now))
                    {
                        var clock = await _clocks.GetAsync(clockId, cancellationToken: cancellationToken).ConfigureAwait(false);
                        clockTimes[clockId] = now = new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
                    }
                }
                var periodEnd = new DateTimeOffset(DateTime.SpecifyKind(item.CurrentPeriodEnd, DateTimeKind.Utc));
                if (periodEnd - now > leadTime || subscription.CancelAtPeriodEnd
                    || (subscription.CancelAt is { } cancelAt && new DateTimeOffset(DateTime.SpecifyKind(cancelAt, DateTimeKind.Utc)) <= periodEnd))
                {
                    // Not due yet, or the subscription ends with this period anyway: nothing renews at the old price.
                    continue;
                }
                if (await plans.FindSellableAsync(pending.Tier, pending.Interval, cancellationToken).ConfigureAwait(false) is not { } target)
                {
                    logger.LogWarning("The pending plan {Tier} {Interval} of subscription {SubscriptionId} is no longer for sale; it is left pending", pending.Tier, pending.Interval, pending.SubscriptionId);
                    continue;
                }
                // One key per pending plan and period: two workers, or a retried pass, switch the price once.
                var key = $"pending:{subscription.Id}:{target.Tier}:{target.Interval}:{periodEnd.ToUnixTimeSeconds()}";
                // Another interval restarts Stripe's billing period now: the few hours left of the current one are
                // credited (prorated), or they would be paid twice, by the old plan and by the new one (rule 3).
                var sameInterval = string.Equals(item.Price?.Recurring?.Interval, target.Interval == "yearly" ? "year" : "month", StringComparison.Ordinal);
                if (!sameInterval && await store.GetAsync(pending.UserId, cancellationToken).ConfigureAwait(false) is { } stored
                    && stored.Stripe.SubscriptionId == subscription.Id
                    && EntitlementRules.Evaluate(stored.ToSnapshot(), now) is { TierInEffect: var held } && held.IsHigherThan(stored.Stripe.Tier)
                    && SubscriptionStore.IntervalName(stored.Stripe.Interval) is { } billedInterval
                    && await plans.FindSellableAsync(held.Tier, billedInterval, cancellationToken).ConfigureAwait(false) is { } paid)
                {
                    // A tier held through grace is what was paid for these hours: back to its price first (no
                    // proration), so the credit is at what was paid, not at the lower price billed since the downgrade.
                    subscription = await planChanges.SwitchPriceAsync(subscription, item, paid, "none", key + ":paid", cancellationToken).ConfigureAwait(false);
                    item = subscription.Items.Data[0];
                }
                var updated = await planChanges.SwitchPriceAsync(subscription, item, target, sameInterval ? "none" : "always_invoice", key, cancellationToken).ConfigureAwait(false);
                await sync.SyncAsync(updated, Time.GetUtcNow(), ChangeReason.Reconciliation, cancellationToken).ConfigureAwait(false);
                if (updated.PendingUpdate is null
                    && await store.GetAsync(pending.UserId, cancellationToken).ConfigureAwait(false) is { PendingTier: not null } after && after.Stripe.SubscriptionId == subscription.Id)
                {
                    await store.SetPlanDecisionsAsync(pending.UserId, subscription.Id, PlanDecisionParts.Pending, null, null, null, null, ChangeReason.Reconciliation, cancellationToken).ConfigureAwait(false);
                }
                applied++;
                SubscriptionTelemetry.PendingApplied.Add(1);
                logger.LogInformation("Applied the pending plan {Tier} {Interval} to subscription {SubscriptionId} of user {UserId}; its period ends {PeriodEnd}",
                    target.Tier, target.Interval, subscription.Id, pending.UserId, periodEnd);
            }
            catch (Exception error) when (error is StripeException or NpgsqlException)
            {
                logger.LogWarning(error, "Could not apply the pending plan of subscription {SubscriptionId}; the next pass tries again", pending.SubscriptionId);
            }
        }
        return applied;
    }
}
