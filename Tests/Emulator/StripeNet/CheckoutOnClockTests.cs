using Stripe;
using Stripe.Checkout;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Checkout for a customer on a test clock, as Stripe does it: what it creates lives on the clock; a trial canceled for its end is never charged.</summary>
[Trait("Category", "Integration")]
public sealed class CheckoutOnClockTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2026, 2, 2, 9, 0, 0, DateTimeKind.Utc);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_trial_bought_by_a_clock_customer_starts_at_the_clocks_time_and_canceled_for_its_end_ends_without_an_invoice()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, card: null, _ct);
        var session = await stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            Customer = customer.Id,
            LineItems = [new SessionLineItemOptions { Price = catalog.PlusMonthly.Id, Quantity = 1 }],
            SubscriptionData = new SessionSubscriptionDataOptions { TrialPeriodDays = 3 },
            SuccessUrl = "https://yapit.example/ok",
        }, cancellationToken: _ct);
        using var browser = emulator.Browser();
        await StripeNetHarness.PostFormAsync(browser, $"/_emulator/checkout/{session.Id}/complete", ("card", "pm_card_visa"));
        var subscriptionId = (await stripe.V1.Checkout.Sessions.GetAsync(session.Id, cancellationToken: _ct)).SubscriptionId;
        var trialing = await stripe.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: _ct);

        await stripe.V1.Subscriptions.UpdateAsync(subscriptionId, new SubscriptionUpdateOptions { CancelAt = trialing.TrialEnd }, cancellationToken: _ct);
        await stripe.AdvanceAsync(clock, Start.AddDays(4), _ct);
        var ended = await stripe.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: _ct);
        var invoices = await stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscriptionId }, cancellationToken: _ct);

        Assert.Equal((clock.Id, Start, Start.AddDays(3)), (trialing.TestClockId, trialing.Created, trialing.TrialEnd));
        Assert.Equal(("canceled", Start.AddDays(3)), (ended.Status, ended.EndedAt));
        Assert.All(invoices.Data, i => Assert.Equal(0L, i.AmountPaid));
        Assert.Equal(["subscription_create"], invoices.Data.Select(i => i.BillingReason));
    }
}
