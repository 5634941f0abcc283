using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Part 2's objects persist across restarts in the state directory and go with a reset.</summary>
[Trait("Category", "Integration")]
public sealed class SubscriptionStateTests : IDisposable
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"yapit-emulator-state-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_subscription_its_invoice_and_customer_survive_a_restart_and_a_reset_clears_them()
    {
        var settings = new StripeEmulatorSettings { StateDirectory = _directory };
        string subscriptionId;
        string cardId;
        await using (var first = await StripeEmulatorFixture.StartAsync(settings))
        {
            var stripe = first.StripeNet();
            var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
            var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_chargeCustomerFail", _ct);
            cardId = customer.InvoiceSettings.DefaultPaymentMethodId;
            subscriptionId = (await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
            {
                Customer = customer.Id,
                Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
            }, cancellationToken: _ct)).Id;
        }

        await using var second = await StripeEmulatorFixture.StartAsync(settings);
        var again = second.StripeNet();
        var subscription = await again.V1.Subscriptions.GetAsync(subscriptionId, new SubscriptionGetOptions { Expand = ["latest_invoice", "customer"] }, cancellationToken: _ct);
        // The restored test card still behaves as itself: it still fails; another card pays.
        var declined = await Assert.ThrowsAsync<StripeException>(() => again.V1.Invoices.PayAsync(subscription.LatestInvoiceId, cancellationToken: _ct));
        await again.V1.Invoices.PayAsync(subscription.LatestInvoiceId, new InvoicePayOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: _ct);
        var active = await again.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: _ct);
        await second.ResetAsync(_ct);
        var gone = await Assert.ThrowsAsync<StripeException>(() => again.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: _ct));

        Assert.Equal(("incomplete", "open", cardId), (subscription.Status, subscription.LatestInvoice.Status, subscription.Customer.InvoiceSettings.DefaultPaymentMethodId));
        Assert.Equal("card_declined", declined.StripeError.Code);
        Assert.Equal("active", active.Status);
        Assert.Equal(404, (int)gone.HttpStatusCode);
        Assert.Empty((await again.V1.Customers.ListAsync(cancellationToken: _ct)).Data);
    }
}
