using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Plan changes in mid-period and what the next renewals bill, on a test clock, to the cent.</summary>
[Trait("Category", "Integration")]
public sealed class ProrationRenewalTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<List<Invoice>> InvoicesAsync(StripeClient stripe, Subscription subscription)
    {
        var invoices = await stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription.Id, Limit = 100 }, cancellationToken: _ct);
        return [.. invoices.Data.OrderBy(i => i.Created).ThenBy(i => i.Number)];
    }

    private Task<Subscription> ChangePriceAsync(StripeClient stripe, Subscription subscription, Price price, string proration) =>
        stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = price.Id }],
            ProrationBehavior = proration,
        }, cancellationToken: _ct);

    [Fact]
    public async Task An_always_invoice_upgrade_bills_at_once_a_none_downgrade_bills_nothing_and_the_renewal_bills_the_new_price()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        var end = Start.AddMonths(1);

        var upgradeAt = Start.AddDays(9).AddHours(7);
        await stripe.AdvanceAsync(clock, upgradeAt, _ct);
        var upgraded = await ChangePriceAsync(stripe, subscription, catalog.MaxMonthly, "always_invoice");
        var upgradeInvoice = await stripe.V1.Invoices.GetAsync(upgraded.LatestInvoiceId, cancellationToken: _ct);
        var credit = -StripeNetHarness.Prorated(900, upgradeAt, Start, end);
        var charge = StripeNetHarness.Prorated(1900, upgradeAt, Start, end);
        Assert.Equal(("subscription_update", "paid", credit + charge), (upgradeInvoice.BillingReason, upgradeInvoice.Status, upgradeInvoice.AmountPaid));
        Assert.Equal([credit, charge], upgradeInvoice.Lines.Data.Select(l => l.Amount));
        Assert.All(upgradeInvoice.Lines.Data, l => Assert.Equal((upgradeAt, end), (l.Period.Start, l.Period.End)));

        var downgradeAt = Start.AddDays(20);
        await stripe.AdvanceAsync(clock, downgradeAt, _ct);
        var countBefore = (await StripeNetHarness.EventsAsync(stripe, _ct)).Count;
        var downgraded = await ChangePriceAsync(stripe, upgraded, catalog.PlusMonthly, "none");
        var downgradeEvents = (await StripeNetHarness.EventsAsync(stripe, _ct)).Skip(countBefore).Select(e => e.Type);
        Assert.Equal(["customer.subscription.updated"], downgradeEvents);
        Assert.Equal(upgraded.LatestInvoiceId, downgraded.LatestInvoiceId);
        Assert.Equal((Start, end), (downgraded.Items.Data[0].CurrentPeriodStart, downgraded.Items.Data[0].CurrentPeriodEnd));

        await stripe.AdvanceAsync(clock, end.AddHours(1), _ct);
        Assert.Equal(["customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created", "payment_intent.succeeded",
            "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded"], await stripe.LastAdvanceEventsAsync(_ct));
        await stripe.AdvanceAsync(clock, end.AddMonths(1).AddHours(1), _ct);

        var invoices = await InvoicesAsync(stripe, subscription);
        Assert.Equal(["subscription_create", "subscription_update", "subscription_cycle", "subscription_cycle"], invoices.Select(i => i.BillingReason));
        Assert.Equal([900L, credit + charge, 900L, 900L], invoices.Select(i => i.AmountPaid));
        var renewal = invoices[2];
        var line = Assert.Single(renewal.Lines.Data);
        Assert.Equal((catalog.PlusMonthly.Id, false, end, end.AddMonths(1)),
            (line.Pricing.PriceDetails.PriceId, line.Parent.SubscriptionItemDetails.Proration, line.Period.Start, line.Period.End));
        Assert.Equal((Start, end), (renewal.PeriodStart, renewal.PeriodEnd));
    }

    [Fact]
    public async Task A_repeating_coupon_discounts_the_invoices_of_its_months_then_runs_out()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var coupon = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { PercentOff = 25, Duration = "repeating", DurationInMonths = 2 }, cancellationToken: _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o => o.Discounts = [new SubscriptionDiscountOptions { Coupon = coupon.Id }]);
        var discountId = Assert.Single(subscription.DiscountIds);

        await stripe.AdvanceAsync(clock, Start.AddMonths(1).AddHours(1), _ct);
        Assert.DoesNotContain("customer.discount.deleted", await stripe.LastAdvanceEventsAsync(_ct));
        await stripe.AdvanceAsync(clock, Start.AddMonths(2).AddHours(1), _ct);
        var runOut = await stripe.LastAdvanceEventsAsync(_ct);
        await stripe.AdvanceAsync(clock, Start.AddMonths(3).AddHours(1), _ct);

        var invoices = await InvoicesAsync(stripe, subscription);
        Assert.Equal([675L, 675L, 900L, 900L], invoices.Select(i => i.AmountPaid));
        Assert.Equal([225L, 225L, 0L, 0L], invoices.Select(i => i.TotalDiscountAmounts.Sum(d => d.Amount)));
        var deleted = (Discount)(await StripeNetHarness.EventsAsync(stripe, _ct)).Single(e => e.Type == "customer.discount.deleted").Data.Object;
        Assert.Equal((discountId, Start.AddMonths(2), subscription.Id), (deleted.Id, deleted.End, deleted.Subscription));
        Assert.Equal(["customer.discount.deleted", "customer.subscription.updated"], runOut.Take(2));
        var after = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        Assert.Empty(after.DiscountIds);
        Assert.Equal(discountId, invoices[1].DiscountIds.Single());
    }
}
