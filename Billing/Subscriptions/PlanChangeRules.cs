namespace Yapit.Billing.Subscriptions;

public enum PlanChangeKind
{
    NoOp,
    Upgrade,
    Downgrade,
    IntervalSwitch,
}

/// <summary>When a change reaches Stripe and what the user has meanwhile.</summary>
public enum PlanChangeTiming
{
    /// <summary>Nothing to do.</summary>
    None,
    /// <summary>Stripe changes now, the proration is invoiced now.</summary>
    NowWithProration,
    /// <summary>Stripe changes now without proration; the user keeps the higher tier until the period ends.</summary>
    NowWithGrace,
    /// <summary>Stripe changes now without proration and without grace (a downgrade from a trial).</summary>
    NowWithoutProration,
    /// <summary>Stripe is changed only when the period ends; until then the change is pending.</summary>
    AtPeriodEnd,
}

public enum DowngradePolicy
{
    /// <summary>Yapit's: switch in Stripe now, keep the higher tier until the period ends.</summary>
    Grace,
    /// <summary>Numzy's: change nothing in Stripe until the period ends.</summary>
    AtPeriodEnd,
}

public sealed record PlanChange(PlanChangeKind Kind, PlanChangeTiming Timing);

/// <summary>
/// Classifies a plan change the same way for the API and for a change made in the portal: a higher tier is an
/// upgrade at once with proration; a lower tier follows the downgrade policy (but a lower tier on another interval
/// waits for the period end whatever the policy); monthly to yearly of one tier is at once, yearly to monthly at period
/// end.
/// </summary>
public static class PlanChangeRules
{
    public static PlanChange Classify(PlanRef fromTier, BillingInterval fromInterval, PlanRef toTier, BillingInterval toInterval, DowngradePolicy policy, bool trialing)
    {
        if (toTier.IsHigherThan(fromTier))
        {
            return new PlanChange(PlanChangeKind.Upgrade, PlanChangeTiming.NowWithProration);
        }
        if (fromTier.IsHigherThan(toTier))
        {
            var timing = policy switch
            {
                // A lower tier on another interval is at period end whatever the policy: switching the interval
                // restarts Stripe's billing period, so doing it now without proration would bill the new plan for
                // time the current one already paid (rule 3), and grace could not follow the restarted period.
                _ when fromInterval != toInterval => PlanChangeTiming.AtPeriodEnd,
                DowngradePolicy.AtPeriodEnd => PlanChangeTiming.AtPeriodEnd,
                _ when trialing => PlanChangeTiming.NowWithoutProration,
                _ => PlanChangeTiming.NowWithGrace,
            };
            return new PlanChange(PlanChangeKind.Downgrade, timing);
        }
        if (fromInterval == toInterval)
        {
            return new PlanChange(PlanChangeKind.NoOp, PlanChangeTiming.None);
        }
        return toInterval == BillingInterval.Yearly
            ? new PlanChange(PlanChangeKind.IntervalSwitch, PlanChangeTiming.NowWithProration)
            : new PlanChange(PlanChangeKind.IntervalSwitch, PlanChangeTiming.AtPeriodEnd);
    }
}
