using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Subscriptions and their invoices through Stripe.net: creation with each test card, changes with each proration behaviour, previews, cancellation.</summary>
[Trait("Category", "Integration")]
public sealed class SubscriptionTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
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

    private Task<Subscription> SubscribeAsync(StripeClient stripe, Customer customer, Price price, Action<SubscriptionCreateOptions>? configure = null)
    {
        var options = new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = price.Id }],
            Expand = ["latest_invoice"],
        };
        configure?.Invoke(options);
        return stripe.V1.Subscriptions.CreateAsync(options, cancellationToken: _ct);
    }

    [Fact]
    public async Task A_subscription_paid_with_a_good_card_is_active_with_its_period_on_the_item_and_a_paid_first_invoice()
    {
        var (stripe, catalog, customer) = await SetUpAsync();

        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly, o => o.Metadata = new() { ["user_id"] = "u-1" });
        var invoice = subscription.LatestInvoice;
        var item = Assert.Single(subscription.Items.Data);
        var line = Assert.Single(invoice.Lines.Data);

        Assert.Matches("^sub_", subscription.Id);
        Assert.Equal("active", subscription.Status);
        Assert.Equal(catalog.PlusMonthly.Id, item.Price.Id);
        Assert.Equal(item.CurrentPeriodStart.AddMonths(1), item.CurrentPeriodEnd);
        Assert.Equal(subscription.StartDate, item.CurrentPeriodStart);
        Assert.False(subscription.CancelAtPeriodEnd);
        Assert.Null(subscription.CancelAt);
        Assert.Equal(("subscription_create", "paid", 900L, 900L, 0L), (invoice.BillingReason, invoice.Status, invoice.AmountDue, invoice.AmountPaid, invoice.AmountRemaining));
        Assert.Equal((900L, 900L, 1L), (invoice.Subtotal, invoice.Total, invoice.AttemptCount));
        Assert.Equal(invoice.PeriodStart, invoice.PeriodEnd);
        Assert.Equal(subscription.Id, invoice.Parent.SubscriptionDetails.SubscriptionId);
        Assert.Equal("u-1", invoice.Parent.SubscriptionDetails.Metadata["user_id"]);
        Assert.Equal("1 × Yapit Plus (at $9.00 / month)", line.Description);
        Assert.Equal((900L, false, item.Id), (line.Amount, line.Parent.SubscriptionItemDetails.Proration, line.Parent.SubscriptionItemDetails.SubscriptionItem));
        Assert.Equal((item.CurrentPeriodStart, item.CurrentPeriodEnd), (line.Period.Start, line.Period.End));
        Assert.Equal(catalog.PlusMonthly.Id, line.Pricing.PriceDetails.PriceId);
        Assert.StartsWith(emulator.BaseAddress.ToString().TrimEnd('/') + "/invoice/", invoice.HostedInvoiceUrl);

        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).SkipWhile(t => t != "customer.subscription.created").ToList();
        Assert.Equal(["customer.subscription.created", "invoice.created", "invoice.finalized", "payment_intent.created", "payment_intent.succeeded",
            "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded"], types);
    }

    [Fact]
    public async Task A_trial_subscription_is_trialing_with_a_zero_invoice_and_no_card_needed()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "t@example.com" }, cancellationToken: _ct);

        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly, o => o.TrialPeriodDays = 3);
        var item = Assert.Single(subscription.Items.Data);

        Assert.Equal("trialing", subscription.Status);
        Assert.Equal(subscription.TrialStart!.Value.AddDays(3), subscription.TrialEnd);
        Assert.Equal(subscription.TrialEnd, item.CurrentPeriodEnd);
        Assert.Equal(("paid", 0L, 0L), (subscription.LatestInvoice.Status, subscription.LatestInvoice.AmountDue, subscription.LatestInvoice.AmountPaid));
        Assert.Equal("Trial period for Yapit Plus", Assert.Single(subscription.LatestInvoice.Lines.Data).Description);
    }

    [Fact]
    public async Task A_card_that_fails_every_charge_leaves_the_subscription_incomplete_and_error_if_incomplete_refuses_it()
    {
        var (stripe, catalog, customer) = await SetUpAsync("pm_card_chargeCustomerFail");

        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var refused = await Assert.ThrowsAsync<StripeException>(() => SubscribeAsync(stripe, customer, catalog.PlusMonthly, o => o.PaymentBehavior = "error_if_incomplete"));

        Assert.Equal("incomplete", subscription.Status);
        Assert.Equal(("open", 900L, 0L, 1L), (subscription.LatestInvoice.Status, subscription.LatestInvoice.AmountRemaining, subscription.LatestInvoice.AmountPaid, subscription.LatestInvoice.AttemptCount));
        Assert.Equal((402, "card_declined"), ((int)refused.HttpStatusCode, refused.StripeError.Code));
        Assert.Single(await stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id, Status = "all" }, cancellationToken: _ct));
        Assert.Contains("invoice.payment_failed", (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_card_that_needs_authentication_leaves_a_payment_that_requires_action_until_the_hosted_invoice_page_finishes_it()
    {
        var (stripe, catalog, customer) = await SetUpAsync("pm_card_authenticationRequired");

        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var invoice = subscription.LatestInvoice;
        var payment = Assert.Single(await stripe.V1.InvoicePayments.ListAsync(new InvoicePaymentListOptions { Invoice = invoice.Id }, cancellationToken: _ct));
        var intent = await stripe.V1.PaymentIntents.GetAsync(payment.Payment.PaymentIntentId, cancellationToken: _ct);
        using var browser = emulator.Browser();
        var authenticated = await StripeNetHarness.PostFormAsync(browser, new Uri(invoice.HostedInvoiceUrl).AbsolutePath + "/authenticate", ("action", "complete"));
        var after = await stripe.V1.Subscriptions.GetAsync(subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);

        Assert.Equal(("incomplete", "open"), (subscription.Status, invoice.Status));
        Assert.Equal(("requires_action", 900L), (intent.Status, intent.Amount));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, authenticated.Status);
        Assert.Equal(("active", "paid", 900L), (after.Status, after.LatestInvoice.Status, after.LatestInvoice.AmountPaid));
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(["payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"], types[^5..]);
        Assert.Contains("invoice.payment_action_required", types);
    }

    [Fact]
    public async Task An_upgrade_with_always_invoice_invoices_the_prorations_to_the_second_at_once()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var item = subscription.Items.Data[0];
        var prorationDate = item.CurrentPeriodStart.AddDays(10).AddSeconds(12345);

        var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = customer.Id,
            Subscription = subscription.Id,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = item.Id, Price = catalog.MaxMonthly.Id }],
                ProrationDate = prorationDate,
                ProrationBehavior = "always_invoice",
            },
        }, cancellationToken: _ct);
        var upgraded = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = catalog.MaxMonthly.Id }],
            ProrationBehavior = "always_invoice",
            ProrationDate = prorationDate,
            Expand = ["latest_invoice"],
        }, cancellationToken: _ct);

        var credit = -StripeNetHarness.Prorated(900, prorationDate, item.CurrentPeriodStart, item.CurrentPeriodEnd);
        var charge = StripeNetHarness.Prorated(1900, prorationDate, item.CurrentPeriodStart, item.CurrentPeriodEnd);
        var invoice = upgraded.LatestInvoice;
        Assert.Equal("active", upgraded.Status);
        Assert.Equal(catalog.MaxMonthly.Id, upgraded.Items.Data[0].Price.Id);
        Assert.Equal((item.CurrentPeriodStart, item.CurrentPeriodEnd), (upgraded.Items.Data[0].CurrentPeriodStart, upgraded.Items.Data[0].CurrentPeriodEnd));
        Assert.Equal(("subscription_update", "paid"), (invoice.BillingReason, invoice.Status));
        Assert.Equal([credit, charge], invoice.Lines.Data.Select(l => l.Amount));
        Assert.All(invoice.Lines.Data, l => Assert.True(l.Parent.SubscriptionItemDetails.Proration));
        Assert.All(invoice.Lines.Data, l => Assert.Equal((prorationDate, item.CurrentPeriodEnd), (l.Period.Start, l.Period.End)));
        Assert.StartsWith("Unused time on Yapit Plus after", invoice.Lines.Data[0].Description);
        Assert.StartsWith("Remaining time on Yapit Max after", invoice.Lines.Data[1].Description);
        Assert.Equal((credit + charge, credit + charge), (invoice.AmountDue, invoice.AmountPaid));
        Assert.Equal(invoice.Lines.Data.Select(l => l.Amount), preview.Lines.Data.Select(l => l.Amount));
        Assert.Equal(invoice.AmountDue, preview.AmountDue);
        Assert.StartsWith("upcoming_in_", preview.Id);
        var updated = (await StripeNetHarness.EventsAsync(stripe, _ct)).Last(e => e.Type == "customer.subscription.updated");
        Assert.Equal(subscription.Id, ((Subscription)updated.Data.Object).Id);
    }

    [Fact]
    public async Task Create_prorations_leaves_pending_items_that_the_preview_puts_on_the_next_invoice_and_none_prorates_nothing()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var item = subscription.Items.Data[0];
        var prorationDate = item.CurrentPeriodStart.AddDays(20);

        var updated = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = catalog.MaxMonthly.Id }],
            ProrationDate = prorationDate,
        }, cancellationToken: _ct);
        var upcoming = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Subscription = subscription.Id }, cancellationToken: _ct);
        var quantityTwo = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Quantity = 2 }],
            ProrationBehavior = "none",
        }, cancellationToken: _ct);

        var credit = -StripeNetHarness.Prorated(900, prorationDate, item.CurrentPeriodStart, item.CurrentPeriodEnd);
        var charge = StripeNetHarness.Prorated(1900, prorationDate, item.CurrentPeriodStart, item.CurrentPeriodEnd);
        Assert.Equal(subscription.LatestInvoiceId, updated.LatestInvoiceId);
        Assert.Equal("upcoming", upcoming.BillingReason);
        Assert.Equal([credit, charge, 1900L], upcoming.Lines.Data.Select(l => l.Amount));
        Assert.Equal((item.CurrentPeriodEnd, item.CurrentPeriodEnd.AddMonths(1)), (upcoming.Lines.Data[2].Period.Start, upcoming.Lines.Data[2].Period.End));
        Assert.Equal(credit + charge + 1900, upcoming.AmountDue);
        Assert.Equal((item.CurrentPeriodStart, item.CurrentPeriodEnd), (upcoming.PeriodStart, upcoming.PeriodEnd));
        Assert.Equal(2, quantityTwo.Items.Data[0].Quantity);
        Assert.Equal(subscription.LatestInvoiceId, quantityTwo.LatestInvoiceId);
        Assert.Equal(2, (await StripeNetHarness.EventsAsync(stripe, _ct)).Count(e => e.Type == "invoiceitem.created"));
    }

    [Fact]
    public async Task Monthly_to_yearly_restarts_the_period_now_and_invoices_the_year_less_the_unused_month()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var item = subscription.Items.Data[0];

        var yearly = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = catalog.PlusYearly.Id }],
            Expand = ["latest_invoice"],
        }, cancellationToken: _ct);

        var newItem = yearly.Items.Data[0];
        var unused = -StripeNetHarness.Prorated(900, newItem.CurrentPeriodStart, item.CurrentPeriodStart, item.CurrentPeriodEnd);
        Assert.Equal(newItem.CurrentPeriodStart.AddYears(1), newItem.CurrentPeriodEnd);
        Assert.Equal([unused, 9000L], yearly.LatestInvoice.Lines.Data.Select(l => l.Amount));
        Assert.Equal(("paid", 9000 + unused), (yearly.LatestInvoice.Status, yearly.LatestInvoice.AmountPaid));
    }

    [Fact]
    public async Task Cancel_at_period_end_at_a_date_reactivation_and_cancel_now_with_a_prorated_final_invoice()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var periodEnd = subscription.Items.Data[0].CurrentPeriodEnd;

        var atPeriodEnd = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }, cancellationToken: _ct);
        var reactivated = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = false }, cancellationToken: _ct);
        var atDate = new SubscriptionUpdateOptions();
        atDate.AddExtraParam("cancel_at", new DateTimeOffset(periodEnd.AddDays(-5)).ToUnixTimeSeconds());
        var atADate = await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, atDate, cancellationToken: _ct);
        var canceled = await stripe.V1.Subscriptions.CancelAsync(subscription.Id, new SubscriptionCancelOptions { InvoiceNow = true, Prorate = true }, cancellationToken: _ct);
        var finalInvoice = await stripe.V1.Invoices.GetAsync(canceled.LatestInvoiceId, cancellationToken: _ct);
        var listedActive = await stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id }, cancellationToken: _ct);
        var listedCanceled = await stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id, Status = "canceled" }, cancellationToken: _ct);

        Assert.Equal(("active", true, periodEnd), (atPeriodEnd.Status, atPeriodEnd.CancelAtPeriodEnd, atPeriodEnd.CancelAt));
        Assert.NotNull(atPeriodEnd.CanceledAt);
        Assert.Equal("cancellation_requested", atPeriodEnd.CancellationDetails.Reason);
        Assert.Equal((false, (DateTime?)null, (DateTime?)null), (reactivated.CancelAtPeriodEnd, reactivated.CancelAt, reactivated.CanceledAt));
        Assert.Equal((false, periodEnd.AddDays(-5)), (atADate.CancelAtPeriodEnd, atADate.CancelAt));
        Assert.Equal("canceled", canceled.Status);
        Assert.NotNull(canceled.EndedAt);
        var credit = Assert.Single(finalInvoice.Lines.Data);
        Assert.True(credit.Amount < 0 && credit.Parent.SubscriptionItemDetails.Proration);
        Assert.Equal((credit.Amount, 0L, "paid"), (finalInvoice.Total, finalInvoice.AmountDue, finalInvoice.Status));
        Assert.Empty(listedActive.Data);
        Assert.Equal(subscription.Id, Assert.Single(listedCanceled.Data).Id);
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Contains("customer.subscription.deleted", types);
        var deleted = (await StripeNetHarness.EventsAsync(stripe, _ct)).Single(e => e.Type == "customer.subscription.deleted");
        string? previousStatus = deleted.Data.PreviousAttributes["status"]?.ToString();
        Assert.Equal("active", previousStatus);
    }

    [Fact]
    public async Task A_once_coupon_takes_half_off_the_first_invoice_and_promotion_codes_count_and_enforce_redemptions()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var coupon = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { PercentOff = 50, Duration = "once" }, cancellationToken: _ct);
        var promo = await stripe.V1.PromotionCodes.CreateAsync(new PromotionCodeCreateOptions
        {
            Code = "HALF",
            MaxRedemptions = 1,
            Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = coupon.Id },
        }, cancellationToken: _ct);

        var subscription = await SubscribeAsync(stripe, customer, catalog.PlusMonthly, o => o.Discounts = [new SubscriptionDiscountOptions { PromotionCode = promo.Id }]);
        var second = await Assert.ThrowsAsync<StripeException>(() =>
            SubscribeAsync(stripe, customer, catalog.PlusMonthly, o => o.Discounts = [new SubscriptionDiscountOptions { PromotionCode = promo.Id }]));
        var redeemed = await stripe.V1.PromotionCodes.GetAsync(promo.Id, cancellationToken: _ct);
        var couponAfter = await stripe.V1.Coupons.GetAsync(coupon.Id, cancellationToken: _ct);
        var upcoming = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Subscription = subscription.Id }, cancellationToken: _ct);

        var invoice = subscription.LatestInvoice;
        Assert.Equal((900L, 450L, 450L), (invoice.Subtotal, invoice.Total, invoice.AmountPaid));
        Assert.Equal(450L, Assert.Single(invoice.TotalDiscountAmounts).Amount);
        Assert.Equal(450L, Assert.Single(Assert.Single(invoice.Lines.Data).DiscountAmounts).Amount);
        Assert.Empty(subscription.Discounts);
        Assert.Equal(400, (int)second.HttpStatusCode);
        Assert.Equal(1, redeemed.TimesRedeemed);
        Assert.Equal(1, couponAfter.TimesRedeemed);
        Assert.Equal(900L, upcoming.AmountDue);
    }

    [Fact]
    public async Task Subscriptions_and_invoices_are_listed_searched_and_items_read_and_updated_by_id()
    {
        var (stripe, catalog, customer) = await SetUpAsync();
        var plus = await SubscribeAsync(stripe, customer, catalog.PlusMonthly, o => o.Metadata = new() { ["tier"] = "plus" });
        await SubscribeAsync(stripe, customer, catalog.MaxMonthly);
        var item = plus.Items.Data[0];

        var byPrice = await stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Price = catalog.PlusMonthly.Id }, cancellationToken: _ct);
        var searched = await stripe.V1.Subscriptions.SearchAsync(new SubscriptionSearchOptions { Query = "metadata['tier']:'plus' AND status:'active'" }, cancellationToken: _ct);
        var invoices = await stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = plus.Id, Status = "paid" }, cancellationToken: _ct);
        var lines = await stripe.V1.Invoices.LineItems.ListAsync(plus.LatestInvoiceId, cancellationToken: _ct);
        var readItem = await stripe.V1.SubscriptionItems.GetAsync(item.Id, cancellationToken: _ct);
        var items = await stripe.V1.SubscriptionItems.ListAsync(new SubscriptionItemListOptions { Subscription = plus.Id }, cancellationToken: _ct);
        var updatedItem = await stripe.V1.SubscriptionItems.UpdateAsync(item.Id, new SubscriptionItemUpdateOptions { Quantity = 3, ProrationBehavior = "none" }, cancellationToken: _ct);
        var expanded = await stripe.V1.Subscriptions.GetAsync(plus.Id, new SubscriptionGetOptions { Expand = ["items.data.price.product"] }, cancellationToken: _ct);

        Assert.Equal(plus.Id, Assert.Single(byPrice.Data).Id);
        Assert.Equal(plus.Id, Assert.Single(searched.Data).Id);
        Assert.Equal(plus.LatestInvoiceId, Assert.Single(invoices.Data).Id);
        Assert.Equal(900L, Assert.Single(lines.Data).Amount);
        Assert.Equal((item.Id, plus.Id), (readItem.Id, readItem.Subscription));
        Assert.Equal(item.Id, Assert.Single(items.Data).Id);
        Assert.Equal(3, updatedItem.Quantity);
        Assert.Equal("Yapit Plus", expanded.Items.Data[0].Price.Product.Name);
    }

    [Fact]
    public async Task An_open_invoice_is_paid_with_another_card_or_voided()
    {
        var (stripe, catalog, customer) = await SetUpAsync("pm_card_chargeCustomerFail");
        var first = await SubscribeAsync(stripe, customer, catalog.PlusMonthly);
        var second = await SubscribeAsync(stripe, customer, catalog.MaxMonthly);

        var declined = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Invoices.PayAsync(first.LatestInvoiceId, cancellationToken: _ct));
        var afterDecline = await stripe.V1.Invoices.GetAsync(first.LatestInvoiceId, cancellationToken: _ct);
        var paid = await stripe.V1.Invoices.PayAsync(first.LatestInvoiceId, new InvoicePayOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: _ct);
        var voided = await stripe.V1.Invoices.VoidInvoiceAsync(second.LatestInvoiceId, cancellationToken: _ct);
        var active = await stripe.V1.Subscriptions.GetAsync(first.Id, cancellationToken: _ct);

        Assert.Equal((402, "card_declined"), ((int)declined.HttpStatusCode, declined.StripeError.Code));
        Assert.Equal(("open", 2L), (afterDecline.Status, afterDecline.AttemptCount));
        Assert.Equal(("paid", 900L, 3L), (paid.Status, paid.AmountPaid, paid.AttemptCount));
        Assert.Equal("void", voided.Status);
        Assert.Equal("active", active.Status);
    }
}
