using Yapit.Billing.Usage;

namespace Yapit.Tests.Usage;

/// <summary>Rule 1's undo as pure rules (docs/billing-rules.md): which plan brings back a paid period the ledger left.</summary>
[Trait("Category", "Unit")]
public sealed class UsageInterludeTests
{
    private static readonly DateTimeOffset T0 = new(2027, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly MeterCatalog Catalog = new([new MeterDefinition("tokens", 10_000_000)], new Dictionary<(string, string), long?>
    {
        [("free", "tokens")] = 0,
        [("plus", "tokens")] = 10_000_000,
    });

    private static UsagePlan Plus(DateTimeOffset start) => new("u", "plus", start, start.AddMonths(1), Yearly: false, IsTrial: false);

    private static (UsageAccount Account, UsageSnapshot Snapshot) EndedOnPlus()
    {
        var account = UsageAccount.NewFree("u", T0);
        account.Apply(Plus(T0), T0, Catalog);
        account.Recharge(Catalog.Meter("tokens"), 1_000_000, Catalog);
        var snapshot = account.Capture();
        account.End(T0.AddDays(2), T0.AddDays(2), Catalog);
        return (account, snapshot);
    }

    [Fact]
    public void The_same_period_of_a_paid_plan_restores_it_and_its_interlude_usage_is_charged_at_its_tier()
    {
        var (account, snapshot) = EndedOnPlus();
        var during = account.Recharge(Catalog.Meter("tokens"), 2_000_000, Catalog);

        Assert.True(account.Restores(Plus(T0), T0.AddDays(3), snapshot));
        account.Restore(snapshot);
        var again = account.Recharge(Catalog.Meter("tokens"), 2_000_000, Catalog);

        // The wrong end renewed Plus's period two days in: its unused allowance became rollover, spent in the interlude.
        Assert.Equal(2_000_000, during.FromRollover);
        Assert.Equal(new Breakdown(2_000_000, 0, 0, 0), again);
        Assert.Equal(("plus", T0, new MeterBalance(3_000_000, 0, 0)), (account.Tier, account.PeriodStart, account.Balance("tokens")));
    }

    [Fact]
    public void A_later_period_a_free_plan_or_an_account_that_holds_a_paid_period_restores_nothing()
    {
        var (account, snapshot) = EndedOnPlus();
        var onPlus = UsageAccount.NewFree("v", T0);
        onPlus.Apply(Plus(T0), T0, Catalog);

        Assert.False(account.Restores(Plus(T0.AddDays(5)), T0.AddDays(5), snapshot));
        Assert.False(account.Restores(Plus(T0) with { Tier = "free" }, T0.AddDays(3), snapshot));
        Assert.False(onPlus.Restores(Plus(T0), T0.AddDays(3), snapshot));
    }
}
