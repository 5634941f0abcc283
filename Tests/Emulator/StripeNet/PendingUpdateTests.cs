using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// <c>payment_behavior=pending_if_incomplete</c> (https://docs.stripe.com/billing/subscriptions/pending-updates and its
/// reference): an update whose invoice is not paid is held in <c>pending_update</c>, the subscription keeps its price
/// until the invoice is paid (API, hosted page, 3D Secure step), and the hold expires after 23 hours.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PendingUpdateTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime ChangeAt = Start.AddDays(10);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed record Setup(StripeClient Stripe, Stripe.TestHelpers.TestClock Clock, Customer Customer, StripeNetHarness.Catalog Catalog, Subscription Subscription);

    /// <summary>Plus monthly, paid; ten days in, the customer's card behaves as <paramref name="outcome"/> from then on.</summary>
    private async Task<Setup> SubscribedAsync(string outcome)
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        await stripe.AdvanceAsync(clock, ChangeAt, _ct);
        await emulator.OperatorPostAsync($"/_emulator/customers/{customer.Id}/cards?outcome={outcome}", _ct);
        return new Setup(stripe, clock, customer, catalog, subscription);
    }

    private Task<Subscription> UpgradeAsync(Setup s, string proration = "always_invoice") =>
        s.Stripe.V1.Subscriptions.UpdateAsync(s.Subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = s.Subscription.Items.Data[0].Id, Price = s.Catalog.MaxMonthly.Id }],
            ProrationBehavior = proration,
            PaymentBehavior = "pending_if_incomplete",
        }, cancellationToken: _ct);

    private async Task<List<string>> EventsSinceAsync(StripeClient stripe, int count) =>
        [.. (await StripeNetHarness.EventsAsync(stripe, _ct)).Skip(count).Select(e => e.Type)];

    [Fact]
    public async Task A_declined_upgrade_is_held_until_its_invoice_is_paid_then_applies_with_its_events()
    {
        var s = await SubscribedAsync("decline");
        var before = (await StripeNetHarness.EventsAsync(s.Stripe, _ct)).Count;

        var held = await UpgradeAsync(s);

        Assert.Equal("active", held.Status);
        Assert.Equal(s.Catalog.PlusMonthly.Id, Assert.Single(held.Items.Data).Price.Id);
        Assert.NotNull(held.PendingUpdate);
        Assert.Equal(ChangeAt.AddHours(23), held.PendingUpdate.ExpiresAt);
        var pendingItem = Assert.Single(held.PendingUpdate.SubscriptionItems);
        Assert.Equal((s.Subscription.Items.Data[0].Id, s.Catalog.MaxMonthly.Id), (pendingItem.Id, pendingItem.Price.Id));
        var invoice = await s.Stripe.V1.Invoices.GetAsync(held.LatestInvoiceId, cancellationToken: _ct);
        var end = Start.AddMonths(1);
        var due = -StripeNetHarness.Prorated(900, ChangeAt, Start, end) + StripeNetHarness.Prorated(1900, ChangeAt, Start, end);
        Assert.Equal(("subscription_update", "open", due), (invoice.BillingReason, invoice.Status, invoice.AmountDue));
        Assert.Null(invoice.NextPaymentAttempt);
        Assert.Equal(["customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created", "payment_intent.payment_failed",
            "invoice.payment_failed"], await EventsSinceAsync(s.Stripe, before));

        // Read back, the subscription still bills Plus and still shows the hold.
        var read = await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct);
        Assert.Equal((s.Catalog.PlusMonthly.Id, true), (read.Items.Data[0].Price.Id, read.PendingUpdate is not null));

        var afterHold = (await StripeNetHarness.EventsAsync(s.Stripe, _ct)).Count;
        var paid = await s.Stripe.V1.Invoices.PayAsync(invoice.Id, new InvoicePayOptions { PaymentMethod = "pm_card_mastercard" }, cancellationToken: _ct);
        Assert.Equal("paid", paid.Status);
        var applied = await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct);
        Assert.Null(applied.PendingUpdate);
        Assert.Equal((s.Catalog.MaxMonthly.Id, "active"), (Assert.Single(applied.Items.Data).Price.Id, applied.Status));
        var events = await EventsSinceAsync(s.Stripe, afterHold);
        Assert.Equal(["payment_method.attached", "payment_intent.created", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded",
            "customer.subscription.updated", "customer.subscription.pending_update_applied"], events);
        var updated = (await StripeNetHarness.EventsAsync(s.Stripe, _ct)).Last(e => e.Type == "customer.subscription.updated");
        Assert.True(updated.Data.PreviousAttributes.ContainsKey("pending_update"));
        Assert.True(updated.Data.PreviousAttributes.ContainsKey("items"));

        // The renewal bills the new price: the change is in force.
        await s.Stripe.AdvanceAsync(s.Clock, end.AddHours(1), _ct);
        var renewal = await s.Stripe.V1.Invoices.GetAsync((await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct)).LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(("subscription_cycle", 1900L), (renewal.BillingReason, renewal.AmountDue));
    }

    [Fact]
    public async Task A_change_held_for_3D_Secure_applies_when_the_hosted_step_completes()
    {
        var s = await SubscribedAsync("authentication_required");
        var held = await UpgradeAsync(s);
        Assert.NotNull(held.PendingUpdate);
        Assert.Equal(s.Catalog.PlusMonthly.Id, held.Items.Data[0].Price.Id);

        using var browser = emulator.Browser();
        using var form = new FormUrlEncodedContent([new("action", "complete")]);
        using var response = await browser.PostAsync($"/invoice/{held.LatestInvoiceId}/authenticate", form, _ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        var applied = await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct);
        Assert.Null(applied.PendingUpdate);
        Assert.Equal(s.Catalog.MaxMonthly.Id, applied.Items.Data[0].Price.Id);
    }

    [Fact]
    public async Task A_held_change_applies_when_the_hosted_invoice_page_is_paid()
    {
        var s = await SubscribedAsync("decline");
        var held = await UpgradeAsync(s);

        using var browser = emulator.Browser();
        using var form = new FormUrlEncodedContent([new("card", "pm_card_visa")]);
        using var response = await browser.PostAsync($"/invoice/{held.LatestInvoiceId}/pay", form, _ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        var applied = await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct);
        Assert.Null(applied.PendingUpdate);
        Assert.Equal(s.Catalog.MaxMonthly.Id, applied.Items.Data[0].Price.Id);
    }

    [Fact]
    public async Task An_unpaid_hold_expires_after_23_hours_its_invoice_is_voided_and_the_price_stays()
    {
        var s = await SubscribedAsync("decline");
        var held = await UpgradeAsync(s);

        await s.Stripe.AdvanceAsync(s.Clock, ChangeAt.AddHours(22), _ct);
        Assert.NotNull((await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct)).PendingUpdate);

        await s.Stripe.AdvanceAsync(s.Clock, ChangeAt.AddHours(24), _ct);
        Assert.Equal(["customer.subscription.updated", "customer.subscription.pending_update_expired", "invoice.voided"], await s.Stripe.LastAdvanceEventsAsync(_ct));
        var expired = await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct);
        Assert.Null(expired.PendingUpdate);
        Assert.Equal(("active", s.Catalog.PlusMonthly.Id), (expired.Status, expired.Items.Data[0].Price.Id));
        Assert.Equal("void", (await s.Stripe.V1.Invoices.GetAsync(held.LatestInvoiceId, cancellationToken: _ct)).Status);

        // A voided hold's invoice cannot be paid any more; the change never applies.
        var refused = await Assert.ThrowsAsync<StripeException>(() => s.Stripe.V1.Invoices.PayAsync(held.LatestInvoiceId, cancellationToken: _ct));
        Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
    }

    [Fact]
    public async Task A_paid_change_applies_at_once_and_a_change_without_an_invoice_is_not_held()
    {
        var s = await SubscribedAsync("succeed");
        var upgraded = await UpgradeAsync(s);
        Assert.Null(upgraded.PendingUpdate);
        Assert.Equal(s.Catalog.MaxMonthly.Id, upgraded.Items.Data[0].Price.Id);

        // create_prorations makes no invoice, so nothing waits for a payment (pending items instead).
        await emulator.OperatorPostAsync($"/_emulator/customers/{s.Customer.Id}/cards?outcome=decline", _ct);
        var downgraded = await s.Stripe.V1.Subscriptions.UpdateAsync(s.Subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = upgraded.Items.Data[0].Id, Price = s.Catalog.PlusMonthly.Id }],
            ProrationBehavior = "create_prorations",
            PaymentBehavior = "pending_if_incomplete",
        }, cancellationToken: _ct);
        Assert.Null(downgraded.PendingUpdate);
        Assert.Equal(s.Catalog.PlusMonthly.Id, downgraded.Items.Data[0].Price.Id);
    }

    [Theory]
    [InlineData("description", "default_payment_method")]
    [InlineData("items[0][metadata][a]", "items[0][metadata]")]
    [InlineData("items[0][deleted]", "items[0][deleted]")]
    [InlineData("off_session", "off_session")]
    public async Task Parameters_Stripe_does_not_allow_with_pending_updates_are_refused(string given, string expectedParam)
    {
        var s = await SubscribedAsync("succeed");
        var form = new List<KeyValuePair<string, string>>
        {
            new("payment_behavior", "pending_if_incomplete"),
            new("proration_behavior", "always_invoice"),
            new("items[0][id]", s.Subscription.Items.Data[0].Id),
            new("items[0][price]", s.Catalog.MaxMonthly.Id),
        };
        form.Add(given switch
        {
            "description" => new("default_payment_method", "pm_card_visa"),
            "items[0][metadata][a]" => new(given, "b"),
            _ => new(given, "true"),
        });
        using var client = emulator.CreateHttpClient();
        using var content = new FormUrlEncodedContent(form);
        using var response = await client.PostAsync($"/v1/subscriptions/{s.Subscription.Id}", content, _ct);
        var body = await response.Content.ReadAsStringAsync(_ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"param\": \"{expectedParam}\"", body.Replace("\":\"", "\": \"", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("pending_if_incomplete", body, StringComparison.Ordinal);

        // Nothing changed.
        var unchanged = await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct);
        Assert.Equal(s.Catalog.PlusMonthly.Id, unchanged.Items.Data[0].Price.Id);
    }

    [Fact]
    public async Task Metadata_and_cancel_at_period_end_ride_with_the_hold_and_apply_with_it()
    {
        var s = await SubscribedAsync("decline");
        var held = await s.Stripe.V1.Subscriptions.UpdateAsync(s.Subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = s.Subscription.Items.Data[0].Id, Price = s.Catalog.MaxMonthly.Id }],
            ProrationBehavior = "always_invoice",
            PaymentBehavior = "pending_if_incomplete",
            Metadata = new Dictionary<string, string> { ["plan"] = "max" },
            CancelAtPeriodEnd = true,
        }, cancellationToken: _ct);
        Assert.False(held.CancelAtPeriodEnd);
        Assert.False(held.Metadata.ContainsKey("plan"));
        Assert.Equal(true, held.PendingUpdate.CancelAtPeriodEnd);

        await s.Stripe.V1.Invoices.PayAsync(held.LatestInvoiceId, new InvoicePayOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: _ct);
        var applied = await s.Stripe.V1.Subscriptions.GetAsync(held.Id, cancellationToken: _ct);
        Assert.Equal(("max", true, Start.AddMonths(1)), (applied.Metadata["plan"], applied.CancelAtPeriodEnd, applied.CancelAt));
    }

    [Fact]
    public async Task A_subscription_item_update_can_be_held_too()
    {
        var s = await SubscribedAsync("decline");
        var item = await s.Stripe.V1.SubscriptionItems.UpdateAsync(s.Subscription.Items.Data[0].Id, new SubscriptionItemUpdateOptions
        {
            Quantity = 3,
            ProrationBehavior = "always_invoice",
            PaymentBehavior = "pending_if_incomplete",
        }, cancellationToken: _ct);
        Assert.Equal(1, item.Quantity);
        var held = await s.Stripe.V1.Subscriptions.GetAsync(s.Subscription.Id, cancellationToken: _ct);
        Assert.Equal(3, Assert.Single(held.PendingUpdate.SubscriptionItems).Quantity);
    }
}
