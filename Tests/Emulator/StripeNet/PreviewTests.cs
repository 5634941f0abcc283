using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// <c>POST /v1/invoices/create_preview</c> for a subscription change equals the invoice that follows the change
/// (https://docs.stripe.com/api/invoices/create_preview, https://docs.stripe.com/billing/subscriptions/prorations#preview-proration):
/// the update's own invoice under <c>always_invoice</c>, else the next renewal with the prorations on it, each
/// proration once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PreviewTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime End = Start.AddMonths(1);
    private static readonly DateTime ChangeAt = Start.AddDays(10);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static object Shape(InvoiceLineItem l) =>
        (l.Amount, l.Description, l.Period.Start, l.Period.End, l.Parent.SubscriptionItemDetails.Proration, l.Pricing.PriceDetails.PriceId, l.Quantity);

    [Theory]
    [InlineData("create_prorations", false, false)]
    [InlineData("create_prorations", true, false)]
    [InlineData("create_prorations", false, true)]
    [InlineData("create_prorations", true, true)]
    [InlineData("always_invoice", false, false)]
    [InlineData("always_invoice", true, false)]
    [InlineData("always_invoice", false, true)]
    [InlineData("always_invoice", true, true)]
    [InlineData("none", false, false)]
    [InlineData("none", true, false)]
    [InlineData("none", false, true)]
    [InlineData("none", true, true)]
    public async Task The_preview_of_a_change_equals_the_invoice_that_follows_it(string proration, bool withDate, bool earlierPending)
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        var itemId = subscription.Items.Data[0].Id;
        if (earlierPending)
        {
            await stripe.AdvanceAsync(clock, Start.AddDays(5), _ct);
            await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
            {
                Items = [new SubscriptionItemOptions { Id = itemId, Quantity = 2 }],
                ProrationBehavior = "create_prorations",
            }, cancellationToken: _ct);
        }
        await stripe.AdvanceAsync(clock, ChangeAt, _ct);
        DateTime? prorationDate = withDate ? Start.AddDays(9).AddSeconds(4321) : null;

        var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = customer.Id,
            Subscription = subscription.Id,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = itemId, Price = catalog.MaxMonthly.Id }],
                ProrationBehavior = proration,
                ProrationDate = prorationDate,
            },
        }, cancellationToken: _ct);
        var updated = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = itemId, Price = catalog.MaxMonthly.Id }],
            ProrationBehavior = proration,
            ProrationDate = prorationDate,
        }, cancellationToken: _ct);
        if (proration != "always_invoice")
        {
            await stripe.AdvanceAsync(clock, End.AddHours(1), _ct);
        }
        var following = await stripe.V1.Invoices.GetAsync(
            (await stripe.V1.Subscriptions.GetAsync(updated.Id, cancellationToken: _ct)).LatestInvoiceId, cancellationToken: _ct);

        Assert.Equal(proration == "always_invoice" ? "subscription_update" : "subscription_cycle", following.BillingReason);
        Assert.Equal(following.Lines.Data.Select(Shape), preview.Lines.Data.Select(Shape));
        Assert.Equal((following.Subtotal, following.Total, following.AmountDue), (preview.Subtotal, preview.Total, preview.AmountDue));
        Assert.Equal(following.AmountPaid, following.AmountDue);

        // Each proration once: Stripe's "Unused time" and "Remaining time" lines (plus the earlier change's two).
        var date = prorationDate ?? ChangeAt;
        var quantity = earlierPending ? 2 : 1;
        var expected = new List<long>();
        if (earlierPending)
        {
            expected.AddRange([-StripeNetHarness.Prorated(900, Start.AddDays(5), Start, End), StripeNetHarness.Prorated(1800, Start.AddDays(5), Start, End)]);
        }
        if (proration != "none")
        {
            expected.AddRange([-StripeNetHarness.Prorated(900 * quantity, date, Start, End), StripeNetHarness.Prorated(1900 * quantity, date, Start, End)]);
        }
        if (proration != "always_invoice")
        {
            expected.Add(1900 * quantity);
        }
        Assert.Equal(expected, preview.Lines.Data.Select(l => l.Amount));
    }
}
