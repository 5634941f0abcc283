using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// Canceled is terminal (https://docs.stripe.com/billing/subscriptions/cancel, https://docs.stripe.com/api/subscriptions/update):
/// a canceled subscription keeps only <c>metadata</c> and <c>cancellation_details</c> writable.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CanceledSubscriptionTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_canceled_subscription_refuses_price_quantity_and_trial_changes_and_keeps_metadata_and_cancellation_details_writable()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_visa", _ct);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
        }, cancellationToken: _ct);
        var itemId = subscription.Items.Data[0].Id;
        await stripe.V1.Subscriptions.CancelAsync(subscription.Id, cancellationToken: _ct);

        var price = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = itemId, Price = catalog.MaxMonthly.Id }],
        }, cancellationToken: _ct));
        var quantity = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SubscriptionItems.UpdateAsync(itemId,
            new SubscriptionItemUpdateOptions { Quantity = 3 }, cancellationToken: _ct));
        var anchor = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Subscriptions.UpdateAsync(subscription.Id,
            new SubscriptionUpdateOptions { ProrationDate = DateTime.UtcNow }, cancellationToken: _ct));
        var preview = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Invoices.CreatePreviewAsync(
            new InvoiceCreatePreviewOptions { Subscription = subscription.Id }, cancellationToken: _ct));

        Assert.All([price, quantity, anchor], e => Assert.Equal((HttpStatusCode.BadRequest, "A canceled subscription can only update its cancellation_details and metadata."),
            (e.HttpStatusCode, e.StripeError.Message)));
        Assert.Equal((HttpStatusCode.NotFound, "invoice_upcoming_none"), (preview.HttpStatusCode, preview.StripeError.Code));
        var unchanged = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        Assert.Equal(("canceled", catalog.PlusMonthly.Id, 1L), (unchanged.Status, unchanged.Items.Data[0].Price.Id, unchanged.Items.Data[0].Quantity));

        var updated = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Metadata = new Dictionary<string, string> { ["note"] = "churned" },
            CancellationDetails = new SubscriptionCancellationDetailsOptions { Feedback = "too_expensive", Comment = "price" },
            Expand = ["customer"],
        }, cancellationToken: _ct);
        Assert.Equal(("canceled", "churned", "too_expensive"), (updated.Status, updated.Metadata["note"], updated.CancellationDetails.Feedback));
        var last = (await StripeNetHarness.EventsAsync(stripe, _ct)).Last();
        Assert.Equal("customer.subscription.updated", last.Type);
    }
}
