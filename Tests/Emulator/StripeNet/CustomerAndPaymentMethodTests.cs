using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Customers and test-card payment methods through Stripe.net.</summary>
[Trait("Category", "Integration")]
public sealed class CustomerAndPaymentMethodTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_customer_is_created_read_updated_listed_searched_and_deleted()
    {
        var stripe = emulator.StripeNet();
        var created = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "ada@example.com",
            Name = "Ada Lovelace",
            Metadata = new() { ["user_id"] = "u-1", ["plan"] = "plus" },
        }, cancellationToken: _ct);
        await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "bob@example.com" }, cancellationToken: _ct);

        var read = await stripe.V1.Customers.GetAsync(created.Id, cancellationToken: _ct);
        var updated = await stripe.V1.Customers.UpdateAsync(created.Id, new CustomerUpdateOptions
        {
            Name = "Ada King",
            Metadata = new() { ["plan"] = "" },
        }, cancellationToken: _ct);
        var byEmail = await stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "ada@example.com" }, cancellationToken: _ct);
        var byMetadata = await stripe.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = "metadata['user_id']:'u-1'" }, cancellationToken: _ct);
        var byEmailSearch = await stripe.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = "email:'bob@example.com'" }, cancellationToken: _ct);
        var deleted = await stripe.V1.Customers.DeleteAsync(created.Id, cancellationToken: _ct);
        var afterDelete = await stripe.V1.Customers.GetAsync(created.Id, cancellationToken: _ct);
        var refusedUpdate = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Customers.UpdateAsync(created.Id, new CustomerUpdateOptions { Name = "Ada" }, cancellationToken: _ct));
        var refusedDelete = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Customers.DeleteAsync(created.Id, cancellationToken: _ct));
        var listedAfter = await stripe.V1.Customers.ListAsync(new CustomerListOptions(), cancellationToken: _ct);
        var searchedAfter = await stripe.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = "metadata['user_id']:'u-1'" }, cancellationToken: _ct);

        Assert.Matches("^cus_[A-Za-z0-9]{14}$", created.Id);
        Assert.Equal(("ada@example.com", "Ada Lovelace", false), (read.Email, read.Name, read.Livemode));
        Assert.Null(read.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal("Ada King", updated.Name);
        Assert.Equal(new Dictionary<string, string> { ["user_id"] = "u-1" }, updated.Metadata);
        Assert.Equal(created.Id, Assert.Single(byEmail.Data).Id);
        Assert.Equal(created.Id, Assert.Single(byMetadata.Data).Id);
        Assert.Equal("bob@example.com", Assert.Single(byEmailSearch.Data).Email);
        Assert.True(deleted.Deleted);
        Assert.Equal((created.Id, "customer", true), (afterDelete.Id, afterDelete.Object, afterDelete.Deleted));
        Assert.Null(afterDelete.Email);
        Assert.Equal((404, "resource_missing", $"No such customer: '{created.Id}'"), ((int)refusedUpdate.HttpStatusCode, refusedUpdate.StripeError.Code, refusedUpdate.StripeError.Message));
        Assert.Equal((404, "resource_missing"), ((int)refusedDelete.HttpStatusCode, refusedDelete.StripeError.Code));
        Assert.DoesNotContain(listedAfter.Data, c => c.Id == created.Id);
        Assert.Empty(searchedAfter.Data);

        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(["customer.created", "customer.created", "customer.updated", "customer.deleted"], types);
        var update = (await StripeNetHarness.EventsAsync(stripe, _ct))[2];
        string? previousName = update.Data.PreviousAttributes["name"]?.ToString();
        Assert.Equal("Ada Lovelace", previousName);
    }

    [Fact]
    public async Task Attaching_a_test_card_creates_a_card_payment_method_that_can_be_the_customers_default_and_be_detached()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "ada@example.com" }, cancellationToken: _ct);

        var visa = await stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);
        var mastercard = await stripe.V1.PaymentMethods.AttachAsync("pm_card_mastercard", new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);
        var withDefault = await stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = visa.Id },
            Expand = ["invoice_settings.default_payment_method"],
        }, cancellationToken: _ct);
        var listed = await stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id, Type = "card" }, cancellationToken: _ct);
        var detached = await stripe.V1.PaymentMethods.DetachAsync(visa.Id, cancellationToken: _ct);
        var afterDetach = await stripe.V1.Customers.GetAsync(customer.Id, cancellationToken: _ct);

        Assert.Matches("^pm_[A-Za-z0-9]{24}$", visa.Id);
        Assert.Equal(("card", "visa", "4242", customer.Id), (visa.Type, visa.Card.Brand, visa.Card.Last4, visa.CustomerId));
        Assert.Equal(12, visa.Card.ExpMonth);
        Assert.True(visa.Card.ExpYear > DateTime.UtcNow.Year);
        Assert.Equal(("mastercard", "4444"), (mastercard.Card.Brand, mastercard.Card.Last4));
        Assert.Equal("4242", withDefault.InvoiceSettings.DefaultPaymentMethod.Card.Last4);
        Assert.Equal([mastercard.Id, visa.Id], listed.Data.Select(p => p.Id));
        Assert.Null(detached.CustomerId);
        Assert.Null(afterDetach.InvoiceSettings.DefaultPaymentMethodId);
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(["customer.created", "payment_method.attached", "payment_method.attached", "customer.updated", "payment_method.detached", "customer.updated"], types);
    }

    [Fact]
    public async Task A_card_declined_for_insufficient_funds_is_refused_on_attach_while_chargeCustomerFail_attaches()
    {
        var stripe = emulator.StripeNet();
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), cancellationToken: _ct);

        var error = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeDeclinedInsufficientFunds",
            new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct));
        var failsLater = await stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeCustomerFail", new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);
        var authentication = await stripe.V1.PaymentMethods.AttachAsync("pm_card_authenticationRequired", new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);

        Assert.Equal((402, "card_error", "card_declined", "insufficient_funds"), ((int)error.HttpStatusCode, error.StripeError.Type, error.StripeError.Code, error.StripeError.DeclineCode));
        Assert.Equal("0341", failsLater.Card.Last4);
        Assert.Equal("3184", authentication.Card.Last4);
        Assert.Equal(2, (await stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id }, cancellationToken: _ct)).Data.Count);
    }
}
