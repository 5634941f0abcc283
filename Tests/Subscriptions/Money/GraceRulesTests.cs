using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Subscriptions.Scenarios;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>
/// Rule 3 across an interval switch (docs/billing-rules.md): the grace after a downgrade ends when the paid period
/// does, on Stripe's time (the test clock's), also where the billing period restarted; and a lower tier on the yearly
/// interval waits for the period's end, so no time is paid twice.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GraceRulesTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // After today's real date: a grace judged by the wall clock instead of the test clock's time would never end.
    private static readonly DateTime Start = new(2027, 6, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime PeriodEnd = Start.AddMonths(1);
    private static readonly Dictionary<string, string?> Grace = new() { ["Billing:DowngradePolicy"] = "grace" };

    private static async Task<Dictionary<string, string>> PricesAsync(BillingStackHarness stack)
    {
        var prices = new Dictionary<string, string>();
        foreach (var tier in new[] { "basic", "plus", "max" })
        {
            prices[await stack.PriceIdAsync(tier, "monthly", Ct)] = tier;
            prices[await stack.PriceIdAsync(tier, "yearly", Ct)] = tier;
        }
        return prices;
    }

    [Fact]
    public async Task A_switch_to_yearly_below_the_tier_held_through_grace_waits_for_the_paid_month_on_the_clocks_time()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, Grace);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.ChangeAsync(user, "plus", "monthly", Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(12), Ct);

        // Plus is what Stripe bills, but Max is held (and paid) until the month ends: Plus yearly is a lower tier on
        // another interval than what is held, so it waits; switching now would prorate from Plus's price.
        var (status, switched) = await stack.ChangeAsync(user, "plus", "yearly", Ct);
        await stack.SettleAsync(Ct);
        var during = await stack.SubscriptionAsync(user, Ct);
        var duringUsage = await stack.MeterAsync(user, ct: Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddHours(-1), Ct);
        await stack.ReconcileAsync(Ct); // the worker applies the pending plan shortly before the period ends
        await stack.SettleAsync(Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(35), Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var afterUsage = await stack.MeterAsync(user, ct: Ct);
        var invoices = (await stack.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = subscription.CustomerId, Limit = 100 }, cancellationToken: Ct)).Data;

        Assert.Equal((HttpStatusCode.OK, "at_period_end"), (status, switched.Text("timing")));
        Assert.Equal(("max", "plus", "monthly"), (during.Text("tier"), during.Text("subscribed_tier"), during.Text("interval")));
        Assert.Equal(PeriodEnd, during.GetProperty("grace_until").GetDateTime().ToUniversalTime());
        Assert.Equal("max", duringUsage.Tier);
        // The Max month ended on Stripe's clock: Plus yearly, in the grace's place and in the usage period's.
        Assert.Equal(("plus", "yearly", true), (after.Text("tier"), after.Text("interval"), after.GetProperty("grace_until").ValueKind == System.Text.Json.JsonValueKind.Null));
        Assert.Equal(("plus", 10_000_000L), (afterUsage.Tier, afterUsage.Limit ?? 0));
        Assert.Null(MoneySteps.PaidTwice(invoices, await PricesAsync(stack)));
    }

    [Fact]
    public async Task Back_up_to_the_tier_held_through_grace_on_the_yearly_interval_credits_that_tiers_unused_time()
    {
        // Found by the property test (YAPIT_MONEY_SEED=1570094524, grace): Max paid for the month, down to Basic (Max
        // held through grace), then Max yearly: Stripe credited Basic's unused time and billed the whole year, so the
        // Max month was paid twice less Basic's price.
        await using var stack = await BillingStackHarness.StartAsync(postgres, Grace);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.ChangeAsync(user, "basic", "monthly", Ct);

        var (status, _) = await stack.ChangeAsync(user, "max", "yearly", Ct);
        await stack.SettleAsync(Ct);
        var shown = await stack.SubscriptionAsync(user, Ct);
        var invoices = (await stack.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = subscription.CustomerId, Limit = 100 }, cancellationToken: Ct)).Data;
        var prices = await PricesAsync(stack);
        var maxMonthly = await stack.PriceIdAsync("max", "monthly", Ct);
        var switchInvoice = invoices.First(i => i.Lines.Data.Any(l => l.Amount < 0));
        var credit = switchInvoice.Lines.Data.Single(l => l.Amount < 0);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("max", "max", "yearly"), (shown.Text("tier"), shown.Text("subscribed_tier"), shown.Text("interval")));
        Assert.Equal("paid", switchInvoice.Status);
        // The credit is for Max's unused 20 days (what was paid), not Basic's.
        Assert.Equal(maxMonthly, credit.Pricing?.PriceDetails?.PriceId);
        Assert.Null(MoneySteps.PaidTwice(invoices, prices));
    }

    [Fact]
    public async Task A_lower_tier_on_the_yearly_interval_waits_for_the_paid_month_and_no_time_is_paid_twice()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, Grace);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);

        var (status, changed) = await stack.ChangeAsync(user, "plus", "yearly", Ct);
        await stack.SettleAsync(Ct);
        var waiting = await stack.SubscriptionAsync(user, Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddHours(-1), Ct);
        await stack.ReconcileAsync(Ct); // the worker applies the pending plan shortly before the period ends
        await stack.SettleAsync(Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(35), Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var usage = await stack.MeterAsync(user, ct: Ct);
        var invoices = (await stack.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = subscription.CustomerId, Limit = 100 }, cancellationToken: Ct)).Data;

        Assert.Equal((HttpStatusCode.OK, "at_period_end"), (status, changed.Text("timing")));
        Assert.Equal(("max", "max"), (waiting.Text("tier"), waiting.Text("subscribed_tier")));
        Assert.Equal(("plus", "yearly"), (after.Text("tier"), after.Text("interval")));
        Assert.Equal("plus", usage.Tier);
        Assert.Null(MoneySteps.PaidTwice(invoices, await PricesAsync(stack)));
    }
}
