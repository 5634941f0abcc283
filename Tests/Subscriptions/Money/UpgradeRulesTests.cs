using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Subscriptions.Scenarios;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>
/// Rules 2, 3 and the preview (docs/billing-rules.md): an upgrade takes effect when it is paid; going back up to a
/// tier still held through grace costs nothing and above it only the difference; the preview's amount is charged.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UpgradeRulesTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // After today's real date: grace is judged against real time.
    private static readonly DateTime Start = new(2027, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime PeriodEnd = Start.AddMonths(1);

    /// <summary>Stripe prorates by the second, rounding to the cent.</summary>
    private static long Prorate(long amount, DateTime at) =>
        (long)Math.Round((decimal)amount * (long)(PeriodEnd - at).TotalSeconds / (long)(PeriodEnd - Start).TotalSeconds, MidpointRounding.AwayFromZero);

    private static readonly Dictionary<string, string?> Grace = new() { ["Billing:DowngradePolicy"] = "grace" };

    [Theory]
    [InlineData("pm_card_chargeCustomerFail")]
    [InlineData("pm_card_authenticationRequired")]
    public async Task An_upgrade_whose_invoice_is_not_paid_waits_for_the_payment_and_paying_it_applies_it(string card)
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "basic", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.UseCardAsync(subscription.CustomerId, card, Ct);

        var (status, changed) = await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var waiting = await stack.SubscriptionAsync(user, Ct);
        var waitingUsage = await stack.MeterAsync(user, ct: Ct);
        var payment = changed.GetProperty("payment");
        var invoiceId = payment.Text("invoice_id")!;
        await stack.Stripe.V1.Invoices.PayAsync(invoiceId, new InvoicePayOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: Ct);
        await stack.SettleAsync(Ct);
        var paid = await stack.SubscriptionAsync(user, Ct);
        var paidUsage = await stack.MeterAsync(user, ct: Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(payment.GetProperty("waits_for_payment").GetBoolean(), changed.ToString());
        Assert.StartsWith("http", payment.Text("action_url"));
        Assert.Equal(("basic", "active"), (waiting.Text("tier"), waiting.Text("status")));
        Assert.Equal(5_000_000, waitingUsage.Limit);
        Assert.Equal(("max", "active"), (paid.Text("tier"), paid.Text("status")));
        Assert.Equal(15_000_000, paidUsage.Limit);
    }

    [Fact]
    public async Task Going_back_up_to_the_tier_held_through_grace_costs_nothing()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, Grace);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.ChangeAsync(user, "plus", "monthly", Ct);
        await stack.SettleAsync(Ct);

        var (previewStatus, preview) = await stack.PreviewAsync(user, "max", "monthly", Ct);
        var (status, changed) = await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var invoices = (await stack.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription.Id }, cancellationToken: Ct)).Data;
        var after = await stack.SubscriptionAsync(user, Ct);
        var inStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);

        Assert.Equal((HttpStatusCode.OK, 0L), (previewStatus, preview.GetProperty("amount_due_now").GetInt64()));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, invoices.Where(i => i.BillingReason == "subscription_update").Sum(i => i.AmountDue)); // the Max time is paid already
        Assert.Equal(await stack.PriceIdAsync("max", "monthly", Ct), inStripe.Items.Data.Single().Price.Id);
        Assert.Equal(("max", "max"), (after.Text("tier"), after.Text("subscribed_tier")));
    }

    [Fact]
    public async Task Going_above_the_tier_held_through_grace_charges_only_the_difference_the_preview_showed()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, Grace);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        var day10 = Start.AddDays(10);
        await stack.AdvanceAsync(clock, day10, Ct);
        await stack.ChangeAsync(user, "basic", "monthly", Ct);
        await stack.SettleAsync(Ct);

        var (_, preview) = await stack.PreviewAsync(user, "max", "monthly", Ct);
        var (status, changed) = await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var charged = (await stack.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription.Id }, cancellationToken: Ct)).Data
            .Where(i => i.BillingReason == "subscription_update").Sum(i => i.AmountPaid);
        var after = await stack.SubscriptionAsync(user, Ct);

        var difference = Prorate(4000, day10) - Prorate(2000, day10); // Max less Plus, not Max less Basic
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(difference, charged);
        Assert.Equal(difference, preview.GetProperty("amount_due_now").GetInt64());
        Assert.Equal("max", after.Text("tier"));
    }

    [Fact]
    public async Task The_change_charges_the_previews_amount_and_a_stale_preview_is_refused()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);

        var (_, stalePreview) = await stack.PreviewAsync(user, "max", "monthly", Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10).AddHours(2), Ct);
        var stale = await stack.PostAsync(user, "/v1/billing/subscription/change", new { tier = "max", interval = "monthly", preview_token = stalePreview.Text("preview_token") }, Ct);
        var (_, preview) = await stack.PreviewAsync(user, "max", "monthly", Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10).AddHours(2).AddMinutes(5), Ct); // within the preview's lifetime
        var changed = await stack.PostAsync(user, "/v1/billing/subscription/change", new { tier = "max", interval = "monthly", preview_token = preview.Text("preview_token") }, Ct);
        var otherPlan = await stack.PostAsync(user, "/v1/billing/subscription/change", new { tier = "plus", interval = "yearly", preview_token = preview.Text("preview_token") }, Ct);
        await stack.SettleAsync(Ct);
        var charged = (await stack.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription.Id }, cancellationToken: Ct)).Data
            .Where(i => i.BillingReason == "subscription_update").Sum(i => i.AmountPaid);

        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Contains("preview", stale.Body.Text("detail"));
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.Equal(preview.GetProperty("amount_due_now").GetInt64(), charged);
        Assert.Equal(Prorate(4000, Start.AddDays(10).AddHours(2)) - Prorate(2000, Start.AddDays(10).AddHours(2)), charged);
        Assert.Equal(HttpStatusCode.Conflict, otherPlan.Status);
    }

    /// <summary>
    /// Plus yearly to Max monthly ten days in: Stripe credits the unused year and bills a month of Max, a negative
    /// total. The credit goes to the customer's balance (Stripe's customer credit balance), the upgrade needs no
    /// payment, and the next months' renewals are paid from the balance, not the card (which now declines).
    /// </summary>
    [Fact]
    public async Task An_upgrade_that_credits_more_than_it_costs_leaves_a_customer_balance_that_pays_the_next_renewals()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "yearly", ct: Ct);
        clock = await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.UseCardAsync(subscription.CustomerId, "pm_card_chargeCustomerFail", Ct);

        var (status, changed) = await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var afterChange = await stack.SubscriptionAsync(user, Ct);
        var changeInvoice = await stack.Stripe.V1.Invoices.GetAsync((await stack.StripeSubscriptionAsync(subscription.Id, Ct)).LatestInvoiceId, cancellationToken: Ct);
        var credited = await stack.Stripe.V1.Customers.GetAsync(subscription.CustomerId, cancellationToken: Ct);

        await stack.AdvanceAsync(clock, Start.AddDays(10).AddMonths(1).AddHours(2), Ct);
        var renewed = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var renewal = await stack.Stripe.V1.Invoices.GetAsync(renewed.LatestInvoiceId, cancellationToken: Ct);
        var afterRenewal = await stack.SubscriptionAsync(user, Ct);
        var usage = await stack.MeterAsync(user, ct: Ct);
        var left = await stack.Stripe.V1.Customers.GetAsync(subscription.CustomerId, cancellationToken: Ct);

        // The year's unused 355 days (of 365) at 180.00, less a month of Max at 40.00.
        var unused = (long)Math.Round(18000m * 355 / 365, MidpointRounding.AwayFromZero);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(changed.GetProperty("payment").ValueKind == System.Text.Json.JsonValueKind.Object
            && changed.GetProperty("payment").GetProperty("waits_for_payment").GetBoolean(), changed.ToString());
        Assert.Equal(("max", "active"), (afterChange.Text("tier"), afterChange.Text("status")));
        Assert.Equal(("paid", 0L, 0L), (changeInvoice.Status, changeInvoice.AmountDue, changeInvoice.AmountPaid));
        Assert.InRange(changeInvoice.Total, 4000 - unused - 2, 4000 - unused + 2);
        Assert.Equal(changeInvoice.Total, changeInvoice.EndingBalance);
        Assert.Equal(changeInvoice.Total, credited.Balance);
        Assert.Equal(("paid", 0L, 4000L), (renewal.Status, renewal.AmountPaid, renewal.Total));
        Assert.Equal((credited.Balance, credited.Balance + 4000), (renewal.StartingBalance, renewal.EndingBalance));
        Assert.Equal(credited.Balance + 4000, left.Balance);
        Assert.Equal(("active", "max", "active"), (renewed.Status, afterRenewal.Text("tier"), afterRenewal.Text("status")));
        Assert.Equal((15_000_000L, 0L), (usage.Limit, usage.Used));
    }
}
