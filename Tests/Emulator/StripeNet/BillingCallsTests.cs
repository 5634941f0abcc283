using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// Issue 22 item 6: the calls a billing backend makes beside subscriptions, through Stripe.net: subscription items,
/// invoice items and one-off invoices, refunds, credit notes, setup intents and a customer's discount, with their
/// events and Stripe's errors.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BillingCallsTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(StripeClient Stripe, StripeNetHarness.Catalog Catalog, Customer Customer)> SetUpAsync(string card = "pm_card_visa")
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, card, _ct);
        return (stripe, catalog, customer);
    }

    private async Task<(Subscription Subscription, Invoice Invoice, string PaymentIntent)> PaidSubscriptionAsync(StripeClient stripe, Customer customer, Price price)
    {
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id, Items = [new SubscriptionItemOptions { Price = price.Id }],
        }, cancellationToken: _ct);
        var invoice = await stripe.V1.Invoices.GetAsync(subscription.LatestInvoiceId, cancellationToken: _ct);
        var payment = Assert.Single(await stripe.V1.InvoicePayments.ListAsync(new InvoicePaymentListOptions { Invoice = invoice.Id }, cancellationToken: _ct));
        return (subscription, invoice, payment.Payment.PaymentIntentId);
    }

    private static void AssertError(StripeException error, HttpStatusCode status, string type, string? code, string? param)
    {
        Assert.Equal(status, error.HttpStatusCode);
        Assert.Equal((type, code, param), (error.StripeError.Type, error.StripeError.Code, error.StripeError.Param));
    }

    [Fact]
    public async Task Subscription_items_are_created_listed_and_deleted_with_the_updates_prorations_and_events()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id, Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
        }, cancellationToken: _ct);

        var added = await stripe.V1.SubscriptionItems.CreateAsync(new SubscriptionItemCreateOptions
        {
            Subscription = subscription.Id, Price = catalog.MaxMonthly.Id, Quantity = 2, ProrationBehavior = "create_prorations",
        }, cancellationToken: _ct);
        var listed = await stripe.V1.SubscriptionItems.ListAsync(new SubscriptionItemListOptions { Subscription = subscription.Id }, cancellationToken: _ct);
        var pending = await stripe.V1.InvoiceItems.ListAsync(new InvoiceItemListOptions { Customer = customer.Id, Pending = true }, cancellationToken: _ct);
        var retrieved = await stripe.V1.SubscriptionItems.GetAsync(added.Id, cancellationToken: _ct);

        Assert.Equal((catalog.MaxMonthly.Id, 2L, subscription.Id), (added.Price.Id, added.Quantity, added.Subscription));
        Assert.Equal(added.Id, retrieved.Id);
        Assert.Equal(2, listed.Data.Count);
        var proration = Assert.Single(pending.Data);
        Assert.True(proration.Proration);
        Assert.StartsWith("Remaining time on 2 × Yapit Max", proration.Description, StringComparison.Ordinal);

        var duplicate = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SubscriptionItems.CreateAsync(new SubscriptionItemCreateOptions
        {
            Subscription = subscription.Id, Price = catalog.MaxMonthly.Id,
        }, cancellationToken: _ct));
        AssertError(duplicate, HttpStatusCode.BadRequest, "invalid_request_error", null, "price");
        var oneTime = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SubscriptionItems.CreateAsync(new SubscriptionItemCreateOptions
        {
            Subscription = subscription.Id, Price = catalog.OneTime.Id,
        }, cancellationToken: _ct));
        Assert.Equal(HttpStatusCode.BadRequest, oneTime.HttpStatusCode);
        Assert.Contains("type=recurring", oneTime.StripeError.Message, StringComparison.Ordinal);

        var deleted = await stripe.V1.SubscriptionItems.DeleteAsync(added.Id, new SubscriptionItemDeleteOptions { ProrationBehavior = "none" }, cancellationToken: _ct);
        var after = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        Assert.True(deleted.Deleted);
        Assert.Equal(catalog.PlusMonthly.Id, Assert.Single(after.Items.Data).Price.Id);

        var last = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SubscriptionItems.DeleteAsync(after.Items.Data[0].Id, cancellationToken: _ct));
        AssertError(last, HttpStatusCode.BadRequest, "invalid_request_error", null, null);
        var missing = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SubscriptionItems.DeleteAsync("si_nothing", cancellationToken: _ct));
        AssertError(missing, HttpStatusCode.NotFound, "invalid_request_error", "resource_missing", "id");

        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(2, types.Count(t => t == "customer.subscription.updated"));
        Assert.Contains("invoiceitem.created", types);
    }

    [Fact]
    public async Task A_one_off_invoice_takes_the_pending_items_only_when_asked_and_is_finalized_paid_or_voided()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var fee = await stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions
        {
            Customer = customer.Id, Amount = 250, Currency = "usd", Description = "Setup fee",
        }, cancellationToken: _ct);
        var pack = await stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions
        {
            Customer = customer.Id, Pricing = new InvoiceItemPricingOptions { Price = catalog.OneTime.Id }, Quantity = 2,
        }, cancellationToken: _ct);

        var empty = await stripe.V1.Invoices.CreateAsync(new InvoiceCreateOptions { Customer = customer.Id }, cancellationToken: _ct);
        var invoice = await stripe.V1.Invoices.CreateAsync(new InvoiceCreateOptions
        {
            Customer = customer.Id, PendingInvoiceItemsBehavior = "include", Description = "Credits",
        }, cancellationToken: _ct);

        Assert.Equal(("draft", 0L, 0), (empty.Status, empty.Total, empty.Lines.Data.Count));
        Assert.Equal(("draft", "manual", 1250L, 1250L), (invoice.Status, invoice.BillingReason, invoice.Total, invoice.AmountDue));
        Assert.Equal([fee.Id, pack.Id], invoice.Lines.Data.Select(l => l.Parent.InvoiceItemDetails.InvoiceItem));
        Assert.Equal((1000L, "Credit pack"), (pack.Amount, pack.Description));
        Assert.Equal(invoice.Id, (await stripe.V1.InvoiceItems.GetAsync(fee.Id, cancellationToken: _ct)).InvoiceId);

        var finalized = await stripe.V1.Invoices.FinalizeInvoiceAsync(invoice.Id, cancellationToken: _ct);
        Assert.Equal("open", finalized.Status);
        Assert.NotNull(finalized.Number);
        var locked = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.InvoiceItems.DeleteAsync(fee.Id, cancellationToken: _ct));
        Assert.Equal(HttpStatusCode.BadRequest, locked.HttpStatusCode);
        var paid = await stripe.V1.Invoices.PayAsync(invoice.Id, cancellationToken: _ct);
        Assert.Equal(("paid", 1250L, 0L), (paid.Status, paid.AmountPaid, paid.AmountRemaining));

        // An item put straight on a draft becomes its line; voiding the finalized draft ends it.
        var line = await stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions
        {
            Customer = customer.Id, Amount = 700, Currency = "usd", Invoice = empty.Id,
        }, cancellationToken: _ct);
        var withLine = await stripe.V1.Invoices.GetAsync(empty.Id, cancellationToken: _ct);
        Assert.Equal((700L, line.Id), (withLine.Total, Assert.Single(withLine.Lines.Data).Parent.InvoiceItemDetails.InvoiceItem));
        await stripe.V1.Invoices.FinalizeInvoiceAsync(empty.Id, cancellationToken: _ct);
        var voided = await stripe.V1.Invoices.VoidInvoiceAsync(empty.Id, cancellationToken: _ct);
        Assert.Equal(("void", 0L), (voided.Status, voided.AmountRemaining));

        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).Where(t => t.StartsWith("invoice", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, types.Count(t => t == "invoiceitem.created"));
        Assert.Equal(2, types.Count(t => t == "invoice.created"));
        Assert.Contains("invoice.finalized", types);
        Assert.Contains("invoice.paid", types);
        Assert.Contains("invoice.voided", types);
    }

    [Fact]
    public async Task Invoice_items_are_refused_as_Stripe_refuses_them()
    {
        var (stripe, catalog, customer) = await SetUpAsync();

        var recurring = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions
        {
            Customer = customer.Id, Pricing = new InvoiceItemPricingOptions { Price = catalog.PlusMonthly.Id },
        }, cancellationToken: _ct));
        var noCurrency = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions
        {
            Customer = customer.Id, Amount = 100,
        }, cancellationToken: _ct));
        var noCustomer = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions
        {
            Customer = "cus_nobody", Amount = 100, Currency = "usd",
        }, cancellationToken: _ct));
        var sendInvoice = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Invoices.CreateAsync(new InvoiceCreateOptions
        {
            Customer = customer.Id, CollectionMethod = "send_invoice",
        }, cancellationToken: _ct));

        AssertError(recurring, HttpStatusCode.BadRequest, "invalid_request_error", null, "pricing[price]");
        AssertError(noCurrency, HttpStatusCode.BadRequest, "invalid_request_error", "parameter_missing", "currency");
        AssertError(noCustomer, HttpStatusCode.BadRequest, "invalid_request_error", "resource_missing", "customer");
        AssertError(sendInvoice, HttpStatusCode.BadRequest, "invalid_request_error", null, "days_until_due");
    }

    [Fact]
    public async Task A_paid_invoice_is_refunded_up_to_what_was_paid_with_refund_and_charge_events()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var (_, invoice, intentId) = await PaidSubscriptionAsync(stripe, customer, catalog.PlusMonthly);
        var intent = await stripe.V1.PaymentIntents.GetAsync(intentId, cancellationToken: _ct);

        var part = await stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 300, Reason = "requested_by_customer" }, cancellationToken: _ct);
        var tooMuch = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Refunds.CreateAsync(
            new RefundCreateOptions { Charge = intent.LatestChargeId, Amount = 601 }, cancellationToken: _ct));
        var rest = await stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { Charge = intent.LatestChargeId }, cancellationToken: _ct);
        var again = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Refunds.CreateAsync(
            new RefundCreateOptions { PaymentIntent = intentId }, cancellationToken: _ct));
        var charge = await stripe.V1.Charges.GetAsync(intent.LatestChargeId, cancellationToken: _ct);

        Assert.Equal((900L, 300L, "succeeded", intent.LatestChargeId, "requested_by_customer"), (invoice.AmountPaid, part.Amount, part.Status, part.ChargeId, part.Reason));
        Assert.Equal(600L, rest.Amount);
        AssertError(tooMuch, HttpStatusCode.BadRequest, "invalid_request_error", null, "amount");
        AssertError(again, HttpStatusCode.BadRequest, "invalid_request_error", "charge_already_refunded", "payment_intent");
        Assert.Equal((900L, 900L, true, intentId), (charge.Amount, charge.AmountRefunded, charge.Refunded, charge.PaymentIntentId));

        var events = await StripeNetHarness.EventsAsync(stripe, _ct);
        Assert.Equal(2, events.Count(e => e.Type == "refund.created"));
        var refunded = events.Where(e => e.Type == "charge.refunded").Select(e => (Charge)e.Data.Object).ToList();
        Assert.Equal([300L, 900L], refunded.Select(c => c.AmountRefunded));
        var unpaid = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Refunds.CreateAsync(new RefundCreateOptions(), cancellationToken: _ct));
        AssertError(unpaid, HttpStatusCode.BadRequest, "invalid_request_error", "parameter_missing", "charge");
    }

    [Fact]
    public async Task Credit_notes_for_a_paid_invoice_refund_credit_or_record_and_never_exceed_what_was_paid()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var (_, invoice, intentId) = await PaidSubscriptionAsync(stripe, customer, catalog.PlusMonthly);
        var line = Assert.Single(invoice.Lines.Data);

        var refundNote = await stripe.V1.CreditNotes.CreateAsync(new CreditNoteCreateOptions
        {
            Invoice = invoice.Id, RefundAmount = 400, Reason = "product_unsatisfactory",
            Lines = [new CreditNoteLineOptions { Type = "invoice_line_item", InvoiceLineItem = line.Id, Amount = 400 }],
        }, cancellationToken: _ct);
        var creditNote = await stripe.V1.CreditNotes.CreateAsync(new CreditNoteCreateOptions { Invoice = invoice.Id, Amount = 100, CreditAmount = 100 }, cancellationToken: _ct);
        var tooMuch = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.CreditNotes.CreateAsync(
            new CreditNoteCreateOptions { Invoice = invoice.Id, Amount = 401, OutOfBandAmount = 401 }, cancellationToken: _ct));
        var unbalanced = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.CreditNotes.CreateAsync(
            new CreditNoteCreateOptions { Invoice = invoice.Id, Amount = 200, RefundAmount = 100 }, cancellationToken: _ct));
        var lineTooMuch = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.CreditNotes.CreateAsync(new CreditNoteCreateOptions
        {
            Invoice = invoice.Id, OutOfBandAmount = 600,
            Lines = [new CreditNoteLineOptions { Type = "invoice_line_item", InvoiceLineItem = line.Id, Amount = 600 }],
        }, cancellationToken: _ct));
        var outOfBand = await stripe.V1.CreditNotes.CreateAsync(new CreditNoteCreateOptions { Invoice = invoice.Id, Amount = 400, OutOfBandAmount = 400 }, cancellationToken: _ct);

        Assert.Equal(("issued", "post_payment", 400L, 400L, 0L), (refundNote.Status, refundNote.Type, refundNote.Total, refundNote.PostPaymentAmount, refundNote.PrePaymentAmount));
        Assert.Equal($"{invoice.Number}-CN-01", refundNote.Number);
        var cnLine = Assert.Single(refundNote.Lines.Data);
        Assert.Equal(("invoice_line_item", line.Id, 400L), (cnLine.Type, cnLine.InvoiceLineItem, cnLine.Amount));
        var refund = await stripe.V1.Refunds.GetAsync(Assert.Single(refundNote.Refunds).RefundId, cancellationToken: _ct);
        Assert.Equal((400L, intentId), (refund.Amount, refund.PaymentIntentId));
        Assert.Equal(100L, creditNote.Total);
        Assert.Equal(-100L, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);
        // Stripe records the credit as a customer balance transaction of type credit_note, linked from the note.
        var credited = await stripe.V1.Customers.BalanceTransactions.GetAsync(customer.Id, creditNote.CustomerBalanceTransactionId, cancellationToken: _ct);
        Assert.Equal(("credit_note", -100L, creditNote.Id, -100L), (credited.Type, credited.Amount, credited.CreditNoteId, credited.EndingBalance));
        AssertError(tooMuch, HttpStatusCode.BadRequest, "invalid_request_error", null, "amount");
        AssertError(unbalanced, HttpStatusCode.BadRequest, "invalid_request_error", null, "refund_amount");
        AssertError(lineTooMuch, HttpStatusCode.BadRequest, "invalid_request_error", null, "lines[0][amount]");
        Assert.Equal(400L, outOfBand.OutOfBandAmount);

        var after = await stripe.V1.Invoices.GetAsync(invoice.Id, cancellationToken: _ct);
        Assert.Equal(("paid", 900L, 0L), (after.Status, after.PostPaymentCreditNotesAmount, after.PrePaymentCreditNotesAmount));
        var listed = await stripe.V1.CreditNotes.ListAsync(new CreditNoteListOptions { Invoice = invoice.Id }, cancellationToken: _ct);
        Assert.Equal(3, listed.Data.Count);
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(3, types.Count(t => t == "credit_note.created"));
        Assert.Contains("refund.created", types);
    }

    [Fact]
    public async Task A_credit_note_on_an_open_invoice_lowers_what_is_due()
    {
        var (stripe, _, customer) = await SetUpAsync();
        await stripe.V1.InvoiceItems.CreateAsync(new InvoiceItemCreateOptions { Customer = customer.Id, Amount = 1000, Currency = "usd" }, cancellationToken: _ct);
        var draft = await stripe.V1.Invoices.CreateAsync(new InvoiceCreateOptions { Customer = customer.Id, PendingInvoiceItemsBehavior = "include" }, cancellationToken: _ct);
        var open = await stripe.V1.Invoices.FinalizeInvoiceAsync(draft.Id, cancellationToken: _ct);

        var refundOnOpen = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.CreditNotes.CreateAsync(
            new CreditNoteCreateOptions { Invoice = open.Id, Amount = 300, RefundAmount = 300 }, cancellationToken: _ct));
        var note = await stripe.V1.CreditNotes.CreateAsync(new CreditNoteCreateOptions
        {
            Invoice = open.Id,
            Lines = [new CreditNoteLineOptions { Type = "custom_line_item", Description = "Goodwill", UnitAmount = 300, Quantity = 1 }],
        }, cancellationToken: _ct);
        var lowered = await stripe.V1.Invoices.GetAsync(open.Id, cancellationToken: _ct);
        var paid = await stripe.V1.Invoices.PayAsync(open.Id, cancellationToken: _ct);

        AssertError(refundOnOpen, HttpStatusCode.BadRequest, "invalid_request_error", null, "refund_amount");
        Assert.Equal(("pre_payment", 300L), (note.Type, note.PrePaymentAmount));
        Assert.Equal((700L, 700L, 300L), (lowered.AmountDue, lowered.AmountRemaining, lowered.PrePaymentCreditNotesAmount));
        Assert.Equal(("paid", 700L), (paid.Status, paid.AmountPaid));
    }

    [Fact]
    public async Task A_setup_intent_saves_a_card_to_the_customer_and_a_declined_card_fails_with_its_event()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "grace@example.com" }, cancellationToken: _ct);

        var created = await stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions { Customer = customer.Id, Usage = "off_session" }, cancellationToken: _ct);
        var confirmed = await stripe.V1.SetupIntents.ConfirmAsync(created.Id, new SetupIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: _ct);
        var saved = Assert.Single(await stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id }, cancellationToken: _ct));

        Assert.Equal(("requires_payment_method", "off_session"), (created.Status, created.Usage));
        Assert.StartsWith(created.Id + "_secret_", created.ClientSecret, StringComparison.Ordinal);
        Assert.Equal("succeeded", confirmed.Status);
        Assert.Equal((confirmed.PaymentMethodId, "4242"), (saved.Id, saved.Card.Last4));

        var declined = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id, PaymentMethod = "pm_card_chargeDeclinedInsufficientFunds", Confirm = true,
        }, cancellationToken: _ct));
        Assert.Equal((HttpStatusCode.PaymentRequired, "card_error", "card_declined", "insufficient_funds"),
            (declined.HttpStatusCode, declined.StripeError.Type, declined.StripeError.Code, declined.StripeError.DeclineCode));
        var failed = (await stripe.V1.SetupIntents.ListAsync(new SetupIntentListOptions { Customer = customer.Id }, cancellationToken: _ct)).Data[0];
        Assert.Equal(("requires_payment_method", "insufficient_funds"), (failed.Status, failed.LastSetupError.DeclineCode));
        var secure = await stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id, PaymentMethod = "pm_card_authenticationRequired", Confirm = true,
        }, cancellationToken: _ct);
        Assert.Equal(("requires_action", "use_stripe_sdk"), (secure.Status, secure.NextAction.Type));
        var canceled = await stripe.V1.SetupIntents.CancelAsync(secure.Id, new SetupIntentCancelOptions { CancellationReason = "abandoned" }, cancellationToken: _ct);
        Assert.Equal("canceled", canceled.Status);
        var again = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.SetupIntents.ConfirmAsync(confirmed.Id, cancellationToken: _ct));
        AssertError(again, HttpStatusCode.BadRequest, "invalid_request_error", "setup_intent_unexpected_state", null);

        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).Where(t => t.StartsWith("setup_intent", StringComparison.Ordinal) || t == "payment_method.attached").ToList();
        Assert.Equal(
            ["setup_intent.created", "payment_method.attached", "setup_intent.succeeded", "setup_intent.created", "setup_intent.setup_failed",
             "setup_intent.created", "setup_intent.requires_action", "setup_intent.canceled"],
            types);
    }

    [Fact]
    public async Task Deleting_the_discount_of_a_customer_without_one_is_Stripes_404()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "nodiscount@example.com" }, cancellationToken: _ct);

        var error = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Customers.DeleteDiscountAsync(customer.Id, cancellationToken: _ct));

        AssertError(error, HttpStatusCode.NotFound, "invalid_request_error", "resource_missing", null);
        Assert.Contains(customer.Id, error.StripeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setup_intent_that_needs_3D_Secure_saves_the_card_once_its_hosted_step_is_completed_and_fails_when_refused()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "secure@example.com" }, cancellationToken: _ct);
        using var browser = emulator.Browser();

        var pending = await stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id, PaymentMethod = "pm_card_authenticationRequired", Confirm = true, ReturnUrl = "https://app.example/cards?from=setup",
        }, cancellationToken: _ct);
        var step = new Uri(pending.NextAction.RedirectToUrl.Url);
        var page = await browser.GetStringAsync(step.PathAndQuery, _ct);
        var completed = await StripeNetHarness.PostFormAsync(browser, step.AbsolutePath, ("action", "complete"), ("return_to", "https://app.example/cards?from=setup"));
        var saved = await stripe.V1.SetupIntents.GetAsync(pending.Id, cancellationToken: _ct);
        var again = await StripeNetHarness.PostFormAsync(browser, step.AbsolutePath, ("action", "complete"));

        var refused = await stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id, PaymentMethod = "pm_card_authenticationRequired", Confirm = true,
        }, cancellationToken: _ct);
        var sdkStep = new Uri(refused.NextAction.UseStripeSdk["stripe_js"]?.ToString() ?? throw new InvalidOperationException("no stripe_js step"));
        await StripeNetHarness.PostFormAsync(browser, sdkStep.AbsolutePath, ("action", "fail"));
        var failed = await stripe.V1.SetupIntents.GetAsync(refused.Id, cancellationToken: _ct);
        var cards = await stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id }, cancellationToken: _ct);

        Assert.Equal(("requires_action", "redirect_to_url"), (pending.Status, pending.NextAction.Type));
        Assert.Contains("Authenticate this card", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, completed.Status);
        Assert.StartsWith($"https://app.example/cards?from=setup&setup_intent={pending.Id}&setup_intent_client_secret=", completed.Location, StringComparison.Ordinal);
        Assert.EndsWith("&redirect_status=succeeded", completed.Location, StringComparison.Ordinal);
        Assert.Equal(("succeeded", (string?)null), (saved.Status, saved.NextAction?.Type));
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal(("requires_payment_method", "setup_intent_authentication_failure", (string?)null), (failed.Status, failed.LastSetupError.Code, failed.PaymentMethodId));
        Assert.Equal(saved.PaymentMethodId, Assert.Single(cards).Id);
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).Where(t => t.StartsWith("setup_intent", StringComparison.Ordinal) || t == "payment_method.attached").ToList();
        Assert.Equal(
            ["setup_intent.created", "setup_intent.requires_action", "payment_method.attached", "setup_intent.succeeded",
             "setup_intent.created", "setup_intent.requires_action", "setup_intent.setup_failed"],
            types);
    }

    [Fact]
    public async Task A_card_that_needs_3D_Secure_until_set_up_pays_without_it_once_a_setup_intent_authenticated_it()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "onsetup@example.com" }, cancellationToken: _ct);
        using var browser = emulator.Browser();

        var setup = await stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id, PaymentMethod = "pm_card_authenticationRequiredOnSetup", Confirm = true, ReturnUrl = "https://app.example/cards",
        }, cancellationToken: _ct);
        await StripeNetHarness.PostFormAsync(browser, new Uri(setup.NextAction.RedirectToUrl.Url).AbsolutePath, ("action", "complete"));
        var saved = await stripe.V1.SetupIntents.GetAsync(setup.Id, cancellationToken: _ct);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id, DefaultPaymentMethod = saved.PaymentMethodId, Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
        }, cancellationToken: _ct);

        Assert.Equal(("requires_action", "succeeded"), (setup.Status, saved.Status));
        Assert.Equal("active", subscription.Status);
    }
}
