using FsCheck;
using FsCheck.Fluent;
using Yapit.Billing.Usage;

namespace Yapit.Tests.Usage;

/// <summary>The reference system's usage scenarios (yapit-billing-spec.md §8.6) and the rules' invariants.</summary>
[Trait("Category", "Unit")]
public sealed class MeterRulesTests
{
    private const long Limit = 100_000;
    private const MeterKind W = MeterKind.Waterfall;

    [Fact]
    public void A_record_within_the_allowance_touches_no_balance()
    {
        var (balance, breakdown) = MeterRules.Consume(W, Limit, new(0, 50_000, 25_000), 1_000);
        Assert.Equal(new MeterBalance(1_000, 50_000, 25_000), balance);
        Assert.Equal(new Breakdown(1_000, 0, 0, 0), breakdown);
    }

    [Fact]
    public void The_allowance_is_spent_to_its_limit_then_rollover()
    {
        var (balance, breakdown) = MeterRules.Consume(W, Limit, new(99_000, 50_000, 25_000), 5_000);
        Assert.Equal(new MeterBalance(100_000, 46_000, 25_000), balance);
        Assert.Equal(new Breakdown(1_000, 4_000, 0, 0), breakdown);
    }

    [Fact]
    public void Rollover_then_purchased()
    {
        var (balance, breakdown) = MeterRules.Consume(W, Limit, new(100_000, 1_000, 25_000), 5_000);
        Assert.Equal(new MeterBalance(100_000, 0, 21_000), balance);
        Assert.Equal(new Breakdown(0, 1_000, 4_000, 0), breakdown);
    }

    [Fact]
    public void Purchased_runs_out_and_the_rest_becomes_debt()
    {
        var (balance, breakdown) = MeterRules.Consume(W, Limit, new(100_000, 0, 5_000), 10_000);
        Assert.Equal(new MeterBalance(100_000, -5_000, 0), balance);
        Assert.Equal(new Breakdown(0, 0, 5_000, 5_000), breakdown);
    }

    [Fact]
    public void Debt_never_touches_purchased_credits_but_spending_does()
    {
        var (balance, _) = MeterRules.Consume(W, Limit, new(100_000, -10_000, 50_000), 5_000);
        Assert.Equal(new MeterBalance(100_000, -10_000, 45_000), balance);
    }

    [Fact]
    public void Debt_grows_with_each_overshoot()
    {
        var balance = new MeterBalance(0, 0, 0);
        (balance, _) = MeterRules.Consume(W, 0, balance, 3_000);
        (balance, _) = MeterRules.Consume(W, 0, balance, 2_000);
        Assert.Equal(-5_000, balance.Rollover);
    }

    [Fact]
    public void An_allowance_only_meter_just_counts()
    {
        var (balance, breakdown) = MeterRules.Consume(MeterKind.AllowanceOnly, 10_000, new(0, 0, 0), 5_000);
        Assert.Equal(new MeterBalance(5_000, 0, 0), balance);
        Assert.Equal(new Breakdown(5_000, 0, 0, 0), breakdown);
    }

    [Fact]
    public void Checks_count_allowance_rollover_and_purchased()
    {
        // Allowance and rollover spent, 25K purchased left: 20K passes; everything spent: 1K is refused.
        Assert.True(MeterRules.Allows(W, Limit, new(Limit, 0, 25_000), 0, 20_000));
        Assert.False(MeterRules.Allows(W, Limit, new(Limit, 0, 0), 0, 1_000));
    }

    [Fact]
    public void Debt_is_subtracted_from_what_a_check_sees()
    {
        var balance = new MeterBalance(0, -30_000, 20_000);
        Assert.Equal(90_000, MeterRules.Available(W, Limit, balance, 0));
        Assert.False(MeterRules.Allows(W, Limit, balance, 0, 95_000));
        Assert.True(MeterRules.Allows(W, Limit, balance, 0, 85_000));
    }

    [Fact]
    public void Open_reservations_are_subtracted_from_what_a_check_sees()
    {
        var balance = new MeterBalance(95_000, 5_000, 0);
        Assert.False(MeterRules.Allows(W, Limit, balance, 8_000, 5_000));
        Assert.True(MeterRules.Allows(W, Limit, balance, 8_000, 2_000));
        Assert.True(MeterRules.Allows(W, Limit, new MeterBalance(95_000, 5_000, 165_000), 0, 170_000));
    }

    [Fact]
    public void Unlimited_allows_anything_and_zero_allows_only_balances()
    {
        Assert.Null(MeterRules.Available(MeterKind.AllowanceOnly, null, new(5_000_000, 0, 0), 0));
        Assert.True(MeterRules.Allows(MeterKind.AllowanceOnly, null, new(5_000_000, 0, 0), 0, 1_000_000));
        Assert.False(MeterRules.Allows(MeterKind.AllowanceOnly, 0, new(0, 0, 0), 0, 1));
        Assert.True(MeterRules.Allows(W, 0, new(0, 2_000, 1_000), 0, 3_000)); // a canceled user spends rollover and credits
    }

