using System.Net;
using Stripe;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// Every test payment method Stripe documents (https://docs.stripe.com/testing,
/// https://docs.stripe.com/payments/3d-secure/authentication-flow), attached and charged through Stripe.net: its card
/// data, whether it can be attached, and what a payment with it does.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TestCardTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public enum Expect
    {
        /// <summary>Attaches; the payment succeeds.</summary>
        Pays,

        /// <summary>Refused on attach; the payment is declined.</summary>
        DeclinedAlways,

        /// <summary>Attaches; the payment is declined.</summary>
        DeclinedAfterAttach,

        /// <summary>Attaches; every payment waits for 3D Secure, then succeeds.</summary>
        AuthenticatesEveryTime,

        /// <summary>Attaches; the first payment waits for 3D Secure, later ones of the set-up card do not.</summary>
        AuthenticatesOnce,

        /// <summary>Attaches; the payment waits for 3D Secure and is declined after it.</summary>
        DeclinedAfterAuthentication,
    }

    /// <summary>Stripe's table, written out here (not read from the emulator) so the test checks the emulator against the docs.</summary>
    public static TheoryData<string, string, string, string, Expect, string?, string?> Cards { get; } = new()
    {
        { "pm_card_visa", "visa", "4242", "credit", Expect.Pays, null, null },
        { "pm_card_visa_debit", "visa", "5556", "debit", Expect.Pays, null, null },
        { "pm_card_mastercard", "mastercard", "4444", "credit", Expect.Pays, null, null },
        { "pm_card_mastercard_debit", "mastercard", "8210", "debit", Expect.Pays, null, null },
        { "pm_card_mastercard_prepaid", "mastercard", "5100", "prepaid", Expect.Pays, null, null },
        { "pm_card_amex", "amex", "8431", "credit", Expect.Pays, null, null },
        { "pm_card_discover", "discover", "1117", "credit", Expect.Pays, null, null },
        { "pm_card_diners", "diners", "0004", "credit", Expect.Pays, null, null },
        { "pm_card_jcb", "jcb", "0505", "credit", Expect.Pays, null, null },
        { "pm_card_unionpay", "unionpay", "0005", "credit", Expect.Pays, null, null },
        { "pm_card_bypassPending", "visa", "0077", "credit", Expect.Pays, null, null },
        { "pm_card_bypassPendingInternational", "visa", "0278", "credit", Expect.Pays, null, null },
        { "pm_card_riskLevelElevated", "visa", "9235", "credit", Expect.Pays, null, null },
        { "pm_card_visa_chargeDeclined", "visa", "0002", "credit", Expect.DeclinedAlways, "card_declined", "generic_decline" },
        { "pm_card_visa_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", Expect.DeclinedAlways, "card_declined", "insufficient_funds" },
        { "pm_card_visa_chargeDeclinedLostCard", "visa", "9987", "credit", Expect.DeclinedAlways, "card_declined", "lost_card" },
        { "pm_card_visa_chargeDeclinedStolenCard", "visa", "9979", "credit", Expect.DeclinedAlways, "card_declined", "stolen_card" },
        { "pm_card_chargeDeclinedExpiredCard", "visa", "0069", "credit", Expect.DeclinedAlways, "expired_card", null },
        { "pm_card_chargeDeclinedIncorrectCvc", "visa", "0127", "credit", Expect.DeclinedAlways, "incorrect_cvc", null },
        { "pm_card_chargeDeclinedProcessingError", "visa", "0119", "credit", Expect.DeclinedAlways, "processing_error", null },
        { "pm_card_visa_chargeDeclinedVelocityLimitExceeded", "visa", "6975", "credit", Expect.DeclinedAlways, "card_declined", "card_velocity_exceeded" },
        { "pm_card_chargeDeclined", "visa", "0002", "credit", Expect.DeclinedAlways, "card_declined", "generic_decline" },
        { "pm_card_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", Expect.DeclinedAlways, "card_declined", "insufficient_funds" },
        { "pm_card_chargeCustomerFail", "visa", "0341", "credit", Expect.DeclinedAfterAttach, "card_declined", "generic_decline" },
        { "pm_card_authenticationRequired", "visa", "3184", "credit", Expect.AuthenticatesEveryTime, null, null },
        { "pm_card_threeDSecure2Required", "visa", "3220", "credit", Expect.AuthenticatesEveryTime, null, null },
        { "pm_card_authenticationRequiredOnSetup", "visa", "3155", "credit", Expect.AuthenticatesOnce, null, null },
        { "pm_card_threeDSecureRequiredChargeDeclined", "visa", "1629", "credit", Expect.DeclinedAfterAuthentication, "card_declined", "generic_decline" },
        { "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "visa", "3178", "credit", Expect.DeclinedAfterAuthentication, "card_declined", "insufficient_funds" },
        { "pm_card_threeDSecureOptional", "visa", "3055", "credit", Expect.Pays, null, null },
        { "pm_card_amex_threeDSecureNotSupported", "amex", "0005", "credit", Expect.Pays, null, null },
    };

    [Fact]
    public void The_table_covers_every_card_the_emulator_offers()
    {
        var tested = Cards.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(tested.Order(StringComparer.Ordinal), TestCards.All.Select(c => c.Token).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cards))]
    public async Task Each_test_card_attaches_and_pays_as_Stripe_documents(string token, string brand, string last4, string funding, Expect expect, string? code, string? declineCode)
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "card@example.com" }, cancellationToken: _ct);

        // Attaching: issuer declines are refused with their error, every other card attaches with its data.
        if (expect == Expect.DeclinedAlways)
        {
            var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.PaymentMethods.AttachAsync(token,
                new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct));
            Assert.Equal((HttpStatusCode.PaymentRequired, "card_error", code, declineCode),
                (refused.HttpStatusCode, refused.StripeError.Type, refused.StripeError.Code, refused.StripeError.DeclineCode));
        }
        else
        {
            var attached = await stripe.V1.PaymentMethods.AttachAsync(token, new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);
            Assert.Equal((brand, last4, funding, customer.Id), (attached.Card.Brand, attached.Card.Last4, attached.Card.Funding, attached.CustomerId));
        }

        // Paying: a subscription's first invoice, confirmed with the card as Stripe.js would.
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
            PaymentBehavior = "default_incomplete",
            Expand = ["latest_invoice.payments"],
        }, cancellationToken: _ct);
        var invoiceId = subscription.LatestInvoice.Id;
        var intentId = Assert.Single(subscription.LatestInvoice.Payments.Data).Payment.PaymentIntentId;
        var confirmOptions = new PaymentIntentConfirmOptions { PaymentMethod = token };
        if (expect is Expect.DeclinedAlways or Expect.DeclinedAfterAttach)
        {
            var declined = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.PaymentIntents.ConfirmAsync(intentId, confirmOptions, cancellationToken: _ct));
            Assert.Equal((HttpStatusCode.PaymentRequired, code, declineCode), (declined.HttpStatusCode, declined.StripeError.Code, declined.StripeError.DeclineCode));
            var failed = await stripe.V1.PaymentIntents.GetAsync(intentId, cancellationToken: _ct);
            Assert.Equal(("requires_payment_method", code, declineCode), (failed.Status, failed.LastPaymentError.Code, failed.LastPaymentError.DeclineCode));
            Assert.Equal("open", (await stripe.V1.Invoices.GetAsync(invoiceId, cancellationToken: _ct)).Status);
            return;
        }

        var confirmed = await stripe.V1.PaymentIntents.ConfirmAsync(intentId, confirmOptions, cancellationToken: _ct);
        if (expect == Expect.Pays)
        {
            Assert.Equal("succeeded", confirmed.Status);
            Assert.Equal("paid", (await stripe.V1.Invoices.GetAsync(invoiceId, cancellationToken: _ct)).Status);
            return;
        }

        Assert.Equal("requires_action", confirmed.Status);
        using var browser = emulator.Browser();
        await StripeNetHarness.PostFormAsync(browser, $"/invoice/{invoiceId}/authenticate", ("action", "complete"));
        var authenticated = await stripe.V1.PaymentIntents.GetAsync(intentId, cancellationToken: _ct);
        var invoice = await stripe.V1.Invoices.GetAsync(invoiceId, cancellationToken: _ct);
        if (expect == Expect.DeclinedAfterAuthentication)
        {
            Assert.Equal(("requires_payment_method", code, declineCode, "open"),
                (authenticated.Status, authenticated.LastPaymentError.Code, authenticated.LastPaymentError.DeclineCode, invoice.Status));
            return;
        }
        Assert.Equal(("succeeded", "paid"), (authenticated.Status, invoice.Status));

        // The next payment with the same card: a set-up card needs no authentication, an "always" card does.
        await stripe.V1.PaymentMethods.AttachAsync(authenticated.PaymentMethodId, new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);
        var second = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.MaxMonthly.Id }],
            DefaultPaymentMethod = authenticated.PaymentMethodId,
            PaymentBehavior = "allow_incomplete",
        }, cancellationToken: _ct);
        Assert.Equal(expect == Expect.AuthenticatesOnce ? "active" : "incomplete", second.Status);
    }
}
