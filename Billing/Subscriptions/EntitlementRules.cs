namespace Yapit.Billing.Subscriptions;

/// <summary>What the stored subscription state says, as the entitlement rules read it.</summary>
public sealed record SubscriptionSnapshot
{
    /// <summary>The tier of the price Stripe bills now (after a grace downgrade: the lower one).</summary>
    public required PlanRef Tier { get; init; }
    public required string Status { get; init; }
    public DateTimeOffset? CurrentPeriodEnd { get; init; }
    public bool CancelAtPeriodEnd { get; init; }
    public DateTimeOffset? CancelAt { get; init; }
    /// <summary>A downgrade under the grace policy: the higher tier kept until <see cref="GraceUntil"/>.</summary>
    public PlanRef? GraceTier { get; init; }
    public DateTimeOffset? GraceUntil { get; init; }
    /// <summary>A downgrade under the at-period-end policy: Stripe still bills the current tier until then.</summary>
    public PlanRef? PendingTier { get; init; }
    public BillingInterval? PendingInterval { get; init; }
    /// <summary>The latest invoice waits for the customer to authenticate a payment.</summary>
    public bool PaymentRequiresAction { get; init; }
}

public enum PaymentState
{
    Ok,
    PastDue,
    RequiresAction,
}

/// <summary>The tier a user may use now, and why.</summary>
public sealed record Entitlement(PlanRef TierInEffect, string Reason, bool IsCanceling, PaymentState PaymentState);

/// <summary>
/// The product owner's entitlement rules, pure: the tier in effect from the status, a grace tier and a pending plan.
/// <c>trialing</c>, <c>active</c> and <c>past_due</c> keep the tier; every other status (including unknown ones)
/// falls back to free. A grace tier outranks the billed tier until its end; a pending downgrade changes nothing yet.
/// </summary>
public static class EntitlementRules
{
    public static Entitlement Evaluate(SubscriptionSnapshot? subscription, DateTimeOffset now)
    {
        if (subscription is null)
        {
            return new Entitlement(PlanRef.Free, "no subscription", false, PaymentState.Ok);
        }
        var canceling = IsCanceling(subscription);
        var payment = PaymentOf(subscription);
        if (!SubscriptionStatus.KeepsTier(subscription.Status))
        {
            return new Entitlement(PlanRef.Free, $"status {subscription.Status}", canceling, payment);
        }
        if (subscription.GraceTier is { } grace && subscription.GraceUntil is { } until && now < until && grace.IsHigherThan(subscription.Tier))
        {
            return new Entitlement(grace, "grace after downgrade", canceling, payment);
        }
        return new Entitlement(subscription.Tier, $"status {subscription.Status}", canceling, payment);
    }

    /// <summary>
    /// Canceling: at period end, or at a date within the current period (what the portal sets for trials). A
    /// <c>cancel_at</c> after the period ends is a future decision, not a cancellation of this period.
    /// </summary>
    public static bool IsCanceling(SubscriptionSnapshot subscription) =>
        !SubscriptionStatus.IsEnded(subscription.Status)
        && (subscription.CancelAtPeriodEnd
            || (subscription.CancelAt is { } at && (subscription.CurrentPeriodEnd is not { } end || at <= end)));

    private static PaymentState PaymentOf(SubscriptionSnapshot subscription) =>
        subscription.PaymentRequiresAction && subscription.Status is not (SubscriptionStatus.Canceled or SubscriptionStatus.IncompleteExpired)
            ? PaymentState.RequiresAction
            : subscription.Status is SubscriptionStatus.PastDue or SubscriptionStatus.Unpaid ? PaymentState.PastDue : PaymentState.Ok;

    /// <summary>A tier's trial goes only to a user who never subscribed to that tier or a higher one.</summary>
    public static bool IsTrialAllowed(PlanRef requested, int trialDays, int? highestRankSubscribed) =>
        trialDays > 0 && (highestRankSubscribed is not { } highest || highest < requested.Rank);
}
