using System.Net;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>Monthly to yearly of one tier at once (a new yearly period, the unused month credited); yearly to monthly at period end.</summary>
[Trait("Category", "Integration")]
public sealed class ChangeIntervalTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Monthly_to_yearly_is_at_once_and_yearly_to_monthly_waits_for_the_end_of_the_year()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        var switchAt = Start.AddDays(10);
        await stack.AdvanceAsync(clock, switchAt, Ct);
        var unusedMonth = (long)Math.Round(2000m * (long)(Start.AddMonths(1) - switchAt).TotalSeconds / (long)(Start.AddMonths(1) - Start).TotalSeconds, MidpointRounding.AwayFromZero);

        var (_, preview) = await stack.PreviewAsync(user, "plus", "yearly", Ct);
        var (status, yearly) = await stack.ChangeAsync(user, "plus", "yearly", Ct);
        await stack.SettleAsync(Ct);
        var afterYearly = await stack.SubscriptionAsync(user, Ct);
        var invoice = await stack.Stripe.V1.Invoices.GetAsync((await stack.StripeSubscriptionAsync(subscription.Id, Ct)).LatestInvoiceId, cancellationToken: Ct);

        var (backStatus, monthly) = await stack.ChangeAsync(user, "plus", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var pending = await stack.SubscriptionAsync(user, Ct);
        var stillYearly = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var yearEnd = switchAt.AddYears(1);
        await stack.AdvanceAsync(clock, yearEnd.AddHours(-1), Ct);
        var applied = await stack.ReconcileAsync(Ct);
        await stack.SettleAsync(Ct);
        var afterMonthly = await stack.SubscriptionAsync(user, Ct);
        var monthlyInStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);

        Assert.Equal(("interval_switch", "now_with_proration"), (preview.Text("classification"), preview.Text("timing")));
        Assert.Equal(18000 - unusedMonth, preview.GetProperty("amount_due_now").GetInt64());
        Assert.Equal((18000L, new DateTimeOffset(switchAt.AddYears(1))),
            (preview.GetProperty("next_invoice").GetProperty("amount").GetInt64(), preview.GetProperty("next_invoice").GetProperty("date").GetDateTimeOffset()));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", yearly.GetProperty("payment").Text("state"));
        Assert.Equal(("subscription_update", 18000 - unusedMonth), (invoice.BillingReason, invoice.AmountPaid));
        Assert.Equal(("plus", "yearly"), (afterYearly.Text("tier"), afterYearly.Text("interval")));
        Assert.Equal((new DateTimeOffset(switchAt), new DateTimeOffset(yearEnd)),
            (afterYearly.GetProperty("current_period_start").GetDateTimeOffset(), afterYearly.GetProperty("current_period_end").GetDateTimeOffset()));

        Assert.Equal(HttpStatusCode.OK, backStatus);
        Assert.Equal(("interval_switch", "at_period_end"), (monthly.Text("classification"), monthly.Text("timing")));
        Assert.Equal(("plus", "yearly"), (pending.Text("tier"), pending.Text("interval")));
        Assert.Equal(("plus", "monthly"), (pending.GetProperty("pending_downgrade").Text("tier"), pending.GetProperty("pending_downgrade").Text("interval")));
        Assert.Equal("year", stillYearly.Items.Data.Single().Price.Recurring.Interval);
        Assert.Equal(1, applied.PendingApplied);
        Assert.Equal("month", monthlyInStripe.Items.Data.Single().Price.Recurring.Interval);
        Assert.Equal(("plus", "monthly"), (afterMonthly.Text("tier"), afterMonthly.Text("interval")));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, afterMonthly.GetProperty("pending_downgrade").ValueKind);
    }
}
