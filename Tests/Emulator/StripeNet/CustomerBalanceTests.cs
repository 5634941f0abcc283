using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// The customer's credit balance (https://docs.stripe.com/billing/customer/balance): a negative invoice total becomes
/// credit in <c>customer.balance</c>, the next invoices apply it before charging (<c>starting_balance</c>,
/// <c>ending_balance</c>), every move is a <c>customer_balance_transaction</c>, and previews count it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CustomerBalanceTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 5, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime ChangeAt = Start.AddDays(10);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task An_always_invoice_downgrade_leaves_credit_that_the_renewal_spends_to_the_cent()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.MaxMonthly, _ct);
        await stripe.AdvanceAsync(clock, ChangeAt, _ct);
        var eventsBefore = (await StripeNetHarness.EventsAsync(stripe, _ct)).Count;

        var downgraded = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = catalog.PlusMonthly.Id }],
            ProrationBehavior = "always_invoice",
        }, cancellationToken: _ct);

        var end = Start.AddMonths(1);
        var credit = -StripeNetHarness.Prorated(1900, ChangeAt, Start, end) + StripeNetHarness.Prorated(900, ChangeAt, Start, end);
        Assert.True(credit < 0 && -credit < 900, $"the downgrade credits less than a Plus month: {credit}");
        var downgradeInvoice = await stripe.V1.Invoices.GetAsync(downgraded.LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(("paid", credit, 0L, 0L, (long?)credit), (downgradeInvoice.Status, downgradeInvoice.Total, downgradeInvoice.AmountDue, downgradeInvoice.StartingBalance, downgradeInvoice.EndingBalance));
        Assert.Equal(credit, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);

        // The credit is told as customer.updated with the balance it had before.
        var updated = (await StripeNetHarness.EventsAsync(stripe, _ct)).Skip(eventsBefore).Single(e => e.Type == "customer.updated");
        Assert.Equal(credit, ((Customer)updated.Data.Object).Balance);
        string? previousBalance = updated.Data.PreviousAttributes["balance"]?.ToString();
        Assert.Equal("0", previousBalance);

        // The preview of the renewal counts the credit, and the renewal charges exactly that.
        var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Subscription = subscription.Id }, cancellationToken: _ct);
        Assert.Equal((900L, credit, 900 + credit), (preview.Total, preview.StartingBalance, preview.AmountDue));

        await stripe.AdvanceAsync(clock, end.AddHours(1), _ct);
        var renewed = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        var renewal = await stripe.V1.Invoices.GetAsync(renewed.LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(("subscription_cycle", "paid", 900L, credit, (long?)0), (renewal.BillingReason, renewal.Status, renewal.Total, renewal.StartingBalance, renewal.EndingBalance));
        Assert.Equal((preview.AmountDue, 900 + credit), (renewal.AmountDue, renewal.AmountPaid));
        var intent = await stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customer.Id, Limit = 1 }, cancellationToken: _ct);
        Assert.Equal(900 + credit, intent.Data[0].Amount);
        Assert.Equal(0L, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);

        // The ledger, newest first: the renewal spent the credit the downgrade made.
        var ledger = await new CustomerBalanceTransactionService(stripe).ListAsync(customer.Id, cancellationToken: _ct);
        Assert.Equal(
            [("applied_to_invoice", -credit, 0L, renewal.Id), ("applied_to_invoice", credit, credit, downgradeInvoice.Id)],
            ledger.Data.Select(t => (t.Type, t.Amount, t.EndingBalance, t.InvoiceId)).ToList());
        Assert.All(ledger.Data, t => Assert.Equal(("usd", customer.Id), (t.Currency, t.CustomerId)));
        Assert.StartsWith("cbtxn_", ledger.Data[0].Id);
    }

    [Fact]
    public async Task A_manual_credit_is_an_adjustment_that_the_first_invoice_applies_before_charging()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_visa", _ct);
        var balances = new CustomerBalanceTransactionService(stripe);

        var adjustment = await balances.CreateAsync(customer.Id, new CustomerBalanceTransactionCreateOptions
        {
            Amount = -500, Currency = "usd", Description = "Goodwill credit",
        }, cancellationToken: _ct);
        Assert.Equal(("adjustment", -500L, -500L, "Goodwill credit"), (adjustment.Type, adjustment.Amount, adjustment.EndingBalance, adjustment.Description));
        Assert.Null(adjustment.InvoiceId);
        var read = await balances.GetAsync(customer.Id, adjustment.Id, cancellationToken: _ct);
        Assert.Equal(adjustment.Id, read.Id);
        var renamed = await balances.UpdateAsync(customer.Id, adjustment.Id, new CustomerBalanceTransactionUpdateOptions
        {
            Description = "Sorry for the outage", Metadata = new Dictionary<string, string> { ["ticket"] = "T-1" },
        }, cancellationToken: _ct);
        Assert.Equal(("Sorry for the outage", "T-1", -500L), (renamed.Description, renamed.Metadata["ticket"], renamed.Amount));
        Assert.Equal(-500L, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);

        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        var invoice = await stripe.V1.Invoices.GetAsync(subscription.LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(("active", "paid"), (subscription.Status, invoice.Status));
        Assert.Equal((900L, -500L, (long?)0, 400L, 400L), (invoice.Total, invoice.StartingBalance, invoice.EndingBalance, invoice.AmountDue, invoice.AmountPaid));
        Assert.Equal(0L, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);
        var ledger = await balances.ListAsync(customer.Id, cancellationToken: _ct);
        Assert.Equal([("applied_to_invoice", 500L, invoice.Id), ("adjustment", -500L, null)], ledger.Data.Select(t => (t.Type, t.Amount, t.InvoiceId)).ToList());
    }

    [Fact]
    public async Task Credit_larger_than_the_invoice_pays_it_without_a_card_and_keeps_the_rest()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "credit@example.com", Balance = -1500 }, cancellationToken: _ct);

        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);

        var invoice = await stripe.V1.Invoices.GetAsync(subscription.LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(("active", "paid", 0L, -1500L, (long?)-600), (subscription.Status, invoice.Status, invoice.AmountDue, invoice.StartingBalance, invoice.EndingBalance));
        Assert.Empty((await stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customer.Id }, cancellationToken: _ct)).Data);
        Assert.Equal(-600L, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);
        var ledger = await new CustomerBalanceTransactionService(stripe).ListAsync(customer.Id, cancellationToken: _ct);
        Assert.Equal([("applied_to_invoice", 900L, -600L), ("initial", -1500L, -1500L)], ledger.Data.Select(t => (t.Type, t.Amount, t.EndingBalance)).ToList());
    }

    [Fact]
    public async Task Setting_the_balance_on_the_customer_is_an_adjustment_told_by_customer_updated()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "owes@example.com" }, cancellationToken: _ct);
        var before = (await StripeNetHarness.EventsAsync(stripe, _ct)).Count;

        var updated = await stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { Balance = 250 }, cancellationToken: _ct);

        Assert.Equal(250L, updated.Balance);
        var evt = Assert.Single((await StripeNetHarness.EventsAsync(stripe, _ct)).Skip(before));
        string? previousBalance = evt.Data.PreviousAttributes["balance"]?.ToString();
        Assert.Equal(("customer.updated", "0"), (evt.Type, previousBalance));
        var entry = Assert.Single((await new CustomerBalanceTransactionService(stripe).ListAsync(customer.Id, cancellationToken: _ct)).Data);
        Assert.Equal(("adjustment", 250L, 250L), (entry.Type, entry.Amount, entry.EndingBalance));
    }

    [Fact]
    public async Task Voiding_an_invoice_gives_back_the_credit_it_used()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_chargeCustomerFail", _ct);
        await stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { Balance = -300 }, cancellationToken: _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o => o.PaymentBehavior = "allow_incomplete");
        var invoice = await stripe.V1.Invoices.GetAsync(subscription.LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(("open", 600L, 0L), (invoice.Status, invoice.AmountDue, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance));

        await stripe.V1.Invoices.VoidInvoiceAsync(invoice.Id, cancellationToken: _ct);

        Assert.Equal(-300L, (await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct)).Balance);
        var last = (await new CustomerBalanceTransactionService(stripe).ListAsync(customer.Id, cancellationToken: _ct)).Data[0];
        Assert.Equal(("unapplied_from_invoice", -300L, invoice.Id), (last.Type, last.Amount, last.InvoiceId));
    }

    [Fact]
    public async Task Bad_balance_transactions_are_refused_naming_the_field()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "bad@example.com" }, cancellationToken: _ct);
        var balances = new CustomerBalanceTransactionService(stripe);

        var missing = await Assert.ThrowsAsync<StripeException>(() => balances.CreateAsync(customer.Id, new CustomerBalanceTransactionCreateOptions { Currency = "usd" }, cancellationToken: _ct));
        Assert.Equal((HttpStatusCode.BadRequest, "amount"), (missing.HttpStatusCode, missing.StripeError.Param));
        var unknown = await Assert.ThrowsAsync<StripeException>(() => balances.GetAsync(customer.Id, "cbtxn_missing", cancellationToken: _ct));
        Assert.Equal(HttpStatusCode.NotFound, unknown.HttpStatusCode);
    }
}
