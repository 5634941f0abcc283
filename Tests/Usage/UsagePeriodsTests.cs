using FsCheck;
using FsCheck.Fluent;
using Yapit.Billing.Usage;

namespace Yapit.Tests.Usage;

[Trait("Category", "Unit")]
public sealed class UsagePeriodsTests
{
    private static DateTimeOffset Utc(int y, int m, int d) => new(y, m, d, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_month_end_anchor_renews_on_the_last_day_of_short_months_and_comes_back()
    {
        var anchor = Utc(2027, 1, 31);
        Assert.Equal(new UsagePeriod(Utc(2027, 1, 31), Utc(2027, 2, 28)), UsagePeriods.MonthlyContaining(anchor, Utc(2027, 2, 10)));
        Assert.Equal(new UsagePeriod(Utc(2027, 2, 28), Utc(2027, 3, 31)), UsagePeriods.MonthlyContaining(anchor, Utc(2027, 3, 1)));
        Assert.Equal(new UsagePeriod(Utc(2028, 1, 31), Utc(2028, 2, 29)), UsagePeriods.MonthlyContaining(anchor, Utc(2028, 2, 1)));
    }

    [Fact]
    public void A_yearly_plan_gets_twelve_monthly_periods()
    {
        var anchor = Utc(2027, 3, 15);
        var starts = Enumerable.Range(0, 12).Select(m => UsagePeriods.MonthlyContaining(anchor, anchor.AddMonths(m).AddDays(1)).Start).Distinct().Count();
        Assert.Equal(12, starts);
    }

    [Fact]
    public void The_period_containing_an_instant_contains_it_and_follows_on_from_the_previous_one()
    {
        var anchors = Gen.Choose(0, 3_650).Select(d => Utc(2020, 1, 1).AddDays(d).AddHours(d % 24)).ToArbitrary();
        var offsets = Gen.Choose(0, 3_000 * 24).Select(h => TimeSpan.FromHours(h)).ToArbitrary();
        Prop.ForAll(anchors, offsets, (anchor, offset) =>
        {
            var instant = anchor + offset;
            var period = UsagePeriods.MonthlyContaining(anchor, instant);
            var previous = UsagePeriods.MonthlyContaining(anchor, period.Start.AddTicks(-1));
            return period.Contains(instant)
                && (period.Start == anchor || previous.End == period.Start)
                && (period.End - period.Start).TotalDays is >= 28 and <= 31;
        }).QuickCheckThrowOnFailure();
    }
}
