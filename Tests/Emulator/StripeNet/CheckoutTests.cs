using System.Net;
using Stripe;
using Stripe.Checkout;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Checkout Sessions through Stripe.net, paid on the hosted page over plain HTTP and through the operator shortcut.</summary>
[Trait("Category", "Integration")]
public sealed class CheckoutTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static Task<Session> SubscriptionSessionAsync(StripeClient stripe, Price price, Action<SessionCreateOptions>? configure = null, CancellationToken ct = default)
    {
        var options = new SessionCreateOptions
        {
            Mode = "subscription",
            LineItems = [new SessionLineItemOptions { Price = price.Id, Quantity = 1 }],
            SuccessUrl = "https://yapit.example/billing/success?session={CHECKOUT_SESSION_ID}",
            CancelUrl = "https://yapit.example/billing/cancel",
            ClientReferenceId = "user-42",
            CustomerEmail = "ada@example.com",
            Metadata = new() { ["user_id"] = "user-42" },
            SubscriptionData = new SessionSubscriptionDataOptions { Metadata = new() { ["tier"] = "plus" } },
        };
        configure?.Invoke(options);
        return stripe.V1.Checkout.Sessions.CreateAsync(options, cancellationToken: ct);
    }

    [Fact]
    public async Task The_page_shows_the_customers_email_and_afterwards_the_portal_shows_the_card_the_subscription_pays_with()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        await stripe.V1.BillingPortal.Configurations.CreateAsync(new Stripe.BillingPortal.ConfigurationCreateOptions
        {
            Features = new Stripe.BillingPortal.ConfigurationFeaturesOptions
            {
                PaymentMethodUpdate = new Stripe.BillingPortal.ConfigurationFeaturesPaymentMethodUpdateOptions { Enabled = true },
            },
        }, cancellationToken: _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "grace@example.com" }, cancellationToken: _ct);
        var session = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, o => (o.Customer, o.CustomerEmail) = (customer.Id, null), _ct);
        using var browser = emulator.Browser();

        var page = await browser.GetStringAsync(new Uri(session.Url).PathAndQuery, _ct);
        await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_mastercard"));
        var subscription = await stripe.V1.Subscriptions.GetAsync((await stripe.V1.Checkout.Sessions.GetAsync(session.Id, cancellationToken: _ct)).SubscriptionId, cancellationToken: _ct);
        var portal = await stripe.V1.BillingPortal.Sessions.CreateAsync(new Stripe.BillingPortal.SessionCreateOptions { Customer = customer.Id, ReturnUrl = "https://yapit.example/account" }, cancellationToken: _ct);
        var home = await browser.GetStringAsync(new Uri(portal.Url).PathAndQuery, _ct);

        // The person sees their e-mail, not the customer's id; for a customer without one the page asks for it.
        Assert.Contains("<span id=\"email\">grace@example.com</span>", page);
        Assert.DoesNotContain(customer.Id, page);
        var anonymous = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), cancellationToken: _ct);
        var anonymousSession = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, o => (o.Customer, o.CustomerEmail) = (anonymous.Id, null), _ct);
        var asking = await browser.GetStringAsync(new Uri(anonymousSession.Url).PathAndQuery, _ct);
        Assert.Contains("<input id=\"email\" name=\"email\" type=\"email\">", asking);
        Assert.DoesNotContain(anonymous.Id, asking);
        // Checkout makes the card the subscription's default_payment_method (the customer's default stays unset), and the portal shows it.
        Assert.NotNull(subscription.DefaultPaymentMethodId);
        Assert.Null((await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).InvoiceSettings.DefaultPaymentMethodId);
        Assert.Matches("<p id=\"payment-method\">Mastercard •••• 4444, expires 12/\\d{4}</p>", home);
        Assert.Contains("Pays with <span class=\"payment-method\">Mastercard •••• 4444</span>", home);
    }

    [Fact]
    public async Task Paying_the_hosted_page_creates_customer_subscription_and_paid_invoice_with_stripes_events_in_order()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var session = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, ct: _ct);
        using var browser = emulator.Browser();

        var page = await browser.GetStringAsync(new Uri(session.Url).PathAndQuery, _ct);
        var paid = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_visa"), ("name", "Ada"));
        var completed = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["subscription", "customer", "line_items"] }, cancellationToken: _ct);
        var invoice = await stripe.V1.Invoices.GetAsync(completed.InvoiceId, cancellationToken: _ct);

        Assert.Matches("^cs_test_", session.Id);
        Assert.Equal(("open", "unpaid", 900L), (session.Status, session.PaymentStatus, session.AmountTotal));
        Assert.Contains("Yapit Plus", page);
        Assert.Contains("$9.00", page);
        Assert.Equal(HttpStatusCode.Redirect, paid.Status);
        Assert.Equal($"https://yapit.example/billing/success?session={session.Id}", paid.Location);
        Assert.Equal(("complete", "paid", "user-42"), (completed.Status, completed.PaymentStatus, completed.ClientReferenceId));
        Assert.Equal(("ada@example.com", "Ada"), (completed.Customer.Email, completed.Customer.Name));
        Assert.Equal(("active", "plus"), (completed.Subscription.Status, completed.Subscription.Metadata["tier"]));
        Assert.Equal("4242", (await stripe.V1.PaymentMethods.GetAsync(completed.Subscription.DefaultPaymentMethodId, cancellationToken: _ct)).Card.Last4);
        Assert.Equal(catalog.PlusMonthly.Id, Assert.Single(completed.LineItems.Data).Price.Id);
        Assert.Equal(("subscription_create", "paid", 900L, completed.SubscriptionId), (invoice.BillingReason, invoice.Status, invoice.AmountPaid, invoice.Parent.SubscriptionDetails.SubscriptionId));

        var events = await StripeNetHarness.EventsAsync(stripe, _ct);
        var flow = events.Select(e => e.Type).SkipWhile(t => t != "customer.created").ToList();
        Assert.Equal(["customer.created", "payment_method.attached", "customer.subscription.created", "invoice.created", "invoice.finalized",
            "payment_intent.created", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded",
            "checkout.session.completed"], flow);
        var completedEvent = (Session)events[^1].Data.Object;
        Assert.Equal((session.Id, completed.SubscriptionId, completed.CustomerId), (completedEvent.Id, completedEvent.SubscriptionId, completedEvent.CustomerId));
    }

    [Fact]
    public async Task A_declined_card_shows_the_error_on_the_page_and_keeps_the_session_open_with_nothing_created()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var session = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, ct: _ct);
        using var browser = emulator.Browser();

        var insufficient = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_chargeDeclinedInsufficientFunds"));
        var failing = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_chargeCustomerFail"));
        var after = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, cancellationToken: _ct);

        Assert.Equal(HttpStatusCode.PaymentRequired, insufficient.Status);
        Assert.Contains("Your card has insufficient funds.", insufficient.Body);
        Assert.Equal(HttpStatusCode.PaymentRequired, failing.Status);
        Assert.Contains("Your card was declined.", failing.Body);
        Assert.Equal("open", after.Status);
        Assert.Empty((await stripe.V1.Customers.ListAsync(cancellationToken: _ct)).Data);
        Assert.Empty((await stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Status = "all" }, cancellationToken: _ct)).Data);
    }

    [Fact]
    public async Task A_card_needing_authentication_leaves_the_subscription_incomplete_until_the_customer_authenticates()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var session = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, ct: _ct);
        using var browser = emulator.Browser();

        var paid = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_authenticationRequired"));
        var pending = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["subscription"] }, cancellationToken: _ct);
        var authPage = await browser.GetStringAsync(paid.Location, _ct);
        var authenticated = await StripeNetHarness.PostFormAsync(browser, new Uri(emulator.BaseAddress, paid.Location).AbsolutePath,
            ("action", "complete"), ("return_to", "https://yapit.example/billing/success?session=" + session.Id));
        var done = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["subscription"] }, cancellationToken: _ct);

        Assert.Contains("/authenticate", paid.Location);
        Assert.Equal(("complete", "unpaid", "incomplete"), (pending.Status, pending.PaymentStatus, pending.Subscription.Status));
        Assert.Contains("Complete authentication", authPage);
        Assert.Equal("https://yapit.example/billing/success?session=" + session.Id, authenticated.Location);
        Assert.Equal(("paid", "active"), (done.PaymentStatus, done.Subscription.Status));
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(["invoice.payment_action_required", "checkout.session.completed"], types.SkipWhile(t => t != "invoice.payment_action_required").Take(2));
        Assert.Equal("checkout.session.async_payment_succeeded", types[^1]);
    }

    [Fact]
    public async Task A_trial_with_a_promotion_code_typed_on_the_page_then_the_operator_shortcut()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var coupon = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { PercentOff = 20, Duration = "forever" }, cancellationToken: _ct);
        await stripe.V1.PromotionCodes.CreateAsync(new PromotionCodeCreateOptions
        {
            Code = "SPRING",
            Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = coupon.Id },
        }, cancellationToken: _ct);
        var withPromo = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, o => o.AllowPromotionCodes = true, _ct);
        var trial = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, o => o.SubscriptionData.TrialPeriodDays = 3, _ct);
        using var browser = emulator.Browser();

        var applied = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{withPromo.Id}/promotion_code", ("promotion_code", "spring"));
        var page = await browser.GetStringAsync($"/checkout/{withPromo.Id}", _ct);
        var discounted = await stripe.V1.Checkout.Sessions.GetAsync(withPromo.Id, cancellationToken: _ct);
        var paid = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{withPromo.Id}/pay", ("card", "pm_card_visa"));
        var subscription = await stripe.V1.Subscriptions.GetAsync((await stripe.V1.Checkout.Sessions.GetAsync(withPromo.Id, cancellationToken: _ct)).SubscriptionId,
            new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);
        var trialPage = await browser.GetStringAsync($"/checkout/{trial.Id}", _ct);
        var shortcut = await StripeNetHarness.PostFormAsync(browser, $"/_emulator/checkout/{trial.Id}/complete", ("card", "pm_card_chargeCustomerFail"));
        var trialDone = await stripe.V1.Checkout.Sessions.GetAsync(trial.Id, new SessionGetOptions { Expand = ["subscription"] }, cancellationToken: _ct);

        Assert.Equal(HttpStatusCode.Redirect, applied.Status);
        Assert.Contains("$7.20", page);
        Assert.Equal((900L, 720L, 180L), (discounted.AmountSubtotal, discounted.AmountTotal, discounted.TotalDetails.AmountDiscount));
        Assert.Equal(HttpStatusCode.Redirect, paid.Status);
        Assert.Equal((720L, "paid"), (subscription.LatestInvoice.AmountPaid, subscription.LatestInvoice.Status));
        Assert.Single(subscription.Discounts);
        Assert.Contains("3 days free", trialPage);
        Assert.Equal(HttpStatusCode.OK, shortcut.Status);
        Assert.Contains("\"redirect\"", shortcut.Body);
        Assert.Equal(("complete", "no_payment_required", "trialing"), (trialDone.Status, trialDone.PaymentStatus, trialDone.Subscription.Status));
    }

    [Fact]
    public async Task A_payment_mode_session_charges_once_and_a_session_can_be_expired_and_listed()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "p@example.com" }, cancellationToken: _ct);
        var payment = await stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            Customer = customer.Id,
            LineItems = [new SessionLineItemOptions { Price = catalog.OneTime.Id, Quantity = 2 }],
            SuccessUrl = "https://yapit.example/ok",
            InvoiceCreation = new SessionInvoiceCreationOptions { Enabled = true },
        }, cancellationToken: _ct);
        var other = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, ct: _ct);
        using var browser = emulator.Browser();

        var paid = await StripeNetHarness.PostFormAsync(browser, $"/checkout/{payment.Id}/pay", ("card", "pm_card_visa"));
        var done = await stripe.V1.Checkout.Sessions.GetAsync(payment.Id, new SessionGetOptions { Expand = ["payment_intent", "invoice"] }, cancellationToken: _ct);
        var expired = await stripe.V1.Checkout.Sessions.ExpireAsync(other.Id, cancellationToken: _ct);
        var lineItems = await stripe.V1.Checkout.Sessions.LineItems.ListAsync(payment.Id, cancellationToken: _ct);
        var listed = await stripe.V1.Checkout.Sessions.ListAsync(new SessionListOptions { Customer = customer.Id }, cancellationToken: _ct);

        Assert.Equal("https://yapit.example/ok", paid.Location);
        Assert.Equal(("complete", "paid", 1000L), (done.Status, done.PaymentStatus, done.AmountTotal));
        Assert.Equal(("succeeded", 1000L), (done.PaymentIntent.Status, done.PaymentIntent.AmountReceived));
        Assert.Equal(("paid", 1000L), (done.Invoice.Status, done.Invoice.AmountPaid));
        Assert.Equal("expired", expired.Status);
        Assert.Equal((2L, 1000L), (Assert.Single(lineItems.Data).Quantity, lineItems.Data[0].AmountTotal));
        Assert.Equal(payment.Id, Assert.Single(listed.Data).Id);
        Assert.Contains("checkout.session.expired", (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task Every_event_of_a_purchase_is_forwarded_signed_and_verifies_with_EventUtility()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var forwarding = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { ForwardTo = receiver.Url });
        var stripe = forwarding.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var session = await SubscriptionSessionAsync(stripe, catalog.PlusMonthly, ct: _ct);
        using var browser = forwarding.Browser();

        await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_visa"));
        var expected = (await StripeNetHarness.EventsAsync(stripe, _ct)).Count;
        var received = await receiver.WaitUntilAsync(r => r.Count >= expected);

        var verified = received.Select(r => EventUtility.ConstructEvent(System.Text.Encoding.UTF8.GetString(r.Body), r.Signature, forwarding.WebhookSecret)).ToList();
        Assert.Equal(expected, verified.Count);
        Assert.All(verified, e => Assert.Equal("2026-10-28.endive", e.ApiVersion));
        var completed = Assert.Single(verified, e => e.Type == "checkout.session.completed");
        Assert.Equal(session.Id, ((Session)completed.Data.Object).Id);
        var subscription = (Subscription)Assert.Single(verified, e => e.Type == "customer.subscription.created").Data.Object;
        Assert.Equal(900L, subscription.Items.Data[0].Price.UnitAmount);
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(System.Text.Encoding.UTF8.GetString(received[0].Body), received[0].Signature, "whsec_wrong"));
    }
}
