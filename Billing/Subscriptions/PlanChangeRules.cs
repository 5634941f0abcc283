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
/// upgrade at once with proration; a lower tier follows the downgrade policy (but a lower tier on a shorter interval
/// waits for the period end like any yearly to monthly switch); monthly to yearly of one tier is at once, yearly to
/// monthly at period end.
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
                // Yearly to monthly is at period end whatever the policy: switching now would restart the cycle and
                // bill the month while the year is already paid.
                _ when fromInterval == BillingInterval.Yearly && toInterval == BillingInterval.Monthly => PlanChangeTiming.AtPeriodEnd,
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
