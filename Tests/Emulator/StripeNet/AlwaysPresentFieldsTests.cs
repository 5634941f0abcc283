using System.Text.Json;
using Stripe;
using Stripe.Checkout;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// Fields the SDKs' types mark as always present are rendered, as <c>null</c> where the emulator has no value,
/// never left out: a client that reads <c>invoice.customer_address</c> gets null, not a missing key.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AlwaysPresentFieldsTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The top-level fields declared without <c>?</c> in stripe-node 22.5.0's resource types
    /// (github.com/stripe/stripe-node, <c>src/resources/{Customers,Subscriptions,SubscriptionItems,Invoices,InvoiceLineItems,
    /// Prices,Products,Coupons,PaymentMethods,PaymentIntents,Checkout/Sessions}.ts</c> at commit 663942164, API version
    /// 2026-07-29.dahlia): "always present" in the SDK's own words.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> AlwaysPresent { get; } = new Dictionary<string, string[]>
    {
        ["customer"] = ["id", "object", "balance", "created", "default_source", "description", "email", "invoice_settings", "livemode", "metadata", "shipping"],
        ["subscription"] = ["id", "object", "application", "application_fee_percent", "automatic_tax", "billing_cycle_anchor", "billing_cycle_anchor_config", "billing_mode", "billing_schedules", "billing_thresholds", "cancel_at", "cancel_at_period_end", "canceled_at", "cancellation_details", "collection_method", "created", "currency", "customer", "customer_account", "days_until_due", "default_payment_method", "default_source", "description", "discounts", "ended_at", "invoice_settings", "items", "latest_invoice", "livemode", "managed_payments", "metadata", "next_pending_invoice_item_invoice", "on_behalf_of", "pause_collection", "payment_settings", "pending_invoice_item_interval", "pending_setup_intent", "pending_update", "schedule", "start_date", "status", "test_clock", "transfer_data", "trial_end", "trial_settings", "trial_start"],
        ["subscription_item"] = ["id", "object", "billing_thresholds", "created", "current_period_end", "current_period_start", "discounts", "metadata", "plan", "price", "subscription", "tax_rates"],
        ["invoice"] = ["id", "object", "account_country", "account_name", "account_tax_ids", "amount_due", "amount_overpaid", "amount_paid", "amount_remaining", "amount_shipping", "application", "attempt_count", "attempted", "automatic_tax", "automatically_finalizes_at", "billing_reason", "collection_method", "created", "currency", "custom_fields", "customer", "customer_account", "customer_address", "customer_email", "customer_name", "customer_phone", "customer_shipping", "customer_tax_exempt", "default_payment_method", "default_source", "default_tax_rates", "description", "discounts", "due_date", "effective_at", "ending_balance", "footer", "from_invoice", "issuer", "last_finalization_error", "latest_revision", "lines", "livemode", "metadata", "next_payment_attempt", "number", "on_behalf_of", "parent", "payment_settings", "period_end", "period_start", "post_payment_credit_notes_amount", "pre_payment_credit_notes_amount", "receipt_number", "rendering", "shipping_cost", "shipping_details", "starting_balance", "statement_descriptor", "status", "status_transitions", "subtotal", "subtotal_excluding_tax", "test_clock", "total", "total_discount_amounts", "total_excluding_tax", "total_pretax_credit_amounts", "total_taxes", "webhooks_delivered_at"],
        ["line_item"] = ["id", "object", "amount", "currency", "description", "discount_amounts", "discountable", "discounts", "invoice", "livemode", "metadata", "parent", "period", "pretax_credit_amounts", "pricing", "quantity", "quantity_decimal", "subscription", "subtotal", "taxes"],
        ["price"] = ["id", "object", "active", "billing_scheme", "created", "currency", "custom_unit_amount", "livemode", "lookup_key", "metadata", "nickname", "product", "recurring", "tax_behavior", "tiers_mode", "transform_quantity", "type", "unit_amount", "unit_amount_decimal"],
        ["product"] = ["id", "object", "active", "created", "description", "images", "livemode", "marketing_features", "metadata", "name", "package_dimensions", "shippable", "type", "updated", "url"],
        ["coupon"] = ["id", "object", "amount_off", "created", "currency", "duration", "duration_in_months", "livemode", "max_redemptions", "metadata", "name", "percent_off", "redeem_by", "times_redeemed", "valid"],
        ["payment_method"] = ["id", "object", "billing_details", "created", "customer", "customer_account", "livemode", "metadata", "type"],
        ["payment_intent"] = ["id", "object", "amount", "amount_capturable", "amount_received", "application", "application_fee_amount", "automatic_payment_methods", "canceled_at", "cancellation_reason", "capture_method", "client_secret", "confirmation_method", "created", "currency", "customer", "customer_account", "description", "excluded_payment_method_types", "last_payment_error", "latest_charge", "livemode", "managed_payments", "metadata", "next_action", "on_behalf_of", "payment_method", "payment_method_configuration_details", "payment_method_options", "payment_method_types", "processing", "receipt_email", "review", "setup_future_usage", "shipping", "source", "statement_descriptor", "statement_descriptor_suffix", "status", "transfer_group"],
        ["checkout.session"] = ["id", "object", "adaptive_pricing", "after_expiration", "allow_promotion_codes", "amount_subtotal", "amount_total", "automatic_tax", "billing_address_collection", "cancel_url", "client_reference_id", "client_secret", "collected_information", "consent", "consent_collection", "created", "currency", "currency_conversion", "custom_fields", "custom_text", "customer", "customer_account", "customer_creation", "customer_details", "customer_email", "discounts", "expires_at", "integration_identifier", "invoice", "invoice_creation", "livemode", "locale", "managed_payments", "metadata", "mode", "origin_context", "payment_intent", "payment_link", "payment_method_collection", "payment_method_configuration_details", "payment_method_options", "payment_method_types", "payment_status", "permissions", "recovered_from", "saved_payment_method_options", "setup_intent", "shipping_address_collection", "shipping_cost", "shipping_options", "status", "submit_type", "subscription", "success_url", "total_details", "ui_mode", "url", "wallet_options"],
    };

    [Fact]
    public async Task Every_main_object_renders_each_field_the_SDK_types_mark_as_always_present()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = "ten", PercentOff = 10 }, cancellationToken: _ct);
        var session = await stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            LineItems = [new SessionLineItemOptions { Price = catalog.PlusMonthly.Id, Quantity = 1 }],
            SuccessUrl = "https://yapit.example/ok",
        }, cancellationToken: _ct);
        using var browser = emulator.Browser();
        await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_visa"), ("email", "f@example.com"));
        session = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, cancellationToken: _ct);
        var subscription = await stripe.V1.Subscriptions.GetAsync(session.SubscriptionId, cancellationToken: _ct);
        var invoice = await stripe.V1.Invoices.GetAsync(session.InvoiceId, new InvoiceGetOptions { Expand = ["payments"] }, cancellationToken: _ct);
        using var http = emulator.CreateHttpClient();

        var objects = new List<(string Type, string Where, JsonElement Body)>();
        async Task<JsonElement> GetAsync(string type, string path)
        {
            var body = (await http.StripeGetAsync(path)).Body;
            objects.Add((type, path, body));
            return body;
        }
        await GetAsync("customer", $"/v1/customers/{session.CustomerId}");
        var sub = await GetAsync("subscription", $"/v1/subscriptions/{subscription.Id}");
        foreach (var item in sub.GetProperty("items").GetProperty("data").EnumerateArray())
        {
            objects.Add(("subscription_item", "items.data[]", item));
        }
        await GetAsync("subscription_item", $"/v1/subscription_items/{subscription.Items.Data[0].Id}");
        var inv = await GetAsync("invoice", $"/v1/invoices/{invoice.Id}");
        foreach (var line in inv.GetProperty("lines").GetProperty("data").EnumerateArray())
        {
            objects.Add(("line_item", "lines.data[]", line));
        }
        await GetAsync("price", $"/v1/prices/{catalog.PlusMonthly.Id}");
        await GetAsync("price", $"/v1/prices/{catalog.OneTime.Id}");
        await GetAsync("product", $"/v1/products/{catalog.PlusMonthly.ProductId}");
        await GetAsync("coupon", "/v1/coupons/ten");
        await GetAsync("payment_method", $"/v1/payment_methods/{subscription.DefaultPaymentMethodId}");
        await GetAsync("payment_intent", $"/v1/payment_intents/{invoice.Payments.Data[0].Payment.PaymentIntentId}");
        await GetAsync("checkout.session", $"/v1/checkout/sessions/{session.Id}");

        var missing = objects
            .SelectMany(o => AlwaysPresent[o.Type].Where(field => !o.Body.TryGetProperty(field, out _)).Select(field => $"{o.Where}: {field}"))
            .Distinct()
            .ToList();
        Assert.Equal(AlwaysPresent.Keys.Order(StringComparer.Ordinal), objects.Select(o => o.Type).Distinct().Order(StringComparer.Ordinal));
        Assert.True(missing.Count == 0, "left out:\n" + string.Join("\n", missing));
    }
}
