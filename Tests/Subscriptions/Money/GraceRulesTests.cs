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
    public async Task A_grace_held_across_a_switch_to_yearly_ends_with_the_paid_month_on_the_clocks_time()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, Grace);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.ChangeAsync(user, "plus", "monthly", Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(12), Ct);

        var (status, switched) = await stack.ChangeAsync(user, "plus", "yearly", Ct);
        await stack.SettleAsync(Ct);
        var during = await stack.SubscriptionAsync(user, Ct);
        var duringUsage = await stack.MeterAsync(user, ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(35), Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var afterUsage = await stack.MeterAsync(user, ct: Ct);

        Assert.Equal((HttpStatusCode.OK, "interval_switch"), (status, switched.Text("classification")));
        Assert.Equal(("max", "plus", "yearly"), (during.Text("tier"), during.Text("subscribed_tier"), during.Text("interval")));
        Assert.Equal(PeriodEnd, during.GetProperty("grace_until").GetDateTime().ToUniversalTime());
        Assert.Equal("max", duringUsage.Tier);
        // The Max month ended on Stripe's clock: Plus, in the grace's place and in the usage period's.
        Assert.Equal(("plus", true), (after.Text("tier"), after.GetProperty("grace_until").ValueKind == System.Text.Json.JsonValueKind.Null));
        Assert.Equal(("plus", 10_000_000L), (afterUsage.Tier, afterUsage.Limit ?? 0));
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
