using Yapit.Billing.Subscriptions;

namespace Yapit.Tests.Subscriptions;

[Trait("Category", "Unit")]
public sealed class PlanChangeRulesTests
{
    private static readonly Dictionary<string, PlanRef> Tiers = new()
    {
        ["basic"] = new("basic", 1),
        ["plus"] = new("plus", 2),
        ["max"] = new("max", 3),
    };

    [Theory]
    [InlineData("basic", "monthly", "plus", "monthly", "Grace", false, PlanChangeKind.Upgrade, PlanChangeTiming.NowWithProration)]
    [InlineData("basic", "yearly", "max", "monthly", "Grace", false, PlanChangeKind.Upgrade, PlanChangeTiming.NowWithProration)]
    [InlineData("max", "monthly", "basic", "monthly", "Grace", false, PlanChangeKind.Downgrade, PlanChangeTiming.NowWithGrace)]
    [InlineData("max", "monthly", "basic", "monthly", "Grace", true, PlanChangeKind.Downgrade, PlanChangeTiming.NowWithoutProration)]
    [InlineData("max", "monthly", "basic", "monthly", "AtPeriodEnd", false, PlanChangeKind.Downgrade, PlanChangeTiming.AtPeriodEnd)]
    [InlineData("plus", "monthly", "basic", "yearly", "AtPeriodEnd", false, PlanChangeKind.Downgrade, PlanChangeTiming.AtPeriodEnd)]
    [InlineData("max", "yearly", "basic", "monthly", "Grace", false, PlanChangeKind.Downgrade, PlanChangeTiming.AtPeriodEnd)]
    [InlineData("max", "yearly", "basic", "monthly", "Grace", true, PlanChangeKind.Downgrade, PlanChangeTiming.AtPeriodEnd)]
    [InlineData("max", "monthly", "basic", "yearly", "Grace", false, PlanChangeKind.Downgrade, PlanChangeTiming.AtPeriodEnd)]
    [InlineData("plus", "monthly", "plus", "yearly", "Grace", false, PlanChangeKind.IntervalSwitch, PlanChangeTiming.NowWithProration)]
    [InlineData("plus", "yearly", "plus", "monthly", "Grace", false, PlanChangeKind.IntervalSwitch, PlanChangeTiming.AtPeriodEnd)]
    [InlineData("plus", "yearly", "plus", "yearly", "Grace", false, PlanChangeKind.NoOp, PlanChangeTiming.None)]
    public void Changes_are_classified_by_tier_then_interval(string from, string fromInterval, string to, string toInterval, string policy, bool trialing, PlanChangeKind kind, PlanChangeTiming timing)
    {
        var change = PlanChangeRules.Classify(
            Tiers[from], Enum.Parse<BillingInterval>(fromInterval, ignoreCase: true),
            Tiers[to], Enum.Parse<BillingInterval>(toInterval, ignoreCase: true),
            Enum.Parse<DowngradePolicy>(policy), trialing);
        Assert.Equal(new PlanChange(kind, timing), change);
    }
}
