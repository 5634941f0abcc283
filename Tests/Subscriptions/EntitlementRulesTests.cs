using Yapit.Billing.Subscriptions;

namespace Yapit.Tests.Subscriptions;

[Trait("Category", "Unit")]
public sealed class EntitlementRulesTests
{
    private static readonly PlanRef Basic = new("basic", 1);
    private static readonly PlanRef Plus = new("plus", 2);
    private static readonly PlanRef Max = new("max", 3);
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static SubscriptionSnapshot Sub(PlanRef tier, string status) => new()
    {
        Tier = tier,
        Status = status,
        CurrentPeriodEnd = Now.AddDays(10),
    };

    [Theory]
    [InlineData("trialing", "plus")]
    [InlineData("active", "plus")]
    [InlineData("past_due", "plus")]
    [InlineData("incomplete", "free")]
    [InlineData("incomplete_expired", "free")]
    [InlineData("unpaid", "free")]
    [InlineData("paused", "free")]
    [InlineData("canceled", "free")]
    [InlineData("some_status_stripe_adds_later", "free")]
    public void The_status_decides_whether_the_tier_is_kept(string status, string expected)
    {
        Assert.Equal(expected, EntitlementRules.Evaluate(Sub(Plus, status), Now).TierInEffect.Tier);
    }

    [Fact]
    public void No_subscription_is_free()
    {
        Assert.Equal(PlanRef.Free, EntitlementRules.Evaluate(null, Now).TierInEffect);
    }

    [Theory]
    [InlineData(1, "max")]    // grace still running
    [InlineData(0, "basic")]  // grace ends exactly now
    [InlineData(-1, "basic")] // grace over
    public void A_grace_tier_is_kept_until_its_end(int hoursLeft, string expected)
    {
        var sub = Sub(Basic, "active") with { GraceTier = Max, GraceUntil = Now.AddHours(hoursLeft) };
        Assert.Equal(expected, EntitlementRules.Evaluate(sub, Now).TierInEffect.Tier);
    }

    [Fact]
    public void A_grace_tier_lower_than_the_billed_tier_is_ignored()
    {
        var sub = Sub(Max, "active") with { GraceTier = Basic, GraceUntil = Now.AddDays(3) };
        Assert.Equal("max", EntitlementRules.Evaluate(sub, Now).TierInEffect.Tier);
    }

    [Fact]
    public void Grace_does_not_outlive_a_status_that_gives_no_access()
    {
        var sub = Sub(Basic, "canceled") with { GraceTier = Max, GraceUntil = Now.AddDays(3) };
        Assert.Equal("free", EntitlementRules.Evaluate(sub, Now).TierInEffect.Tier);
    }

    [Fact]
    public void A_pending_downgrade_changes_nothing_until_it_is_applied()
    {
        var sub = Sub(Max, "active") with { PendingTier = Basic, PendingInterval = BillingInterval.Monthly };
        Assert.Equal("max", EntitlementRules.Evaluate(sub, Now).TierInEffect.Tier);
    }

    [Theory]
    [InlineData(false, null, false)]
    [InlineData(true, null, true)]
    [InlineData(false, 5, true)]    // cancel_at inside the period (the portal's trial cancellation)
    [InlineData(false, 10, true)]   // exactly at period end
    [InlineData(false, 70, false)]  // 60 days after the period: not this period's cancellation
    public void Canceling_is_at_period_end_or_a_date_within_the_period(bool atPeriodEnd, int? cancelAtDays, bool expected)
    {
        var sub = Sub(Plus, "trialing") with { CancelAtPeriodEnd = atPeriodEnd, CancelAt = cancelAtDays is { } d ? Now.AddDays(d) : null };
        Assert.Equal(expected, EntitlementRules.Evaluate(sub, Now).IsCanceling);
    }

    [Fact]
    public void A_canceled_subscription_is_not_canceling()
    {
        var sub = Sub(Plus, "canceled") with { CancelAtPeriodEnd = true };
        Assert.False(EntitlementRules.Evaluate(sub, Now).IsCanceling);
    }

    [Theory]
    [InlineData("active", false, PaymentState.Ok)]
    [InlineData("past_due", false, PaymentState.PastDue)]
    [InlineData("unpaid", false, PaymentState.PastDue)]
    [InlineData("past_due", true, PaymentState.RequiresAction)]
    [InlineData("incomplete", true, PaymentState.RequiresAction)]
    [InlineData("canceled", true, PaymentState.Ok)]
    public void The_payment_state_follows_the_status_and_the_open_invoice(string status, bool requiresAction, PaymentState expected)
    {
        var sub = Sub(Plus, status) with { PaymentRequiresAction = requiresAction };
        Assert.Equal(expected, EntitlementRules.Evaluate(sub, Now).PaymentState);
    }

    [Theory]
    [InlineData(null, 3, true)]   // never subscribed
    [InlineData(1, 3, true)]      // had basic, asks for plus: plus's trial
    [InlineData(2, 3, false)]     // had plus before
    [InlineData(3, 3, false)]     // had max: no lower or equal tier's trial
    [InlineData(null, 0, false)]  // a tier without trial
    public void A_trial_goes_only_to_who_never_had_that_tier_or_higher(int? highestRank, int trialDays, bool expected)
    {
        Assert.Equal(expected, EntitlementRules.IsTrialAllowed(Plus, trialDays, highestRank));
    }
}
