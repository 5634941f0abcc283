using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// The custom signup flow (https://docs.stripe.com/billing/subscriptions/build-subscriptions): a subscription created
/// with <c>payment_behavior=default_incomplete</c> hands its first invoice's <c>confirmation_secret</c> to the page,
/// which confirms the payment intent with a card as Stripe.js does (<c>POST /v1/payment_intents/{id}/confirm</c>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class SignupFlowTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed record Signup(StripeClient Stripe, Customer Customer, Subscription Subscription, Invoice Invoice, string IntentId);

    private async Task<Signup> SignUpAsync()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "new@example.com" }, cancellationToken: _ct);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
            PaymentBehavior = "default_incomplete",
            PaymentSettings = new SubscriptionPaymentSettingsOptions { SaveDefaultPaymentMethod = "on_subscription" },
            Expand = ["latest_invoice.confirmation_secret", "latest_invoice.payments"],
        }, cancellationToken: _ct);
        var invoice = subscription.LatestInvoice;
        var payment = Assert.Single(invoice.Payments.Data);
        return new Signup(stripe, customer, subscription, invoice, payment.Payment.PaymentIntentId);
    }

    private async Task<List<string>> EventsSinceAsync(StripeClient stripe, int count) =>
        [.. (await StripeNetHarness.EventsAsync(stripe, _ct)).Skip(count).Select(e => e.Type)];

    [Fact]
    public async Task Default_incomplete_hands_out_the_confirmation_secret_and_a_confirmed_card_activates_the_subscription()
    {
        var events = (await StripeNetHarness.EventsAsync(emulator.StripeNet(), _ct)).Count;
        var s = await SignUpAsync();

        Assert.Equal(("incomplete", "open", 900L), (s.Subscription.Status, s.Invoice.Status, s.Invoice.AmountDue));
        Assert.Equal("payment_intent", s.Invoice.ConfirmationSecret.Type);
        var intent = await s.Stripe.V1.PaymentIntents.GetAsync(s.IntentId, cancellationToken: _ct);
        Assert.Equal((s.Invoice.ConfirmationSecret.ClientSecret, "requires_payment_method", 900L), (intent.ClientSecret, intent.Status, intent.Amount));
        Assert.Equal(["customer.created", "customer.subscription.created", "invoice.created", "invoice.finalized", "payment_intent.created"],
            (await EventsSinceAsync(s.Stripe, events)).Where(t => !t.StartsWith("product.", StringComparison.Ordinal) && !t.StartsWith("price.", StringComparison.Ordinal)));
        // Without the expansion the secret and the payments are left out, as Stripe leaves them.
        var plain = await s.Stripe.V1.Invoices.GetAsync(s.Invoice.Id, cancellationToken: _ct);
        Assert.Null(plain.ConfirmationSecret);
        Assert.Null(plain.Payments);

        var before = (await StripeNetHarness.EventsAsync(s.Stripe, _ct)).Count;
        var confirmed = await s.Stripe.V1.PaymentIntents.ConfirmAsync(s.IntentId, new PaymentIntentConfirmOptions
        {
            PaymentMethod = "pm_card_visa", ReturnUrl = "https://yapit.example/welcome",
        }, cancellationToken: _ct);

        Assert.Equal(("succeeded", 900L), (confirmed.Status, confirmed.AmountReceived));
        var active = await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct);
        Assert.Equal(("active", confirmed.PaymentMethodId), (active.Status, active.DefaultPaymentMethodId));
        var paid = await s.Stripe.V1.Invoices.GetAsync(s.Invoice.Id, new InvoiceGetOptions { Expand = ["payments"] }, cancellationToken: _ct);
        Assert.Equal(("paid", 900L), (paid.Status, paid.AmountPaid));
        Assert.Equal(("paid", 900L, s.IntentId), (paid.Payments.Data[0].Status, paid.Payments.Data[0].AmountPaid, paid.Payments.Data[0].Payment.PaymentIntentId));
        Assert.Equal(["payment_method.attached", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"],
            await EventsSinceAsync(s.Stripe, before));
    }

    [Fact]
    public async Task A_declined_card_answers_402_keeps_the_subscription_incomplete_and_a_second_card_can_still_pay()
    {
        var s = await SignUpAsync();
        var before = (await StripeNetHarness.EventsAsync(s.Stripe, _ct)).Count;

        var declined = await Assert.ThrowsAsync<StripeException>(() => s.Stripe.V1.PaymentIntents.ConfirmAsync(s.IntentId,
            new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_chargeDeclined" }, cancellationToken: _ct));

        Assert.Equal((HttpStatusCode.PaymentRequired, "card_declined"), (declined.HttpStatusCode, declined.StripeError.Code));
        var intent = await s.Stripe.V1.PaymentIntents.GetAsync(s.IntentId, cancellationToken: _ct);
        Assert.Equal(("requires_payment_method", "generic_decline"), (intent.Status, intent.LastPaymentError.DeclineCode));
        var invoice = await s.Stripe.V1.Invoices.GetAsync(s.Invoice.Id, cancellationToken: _ct);
        Assert.Equal(("open", 1L), (invoice.Status, invoice.AttemptCount));
        Assert.Equal("incomplete", (await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct)).Status);
        Assert.Equal(["payment_intent.payment_failed", "invoice.payment_failed"], await EventsSinceAsync(s.Stripe, before));

        var retried = await s.Stripe.V1.PaymentIntents.ConfirmAsync(s.IntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_mastercard" }, cancellationToken: _ct);
        Assert.Equal("succeeded", retried.Status);
        Assert.Equal("active", (await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct)).Status);

        var again = await Assert.ThrowsAsync<StripeException>(() => s.Stripe.V1.PaymentIntents.ConfirmAsync(s.IntentId,
            new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: _ct));
        Assert.Equal((HttpStatusCode.BadRequest, "payment_intent_unexpected_state"), (again.HttpStatusCode, again.StripeError.Code));
    }

    [Fact]
    public async Task A_card_that_needs_3D_Secure_redirects_to_the_authentication_step_which_activates_the_subscription()
    {
        var s = await SignUpAsync();

        var pending = await s.Stripe.V1.PaymentIntents.ConfirmAsync(s.IntentId, new PaymentIntentConfirmOptions
        {
            PaymentMethod = "pm_card_authenticationRequired", ReturnUrl = "https://yapit.example/welcome",
        }, cancellationToken: _ct);

        Assert.Equal(("requires_action", "redirect_to_url"), (pending.Status, pending.NextAction.Type));
        var url = new Uri(pending.NextAction.RedirectToUrl.Url);
        Assert.Equal($"/invoice/{s.Invoice.Id}/authenticate", url.AbsolutePath);
        Assert.Equal("incomplete", (await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct)).Status);

        using var browser = emulator.Browser();
        var done = await StripeNetHarness.PostFormAsync(browser, url.AbsolutePath, ("action", "complete"), ("return_to", "https://yapit.example/welcome"));

        Assert.Equal((HttpStatusCode.Redirect, "https://yapit.example/welcome"), (done.Status, done.Location));
        Assert.Equal("succeeded", (await s.Stripe.V1.PaymentIntents.GetAsync(s.IntentId, cancellationToken: _ct)).Status);
        Assert.Equal("active", (await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct)).Status);
    }

    [Fact]
    public async Task Confirming_without_a_payment_method_is_refused_naming_it()
    {
        var s = await SignUpAsync();

        var missing = await Assert.ThrowsAsync<StripeException>(() => s.Stripe.V1.PaymentIntents.ConfirmAsync(s.IntentId, new PaymentIntentConfirmOptions(), cancellationToken: _ct));

        Assert.Equal((HttpStatusCode.BadRequest, "payment_method"), (missing.HttpStatusCode, missing.StripeError.Param));
    }
}
