using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Stripe;
using Yapit.Billing.Plans;
using Yapit.Billing.Usage;

namespace Yapit.Billing.Subscriptions;

public enum SyncOutcome
{
    Applied,
    Unchanged,
    Stale,
    /// <summary>The subscription belongs to no user we know (not linked yet, or not ours).</summary>
    NotLinked,
}

/// <summary>
/// Reads a subscription from Stripe and makes the stored state, the grace or pending plan and the usage periods
/// follow it. Used by every subscription event, by reconciliation and before a checkout (point-of-decision sync), so
/// the order of events never matters: each one only says "look again".
/// </summary>
public sealed class SubscriptionSync(
    IStripeClient stripe,
    SubscriptionStore store,
    PlanCatalogReader plans,
    UsageLedger usage,
    TimeProvider time,
    ILogger<SubscriptionSync> logger)
{
    public static ActivitySource ActivitySource => SubscriptionTelemetry.ActivitySource;

    private readonly SubscriptionService _subscriptions = new(stripe);

    public async Task<(SyncOutcome Outcome, string? UserId)> SyncAsync(string subscriptionId, ChangeReason reason, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("subscription sync");
        activity?.SetTag("stripe.subscription_id", subscriptionId);
        var subscription = await _subscriptions.GetAsync(subscriptionId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await SyncAsync(subscription, time.GetUtcNow(), reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies a subscription already read from Stripe (a page of reconciliation's list): <paramref name="readAt"/>
    /// must be no later than the moment Stripe answered, so a newer read stored meanwhile wins the stale guard.
    /// </summary>
    public async Task<(SyncOutcome Outcome, string? UserId)> SyncAsync(Subscription subscription, DateTimeOffset readAt, ChangeReason reason, CancellationToken cancellationToken)
    {
        var subscriptionId = subscription.Id;
        using var activity = ActivitySource.StartActivity("subscription apply");
        activity?.SetTag("stripe.subscription_id", subscriptionId);
        var userId = subscription.Metadata?.GetValueOrDefault("user_id") is { Length: > 0 } fromMetadata
            ? fromMetadata
            : await store.FindUserByCustomerAsync(subscription.CustomerId, cancellationToken).ConfigureAwait(false);
        if (userId is null)
        {
            return (SyncOutcome.NotLinked, null);
        }
        activity?.SetTag("yapit.user_id", userId);
        var item = subscription.Items?.Data?.FirstOrDefault();
        var plan = item?.Price?.Id is { } priceId ? await plans.FindByPriceAsync(priceId, cancellationToken).ConfigureAwait(false) : null;
        if (plan is null)
        {
            // A price that is no plan of ours (sold outside the catalog): stored as the free tier, never an error loop.
            logger.LogWarning("Subscription {SubscriptionId} bills price {PriceId}, which is no plan in billing.plans; it gives the free tier", subscriptionId, item?.Price?.Id);
        }
        var before = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        var actionUrl = await PaymentActions.PendingActionUrlAsync(stripe, subscription, cancellationToken).ConfigureAwait(false);
        var state = new StripeSubscriptionState
        {
            SubscriptionId = subscription.Id,
            CustomerId = subscription.CustomerId,
            PriceId = item?.Price?.Id,
            Tier = plan is null ? PlanRef.Free : new PlanRef(plan.Tier, plan.Rank),
            Interval = SubscriptionStore.ParseInterval(plan?.Interval),
            Status = subscription.Status,
            CurrentPeriodStart = Utc(item?.CurrentPeriodStart),
            CurrentPeriodEnd = Utc(item?.CurrentPeriodEnd),
            TrialStart = Utc(subscription.TrialStart),
            TrialEnd = Utc(subscription.TrialEnd),
            CancelAtPeriodEnd = subscription.CancelAtPeriodEnd,
            CancelAt = Utc(subscription.CancelAt),
            CanceledAt = Utc(subscription.CanceledAt),
            EndedAt = Utc(subscription.EndedAt),
            LatestInvoiceId = subscription.LatestInvoiceId,
            PaymentState = actionUrl is not null ? PaymentState.RequiresAction
                : subscription.Status is SubscriptionStatus.PastDue or SubscriptionStatus.Unpaid ? PaymentState.PastDue : PaymentState.Ok,
            ActionUrl = actionUrl,
            StripeCreated = Utc(subscription.Created) ?? readAt,
            ReadAt = readAt,
        };
        var outcome = await store.ApplyAsync(userId, state, reason, cancellationToken).ConfigureAwait(false);
        if (outcome == ApplyOutcome.Stale)
        {
            return (SyncOutcome.Stale, userId);
        }
        // Grace ends at Stripe's time for this subscription: its test clock's in test mode, else the wall clock.
        var clock = await ReadClockAsync(subscription, cancellationToken).ConfigureAwait(false);
        var stripeNow = clock?.Time ?? time.GetUtcNow();
        await FollowPlanChangeAsync(userId, before, state, reason, stripeNow, cancellationToken).ConfigureAwait(false);
        await FollowUsageAsync(userId, clock, stripeNow, cancellationToken).ConfigureAwait(false);
        return (outcome == ApplyOutcome.Applied ? SyncOutcome.Applied : SyncOutcome.Unchanged, userId);
    }

    /// <summary>
    /// A lower tier on the same subscription that we did not schedule (the portal switches at once) gets the grace
    /// policy's treatment; a tier at least as high as the grace tier, a new period, or <paramref name="stripeNow"/>
    /// reaching the grace's end ends the grace. A downgrade that restarts the billing period (another interval) starts
    /// no grace: the new period is the new plan's from its start, and what was left of the old one was credited.
    /// </summary>
    private async Task FollowPlanChangeAsync(string userId, StoredSubscription? before, StripeSubscriptionState now, ChangeReason reason, DateTimeOffset stripeNow, CancellationToken cancellationToken)
    {
        if (before is null || before.Stripe.SubscriptionId != now.SubscriptionId)
        {
            return;
        }
        var grace = before.GraceTier;
        var graceUntil = before.GraceUntil;
        var pending = before.PendingTier;
        var pendingInterval = before.PendingInterval;
        if (pending is not null && (now.Tier.Rank > before.Stripe.Tier.Rank || (now.Tier.Tier == pending.Tier && now.Interval == pendingInterval)))
        {
            // The pending plan reached Stripe (the worker applied it), or the user went up meanwhile: nothing waits any more.
            pending = null;
            pendingInterval = null;
        }
        // Any immediate downgrade keeps the paid-for tier until the period it was paid for ends: a portal downgrade, a
        // grace-policy change, and a pending at-period-end plan applied shortly before the period ends.
        var restarted = now.CurrentPeriodStart is { } newStart && before.Stripe.CurrentPeriodStart is { } oldStart && before.Stripe.CurrentPeriodEnd is { } oldEnd
            && newStart > oldStart && newStart < oldEnd;
        if (now.Tier.Rank < before.Stripe.Tier.Rank && SubscriptionStatus.KeepsTier(now.Status) && before.Stripe.Status != SubscriptionStatus.Trialing
            && grace is null && !restarted)
        {
            grace = before.Stripe.Tier;
            graceUntil = before.Stripe.CurrentPeriodEnd ?? now.CurrentPeriodEnd;
            logger.LogInformation("Subscription {SubscriptionId} went down from {From} to {To}: {From} is kept until {Until}", now.SubscriptionId, before.Stripe.Tier.Tier, now.Tier.Tier, before.Stripe.Tier.Tier, graceUntil);
        }
        else if (grace is not null && (now.Tier.Rank >= grace.Rank || graceUntil is not { } until || until <= stripeNow
            || (now.CurrentPeriodStart is { } start && start >= until)))
        {
            grace = null;
            graceUntil = null;
        }
        // Only what this sync decided is written: a concurrent sync of the same change (the worker's webhook and the
        // request's own) may have set the other part since `before` was read.
        var parts = (grace != before.GraceTier || graceUntil != before.GraceUntil ? PlanDecisionParts.Grace : 0)
            | (pending != before.PendingTier || pendingInterval != before.PendingInterval ? PlanDecisionParts.Pending : 0);
        if (parts != 0)
        {
            await store.SetPlanDecisionsAsync(userId, now.SubscriptionId, parts, grace, graceUntil, pending, pendingInterval, reason, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The usage periods follow the subscription: its tier in effect and period, free once it ended.</summary>
    private async Task FollowUsageAsync(string userId, (string Id, DateTimeOffset Time)? clock, DateTimeOffset stripeNow, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return;
        }
        var s = stored.Stripe;
        if (SubscriptionStatus.IsEnded(s.Status) || s.CurrentPeriodStart is null || s.CurrentPeriodEnd is null)
        {
            var unpaid = await EndedUnpaidAsync(s, cancellationToken).ConfigureAwait(false);
            await usage.EndPlanAsync(userId, s.EndedAt ?? time.GetUtcNow(), cancellationToken, lastPeriodUnpaid: unpaid).ConfigureAwait(false);
            return;
        }
        var entitlement = EntitlementRules.Evaluate(stored.ToSnapshot(), stripeNow);
        var trial = s.Status == SubscriptionStatus.Trialing;
        await usage.ApplyPlanAsync(new UsagePlan(userId, entitlement.TierInEffect.Tier, s.CurrentPeriodStart.Value, s.CurrentPeriodEnd.Value,
            Yearly: s.Interval == BillingInterval.Yearly, IsTrial: trial, Unpaid: IsUnpaid(s.Status), TestClockId: clock?.Id, ClockTime: clock?.Time), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The test clock a subscription lives on (test mode only), read from Stripe and kept for the ledger: its time
    /// drives the user's usage periods (docs/billing-rules.md). Null in live mode and without a clock.
    /// </summary>
    private async Task<(string Id, DateTimeOffset Time)?> ReadClockAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        if (subscription.Livemode || subscription.TestClockId is not { Length: > 0 } clockId)
        {
            return null;
        }
        var clock = await new global::Stripe.TestHelpers.TestClockService(stripe).GetAsync(clockId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var frozen = new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
        await usage.SetClockTimeAsync(clockId, frozen, cancellationToken).ConfigureAwait(false);
        return (clockId, frozen);
    }

    /// <summary>While Stripe waits for the period's invoice: the tier stays (dunning) but the allowance never rolls over.</summary>
    private static bool IsUnpaid(string status) => status is SubscriptionStatus.PastDue or SubscriptionStatus.Unpaid or SubscriptionStatus.Incomplete;

    /// <summary>Whether an ended subscription's last invoice took no money it asked for (it ended in dunning): that period rolls nothing over.</summary>
    private async Task<bool> EndedUnpaidAsync(StripeSubscriptionState s, CancellationToken cancellationToken)
    {
        if (s.LatestInvoiceId is not { } invoiceId)
        {
            return false;
        }
        var invoice = await new InvoiceService(stripe).GetAsync(invoiceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return invoice.Status != "paid" && invoice.AmountDue > 0;
    }

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