    [Fact]
    public void Renewal_repays_debt_then_rolls_over_up_to_the_cap()
    {
        var renewal = MeterRules.Renew(W, Limit, new MeterBalance(40_000, -25_000, 7), 50_000, endingUnpaid: false);
        Assert.Equal(new RenewalResult(new MeterBalance(0, 35_000, 7), 60_000, 25_000, 35_000), renewal);

        var capped = MeterRules.Renew(W, Limit, new MeterBalance(0, 30_000, 0), 50_000, endingUnpaid: false);
        Assert.Equal(50_000, capped.Balance.Rollover);
        Assert.Equal(20_000, capped.RolledOver);
    }

    [Fact]
    public void A_trial_rolls_nothing_over_and_allowance_only_meters_never_do()
    {
        Assert.Equal(new MeterBalance(0, -5, 0), MeterRules.Renew(W, Limit, new MeterBalance(0, -5, 0), 50_000, endingUnpaid: true).Balance);
        Assert.Equal(new MeterBalance(0, 0, 0), MeterRules.Renew(MeterKind.AllowanceOnly, Limit, new MeterBalance(10, 0, 0), 50_000, false).Balance);
    }

    [Fact]
    public void A_pack_repays_debt_first()
    {
        var result = MeterRules.AddPack(new MeterBalance(10, -3_000, 100), 5_000);
        Assert.Equal(new PackResult(new MeterBalance(10, 0, 2_100), 3_000, 2_000), result);
    }

    [Fact]
    public void Token_equivalents_weigh_output_by_the_processors_multiplier()
    {
        Assert.Equal(1_000 + (300 * 6), MeterRules.TokenEquivalents(1_000, 200, 100, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => MeterRules.TokenEquivalents(-1, 0, 0, 6));
    }

    private static readonly Arbitrary<MeterBalance> Balances =
        (from used in Gen.Choose(0, 200_000)
         from rollover in Gen.Choose(-100_000, 100_000)
         from purchased in Gen.Choose(0, 100_000)
         select new MeterBalance(used, rollover, purchased)).ToArbitrary();

    private static readonly Arbitrary<long?> Limits =
        Gen.OneOf(Gen.Constant<long?>(null), Gen.Choose(0, 150_000).Select(l => (long?)l)).ToArbitrary();

    private static readonly Arbitrary<long> Amounts = Gen.Choose(0, 300_000).Select(a => (long)a).ToArbitrary();

    [Fact]
    public void Every_record_is_accounted_for_to_the_unit()
    {
        Prop.ForAll(Balances, Limits, Amounts, (balance, limit, amount) =>
        {
            var (next, breakdown) = MeterRules.Consume(W, limit, balance, amount);
            var spentFromBalances = (balance.Rollover - next.Rollover) + (balance.Purchased - next.Purchased);
            return breakdown.Total == amount
                && next.PeriodUsed - balance.PeriodUsed == breakdown.FromAllowance
                && spentFromBalances == breakdown.FromRollover + breakdown.FromPurchased + breakdown.ToDebt;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_allowance_counter_never_passes_the_limit_and_purchased_never_goes_negative()
    {
        Prop.ForAll(Balances, Gen.Choose(0, 150_000).ToArbitrary(), Amounts, (start, limit, amount) =>
        {
            var balance = start with { PeriodUsed = Math.Min(start.PeriodUsed, limit) };
            var (next, breakdown) = MeterRules.Consume(W, limit, balance, amount);
            return next.PeriodUsed <= limit && next.Purchased >= 0 && (breakdown.ToDebt == 0 || next.Purchased == 0);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_check_that_passes_never_leads_to_debt()
    {
        Prop.ForAll(Balances, Limits, Amounts, (balance, limit, amount) =>
        {
            var allowed = MeterRules.Allows(W, limit, balance, 0, amount);
            var (_, breakdown) = MeterRules.Consume(W, limit, balance, amount);
            return !allowed || breakdown.ToDebt == 0 || balance.Rollover < 0;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Renewal_never_creates_units_beyond_the_unused_allowance_and_respects_the_cap()
    {
        Prop.ForAll(Balances, Limits, Gen.Choose(0, 120_000).ToArbitrary(), (balance, limit, cap) =>
        {
            var r = MeterRules.Renew(W, limit, balance, cap, endingUnpaid: false);
            var gained = r.Balance.Rollover - balance.Rollover;
            return gained == r.DebtRepaid + r.RolledOver
                && gained <= r.Unused
                && r.Balance.Purchased == balance.Purchased
                && r.Balance.PeriodUsed == 0
                && (r.RolledOver == 0 || r.Balance.Rollover <= cap);
        }).QuickCheckThrowOnFailure();
    }
}
