using Microsoft.AspNetCore.Http;
using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Checkout;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Invoices;
using Yapit.StripeApi.Resources.SubscriptionItems;
using Yapit.StripeApi.Resources.Subscriptions;
using Yapit.StripeApi.Resources.TestHelpers;

namespace Yapit.Tests.StripeApi;

/// <summary>Each resource's routes and what its typed objects read from Stripe-shaped JSON (unknown fields ignored, unknown values kept).</summary>
public sealed class ResourceTests
{
    /// <summary>Answers "METHOD /path" with the JSON given for it, 404 otherwise.</summary>
    private static Task<StripeStub> Routes(params (string Route, string Json)[] routes) =>
        StripeStub.StartAsync((context, request, _) =>
        {
            var match = routes.FirstOrDefault(r => r.Route == $"{request.Method} {request.Path}");
            return match.Json is null
                ? StripeStub.Json(context, 404, """{"error":{"type":"invalid_request_error","code":"resource_missing"}}""")
                : StripeStub.Json(context, 200, match.Json);
        });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string CustomerJson = """
        {"id":"cus_123","object":"customer","address":{"city":"Berlin","country":"DE","line1":"Straße 1","line2":null,"postal_code":"10115","state":null},
         "balance":-500,"created":1767225600,"currency":"usd","default_source":null,"delinquent":false,"description":null,
         "email":"a@example.com","invoice_prefix":"ABC123","invoice_settings":{"custom_fields":null,"default_payment_method":{"id":"pm_1","object":"payment_method","type":"card"},"footer":null,"rendering_options":null},
         "livemode":false,"metadata":{"user_id":"42"},"name":"Ada","phone":null,"preferred_locales":["de"],"shipping":null,
         "tax_exempt":"none","test_clock":"clock_1","brand_new_field":{"nested":true}}
        """;

    [Fact]
    public async Task Customers_are_created_read_updated_deleted_and_listed()
    {
        await using var stub = await Routes(
            ("POST /v1/customers", CustomerJson),
            ("GET /v1/customers/cus_123", CustomerJson),
            ("POST /v1/customers/cus_123", CustomerJson),
            ("DELETE /v1/customers/cus_123", """{"id":"cus_123","object":"customer","deleted":true}"""),
            ("GET /v1/customers", $$"""{"object":"list","data":[{{CustomerJson}}],"has_more":false,"url":"/v1/customers"}"""));
        var customers = stub.Client().Customers;

        var created = await customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "a@example.com",
            Name = "Ada",
            Metadata = new() { ["user_id"] = "42" },
            TestClock = "clock_1",
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = "pm_1" },
        }, cancellationToken: Ct);
        var read = await customers.GetAsync("cus_123", cancellationToken: Ct);
        await customers.UpdateAsync("cus_123", new CustomerUpdateOptions { Name = "Ada L." }, cancellationToken: Ct);
        var deleted = await customers.DeleteAsync("cus_123", cancellationToken: Ct);
        var listed = await customers.ListAsync(new CustomerListOptions { Email = "a@example.com" }, cancellationToken: Ct);

        Assert.Equal(
            [
                "POST /v1/customers email=a%40example.com&invoice_settings[default_payment_method]=pm_1&metadata[user_id]=42&name=Ada&test_clock=clock_1",
                "GET /v1/customers/cus_123 ",
                "POST /v1/customers/cus_123 name=Ada%20L.",
                "DELETE /v1/customers/cus_123 ",
                "GET /v1/customers?email=a%40example.com ",
            ],
            stub.Requests.Select(r => $"{r.Method} {r.Target} {r.Body}"));
        Assert.Equal("cus_123", created.Id);
        Assert.Equal(-500, read.Balance);
        Assert.Equal("Straße 1", read.Address?.Line1);
        Assert.Equal("10115", read.Address?.PostalCode);
        Assert.Equal("pm_1", read.InvoiceSettings?.DefaultPaymentMethod?.Id);
        Assert.Equal("card", read.InvoiceSettings?.DefaultPaymentMethod?.Value?.Fields["type"].GetString());
        Assert.Equal("clock_1", read.TestClock?.Id);
        Assert.False(read.TestClock?.IsExpanded);
        Assert.Equal(["de"], read.PreferredLocales);
        Assert.True(deleted.Deleted);
        Assert.Equal("a@example.com", Assert.Single(listed.Data).Email);
    }

    [Fact]
    public async Task A_deleted_customer_reads_as_deleted()
    {
        await using var stub = await Routes(("GET /v1/customers/cus_gone", """{"id":"cus_gone","object":"customer","deleted":true}"""));

        var customer = await stub.Client().Customers.GetAsync("cus_gone", cancellationToken: Ct);

        Assert.True(customer.Deleted);
    }

    private const string SessionJson = """
        {"id":"cs_test_123","object":"checkout.session","allow_promotion_codes":true,"amount_subtotal":1200,"amount_total":1200,
         "cancel_url":"https://yapit.example/cancel","client_reference_id":"user_42",
         "consent":{"promotions":null,"terms_of_service":"accepted"},
         "consent_collection":{"payment_method_reuse_agreement":null,"promotions":"none","terms_of_service":"required"},
         "created":1767225600,"currency":"usd",
         "customer":{"id":"cus_123","object":"customer","email":"a@example.com","created":1767225600,"livemode":false,"metadata":{}},
         "customer_creation":null,"customer_details":{"address":{"country":"DE"},"email":"a@example.com","name":"Ada","phone":null,"tax_exempt":"none","tax_ids":[]},
         "customer_email":null,"discounts":[{"coupon":null,"promotion_code":"promo_1"}],"expires_at":1767312000,"invoice":"in_1",
         "livemode":false,"locale":null,"metadata":{"user_id":"42"},"mode":"subscription","payment_intent":null,
         "payment_status":"paid","status":"complete","subscription":"sub_123","success_url":"https://yapit.example/ok",
         "total_details":{"amount_discount":0,"amount_shipping":0,"amount_tax":0},"ui_mode":"hosted_page","url":null,
         "adaptive_pricing":{"enabled":true}}
        """;

    [Fact]
    public async Task Checkout_sessions_are_read_expanded_listed_and_expired()
    {
        await using var stub = await Routes(
            ("GET /v1/checkout/sessions/cs_test_123", SessionJson),
            ("GET /v1/checkout/sessions", $$"""{"object":"list","data":[{{SessionJson}}],"has_more":false,"url":"/v1/checkout/sessions"}"""),
            ("POST /v1/checkout/sessions/cs_test_123/expire", SessionJson.Replace("\"status\":\"complete\"", "\"status\":\"expired\"", StringComparison.Ordinal)),
            ("GET /v1/checkout/sessions/cs_test_123/line_items", """
                {"object":"list","has_more":false,"url":"/v1/checkout/sessions/cs_test_123/line_items","data":[
                 {"id":"li_1","object":"item","amount_discount":0,"amount_subtotal":1200,"amount_tax":0,"amount_total":1200,"currency":"usd",
                  "description":"Yapit Plus","price":{"id":"price_plus","object":"price","currency":"usd","unit_amount":1200,"type":"recurring"},"quantity":1}]}
                """));
        var sessions = stub.Client().Checkout.Sessions;

        var session = await sessions.GetAsync("cs_test_123", new GetOptions { Expand = ["customer"] }, cancellationToken: Ct);
        var listed = await sessions.ListAsync(new CheckoutSessionListOptions
        {
            CustomerDetails = new CheckoutCustomerDetailsFilter { Email = "a@example.com" },
            Status = CheckoutSessionStatuses.Complete,
            Subscription = "sub_123",
        }, cancellationToken: Ct);
        var expired = await sessions.ExpireAsync("cs_test_123", cancellationToken: Ct);
        var lines = await sessions.ListLineItemsAsync("cs_test_123", cancellationToken: Ct);

        Assert.Equal(
            [
                "GET /v1/checkout/sessions/cs_test_123?expand[0]=customer",
                "GET /v1/checkout/sessions?customer_details[email]=a%40example.com&status=complete&subscription=sub_123",
                "POST /v1/checkout/sessions/cs_test_123/expire",
                "GET /v1/checkout/sessions/cs_test_123/line_items",
            ],
            stub.Requests.Select(r => $"{r.Method} {r.Target}"));
        Assert.Equal(CheckoutSessionStatuses.Complete, session.Status);
        Assert.Equal("paid", session.PaymentStatus);
        Assert.Equal(CheckoutModes.Subscription, session.Mode);
        Assert.Equal("sub_123", session.Subscription?.Id);
        Assert.True(session.Customer?.IsExpanded);
        Assert.Equal("a@example.com", session.Customer?.Value?.Email);
        Assert.Equal("accepted", session.Consent?.TermsOfService);
        Assert.Equal("required", session.ConsentCollection?.TermsOfService);
        Assert.Equal("promo_1", Assert.Single(session.Discounts!).PromotionCode?.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767312000), session.ExpiresAt);
        Assert.Equal("42", session.Metadata?["user_id"]);
        Assert.Null(session.Url);
        Assert.Equal("DE", session.CustomerDetails?.Address?.Country);
        Assert.Single(listed.Data);
        Assert.Equal(CheckoutSessionStatuses.Expired, expired.Status);
        Assert.Equal("price_plus", Assert.Single(lines.Data).Price?.Id);
    }

    private const string SubscriptionJson = """
        {"id":"sub_123","object":"subscription","billing_cycle_anchor":1767225600,"cancel_at":null,"cancel_at_period_end":false,
         "canceled_at":null,"cancellation_details":{"comment":null,"feedback":null,"reason":null},"collection_method":"charge_automatically",
         "created":1767225600,"currency":"usd","customer":"cus_123","default_payment_method":"pm_1","description":null,"ended_at":null,
         "items":{"object":"list","has_more":false,"url":"/v1/subscription_items?subscription=sub_123","data":[
           {"id":"si_1","object":"subscription_item","created":1767225600,"current_period_start":1767225600,"current_period_end":1769904000,
            "metadata":{},"quantity":1,"subscription":"sub_123","discounts":[],"tax_rates":[],
            "plan":{"id":"price_plus","object":"plan"},
            "price":{"id":"price_plus","object":"price","active":true,"currency":"usd","lookup_key":"plus_monthly","product":"prod_plus",
                     "recurring":{"interval":"month","interval_count":1,"usage_type":"licensed"},"type":"recurring","unit_amount":1200,"unit_amount_decimal":"1200"}}]},
         "latest_invoice":"in_1","livemode":false,"metadata":{"user_id":"42"},"pause_collection":null,"pending_update":null,
         "schedule":null,"start_date":1767225600,"status":"a_status_stripe_adds_later","test_clock":"clock_1",
         "trial_end":1767830400,"trial_settings":{"end_behavior":{"missing_payment_method":"cancel"}},"trial_start":1767225600,
         "billing_mode":{"type":"flexible","flexible":{"proration_discounts":"included"}}}
        """;

    [Fact]
    public async Task Subscriptions_are_created_read_canceled_and_listed_with_their_items_periods()
    {
        await using var stub = await Routes(
            ("POST /v1/subscriptions", SubscriptionJson),
            ("GET /v1/subscriptions/sub_123", SubscriptionJson),
            ("DELETE /v1/subscriptions/sub_123", SubscriptionJson.Replace("\"ended_at\":null", "\"ended_at\":1767300000", StringComparison.Ordinal)),
            ("GET /v1/subscriptions", $$"""{"object":"list","data":[{{SubscriptionJson}}],"has_more":false,"url":"/v1/subscriptions"}"""));
        var subscriptions = stub.Client().Subscriptions;

        await subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = "cus_123",
            Items = [new SubscriptionItemOptions { Price = "price_plus", Quantity = 1 }],
            Metadata = new() { ["user_id"] = "42" },
            PaymentBehavior = PaymentBehaviors.DefaultIncomplete,
            TrialEnd = DateTimeOffset.FromUnixTimeSeconds(1767830400),
            TrialSettings = new SubscriptionTrialSettings { EndBehavior = new() { MissingPaymentMethod = "cancel" } },
        }, cancellationToken: Ct);
        var subscription = await subscriptions.GetAsync("sub_123", cancellationToken: Ct);
        var canceled = await subscriptions.CancelAsync("sub_123", cancellationToken: Ct);
        await subscriptions.ListAsync(new SubscriptionListOptions
        {
            Customer = "cus_123",
            Status = SubscriptionStatuses.PastDue,
            CurrentPeriodEnd = new DateRangeFilter { LessThan = DateTimeOffset.FromUnixTimeSeconds(1769904000) },
        }, cancellationToken: Ct);

        Assert.Equal(
            [
                "POST /v1/subscriptions customer=cus_123&items[0][price]=price_plus&items[0][quantity]=1&metadata[user_id]=42&payment_behavior=default_incomplete&trial_end=1767830400&trial_settings[end_behavior][missing_payment_method]=cancel",
                "GET /v1/subscriptions/sub_123 ",
                "DELETE /v1/subscriptions/sub_123 ",
                "GET /v1/subscriptions?current_period_end[lt]=1769904000&customer=cus_123&status=past_due ",
            ],
            stub.Requests.Select(r => $"{r.Method} {r.Target} {r.Body}"));
        Assert.Equal("a_status_stripe_adds_later", subscription.Status); // unknown values are kept, never thrown on
        Assert.Equal("cus_123", subscription.Customer?.Id);
        Assert.Equal("in_1", subscription.LatestInvoice?.Id);
        Assert.Equal("clock_1", subscription.TestClock?.Id);
        Assert.Equal("pm_1", subscription.DefaultPaymentMethod?.Id);
        Assert.Null(subscription.Schedule);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), subscription.TrialStart);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767830400), subscription.TrialEnd);
        Assert.Equal("cancel", subscription.TrialSettings?.EndBehavior.MissingPaymentMethod);
        var item = Assert.Single(subscription.Items.Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), item.CurrentPeriodStart);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769904000), item.CurrentPeriodEnd);
        Assert.Equal(1200m, item.Price?.UnitAmountDecimal);
        Assert.Equal("prod_plus", item.Price?.Product?.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767300000), canceled.EndedAt);
    }

    private const string ItemJson = """
        {"id":"si_2","object":"subscription_item","created":1767225600,"current_period_start":1767225600,"current_period_end":1769904000,
         "metadata":{"meter":"voice"},"quantity":3,"subscription":"sub_123",
         "price":{"id":"price_seat","object":"price","currency":"usd","unit_amount":300,"type":"recurring","recurring":{"interval":"month"}}}
        """;

    [Fact]
    public async Task Subscription_items_are_created_read_updated_deleted_and_listed_by_subscription()
    {
        await using var stub = await Routes(
            ("POST /v1/subscription_items", ItemJson),
            ("GET /v1/subscription_items/si_2", ItemJson),
            ("POST /v1/subscription_items/si_2", ItemJson),
            ("DELETE /v1/subscription_items/si_2", """{"id":"si_2","object":"subscription_item","deleted":true}"""),
            ("GET /v1/subscription_items", $$"""{"object":"list","data":[{{ItemJson}}],"has_more":false,"url":"/v1/subscription_items"}"""));
        var items = stub.Client().SubscriptionItems;

        await items.CreateAsync(new SubscriptionItemCreateOptions
        {
            Subscription = "sub_123",
            PriceData = new SubscriptionItemPriceData { Currency = "usd", Product = "prod_seat", Recurring = new() { Interval = "month" }, UnitAmount = 300 },
            Quantity = 3,
            ProrationBehavior = ProrationBehaviors.None,
        }, cancellationToken: Ct);
        var item = await items.GetAsync("si_2", cancellationToken: Ct);
        await items.UpdateAsync("si_2", new SubscriptionItemUpdateOptions { Quantity = 4, ProrationDate = DateTimeOffset.FromUnixTimeSeconds(1767300000) }, cancellationToken: Ct);
        var deleted = await items.DeleteAsync("si_2", cancellationToken: Ct);
        var listed = await items.ListAsync(new SubscriptionItemListOptions { Subscription = "sub_123" }, cancellationToken: Ct);

        Assert.Equal(
            [
                "POST /v1/subscription_items subscription=sub_123&price_data[currency]=usd&price_data[product]=prod_seat&price_data[recurring][interval]=month&price_data[unit_amount]=300&proration_behavior=none&quantity=3",
                "GET /v1/subscription_items/si_2 ",
                "POST /v1/subscription_items/si_2 proration_date=1767300000&quantity=4",
                "DELETE /v1/subscription_items/si_2 ",
                "GET /v1/subscription_items?subscription=sub_123 ",
            ],
            stub.Requests.Select(r => $"{r.Method} {r.Target} {r.Body}"));
        Assert.Equal(3, item.Quantity);
        Assert.Equal("sub_123", item.Subscription);
        Assert.Equal("voice", item.Metadata["meter"]);
        Assert.True(deleted.Deleted);
        Assert.Single(listed.Data);
    }

    private const string InvoiceJson = """
        {"id":"in_1","object":"invoice","amount_due":800,"amount_overpaid":0,"amount_paid":800,"amount_remaining":0,
         "attempt_count":1,"attempted":true,"auto_advance":false,"billing_reason":"subscription_update","collection_method":"charge_automatically",
         "created":1767300000,"currency":"usd","customer":"cus_123","customer_email":"a@example.com","customer_name":"Ada",
         "description":null,"due_date":null,"effective_at":1767300000,"ending_balance":0,"hosted_invoice_url":"https://invoice.stripe.com/i/x",
         "invoice_pdf":"https://pay.stripe.com/invoice/x/pdf","livemode":false,"metadata":{},"next_payment_attempt":null,"number":"ABC123-0002",
         "parent":{"type":"subscription_details","quote_details":null,
                   "subscription_details":{"metadata":{"user_id":"42"},"subscription":"sub_123","subscription_proration_date":1767300000}},
         "period_start":1767225600,"period_end":1767300000,"starting_balance":0,"status":"paid",
         "status_transitions":{"finalized_at":1767300001,"marked_uncollectible_at":null,"paid_at":1767300002,"voided_at":null},
         "subtotal":800,"test_clock":null,"total":800,"webhooks_delivered_at":1767300003,
         "lines":{"object":"list","has_more":false,"url":"/v1/invoices/in_1/lines","data":[
           {"id":"il_1","object":"line_item","amount":-1000,"currency":"usd","description":"Unused time on Yapit Plus","discountable":false,
            "invoice":"in_1","livemode":false,"metadata":{},
            "parent":{"type":"subscription_item_details","invoice_item_details":null,
                      "subscription_item_details":{"invoice_item":"ii_1","proration":true,"proration_details":{"credited_items":null},"subscription":"sub_123","subscription_item":"si_1"}},
            "period":{"start":1767300000,"end":1769904000},
            "pricing":{"type":"price_details","price_details":{"price":"price_plus","product":"prod_plus"},"unit_amount_decimal":"1200"},
            "quantity":1,"subtotal":-1000},
           {"id":"il_2","object":"line_item","amount":1800,"currency":"usd","description":"Remaining time on Yapit Max","discountable":true,
            "invoice":"in_1","livemode":false,"metadata":{},
            "parent":{"type":"subscription_item_details","invoice_item_details":null,
                      "subscription_item_details":{"invoice_item":"ii_2","proration":true,"proration_details":null,"subscription":"sub_123","subscription_item":"si_1"}},
            "period":{"start":1767300000,"end":1769904000},
            "pricing":{"type":"price_details","price_details":{"price":"price_max","product":"prod_max"},"unit_amount_decimal":"2400.5"},
            "quantity":1,"subtotal":1800},
           {"id":"il_3","object":"line_item","amount":500,"currency":"usd","description":"Credits","discountable":true,"invoice":"in_1",
            "livemode":false,"metadata":{},"parent":{"type":"invoice_item_details","subscription_item_details":null,
            "invoice_item_details":{"invoice_item":"ii_3","proration":false,"proration_details":null,"subscription":null}},
            "period":{"start":1767300000,"end":1767300000},"pricing":null,"quantity":null,"subtotal":500}]}}
        """;

    [Fact]
    public async Task Invoices_read_their_subscription_lines_prorations_and_prices()
    {
        await using var stub = await Routes(("GET /v1/invoices/in_1", InvoiceJson));

        var invoice = await stub.Client().Invoices.GetAsync("in_1", cancellationToken: Ct);

        Assert.Equal("sub_123", invoice.SubscriptionId);
        Assert.Equal("subscription_details", invoice.Parent?.Type);
        Assert.Equal("42", invoice.Parent?.SubscriptionDetails?.Metadata?["user_id"]);
        Assert.Equal(InvoiceStatuses.Paid, invoice.Status);
        Assert.Equal(InvoiceBillingReasons.SubscriptionUpdate, invoice.BillingReason);
        Assert.Equal((800L, 800L, 0L), (invoice.AmountDue, invoice.AmountPaid, invoice.AmountRemaining));
        Assert.Equal("cus_123", invoice.Customer?.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), invoice.PeriodStart);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767300000), invoice.PeriodEnd);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767300002), invoice.StatusTransitions?.PaidAt);
        Assert.Null(invoice.TestClock);
        Assert.Equal(["il_1", "il_2", "il_3"], invoice.Lines.Data.Select(l => l.Id));
        Assert.Equal([true, true, false], invoice.Lines.Data.Select(l => l.IsProration));
        Assert.Equal(["price_plus", "price_max", null], invoice.Lines.Data.Select(l => l.PriceId));
        var credit = invoice.Lines.Data[0];
        Assert.Equal(-1000, credit.Amount);
        Assert.Equal("subscription_item_details", credit.Parent?.Type);
        Assert.Equal("si_1", credit.Parent?.SubscriptionItemDetails?.SubscriptionItem);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769904000), credit.Period.End);
        Assert.Equal(2400.5m, invoice.Lines.Data[1].Pricing?.UnitAmountDecimal);
        Assert.Equal("ii_3", invoice.Lines.Data[2].Parent?.InvoiceItemDetails?.InvoiceItem);
    }

    [Fact]
    public async Task Invoices_are_listed_by_customer_subscription_and_status_and_previewed()
    {
        await using var stub = await Routes(
            ("GET /v1/invoices", $$"""{"object":"list","data":[{{InvoiceJson}}],"has_more":false,"url":"/v1/invoices"}"""),
            ("POST /v1/invoices/create_preview", InvoiceJson.Replace("\"id\":\"in_1\"", "\"id\":\"upcoming_in_1\"", StringComparison.Ordinal)));
        var invoices = stub.Client().Invoices;

        var listed = await invoices.ListAsync(new InvoiceListOptions { Customer = "cus_123", Subscription = "sub_123", Status = InvoiceStatuses.Open }, cancellationToken: Ct);
        var preview = await invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Subscription = "sub_123",
            SubscriptionDetails = new InvoicePreviewSubscriptionDetails
            {
                Items = [new SubscriptionItemChange { Id = "si_1", Price = "price_max" }],
                CancelAt = TimestampOrKeyword.Of("max_period_end"),
                TrialEnd = TimestampOrKeyword.Now,
            },
            Expand = ["lines.data.pricing.price_details.price"],
        }, cancellationToken: Ct);

        Assert.Equal(
            [
                "GET /v1/invoices?customer=cus_123&status=open&subscription=sub_123 ",
                "POST /v1/invoices/create_preview subscription=sub_123&subscription_details[cancel_at]=max_period_end&subscription_details[items][0][id]=si_1&subscription_details[items][0][price]=price_max&subscription_details[trial_end]=now&expand[0]=lines.data.pricing.price_details.price",
            ],
            stub.Requests.Select(r => $"{r.Method} {r.Target} {r.Body}"));
        Assert.Single(listed.Data);
        Assert.StartsWith("upcoming_in", preview.Id, StringComparison.Ordinal);
        Assert.Equal(800, preview.AmountDue);
    }

    private const string ClockJson = """
        {"id":"clock_1","object":"test_helpers.test_clock","created":1767225600,"deletes_after":1769817600,"frozen_time":1767225600,
         "livemode":false,"name":"renewals","status":"advancing","status_details":{"advancing":{"target_frozen_time":1769904000}}}
        """;

    [Fact]
    public async Task Test_clocks_are_created_read_listed_advanced_and_deleted()
    {
        await using var stub = await Routes(
            ("POST /v1/test_helpers/test_clocks", ClockJson),
            ("GET /v1/test_helpers/test_clocks/clock_1", ClockJson.Replace("\"advancing\",", "\"ready\",", StringComparison.Ordinal)),
            ("GET /v1/test_helpers/test_clocks", $$"""{"object":"list","data":[{{ClockJson}}],"has_more":false,"url":"/v1/test_helpers/test_clocks"}"""),
            ("POST /v1/test_helpers/test_clocks/clock_1/advance", ClockJson),
            ("DELETE /v1/test_helpers/test_clocks/clock_1", """{"id":"clock_1","object":"test_helpers.test_clock","deleted":true}"""));
        var clocks = stub.Client().TestHelpers.TestClocks;

        var created = await clocks.CreateAsync(new TestClockCreateOptions { FrozenTime = DateTimeOffset.FromUnixTimeSeconds(1767225600), Name = "renewals" }, cancellationToken: Ct);
        var read = await clocks.GetAsync("clock_1", cancellationToken: Ct);
        var listed = await clocks.ListAsync(new TestClockListOptions { Limit = 10 }, cancellationToken: Ct);
        var advancing = await clocks.AdvanceAsync("clock_1", new TestClockAdvanceOptions { FrozenTime = DateTimeOffset.FromUnixTimeSeconds(1769904000) }, cancellationToken: Ct);
        var deleted = await clocks.DeleteAsync("clock_1", cancellationToken: Ct);

        Assert.Equal(
            [
                "POST /v1/test_helpers/test_clocks frozen_time=1767225600&name=renewals",
                "GET /v1/test_helpers/test_clocks/clock_1 ",
                "GET /v1/test_helpers/test_clocks?limit=10 ",
                "POST /v1/test_helpers/test_clocks/clock_1/advance frozen_time=1769904000",
                "DELETE /v1/test_helpers/test_clocks/clock_1 ",
            ],
            stub.Requests.Select(r => $"{r.Method} {r.Target} {r.Body}"));
        Assert.Equal("renewals", created.Name);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769817600), created.DeletesAfter);
        Assert.Equal(TestClockStatuses.Ready, read.Status);
        Assert.Single(listed.Data);
        Assert.Equal(TestClockStatuses.Advancing, advancing.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769904000), advancing.StatusDetails?.Advancing?.TargetFrozenTime);
        Assert.True(deleted.Deleted);
    }

    [Fact]
    public async Task An_id_is_escaped_in_the_path()
    {
        await using var stub = await Routes();

        await Assert.ThrowsAsync<Yapit.StripeApi.Errors.StripeException>(() => stub.Client().Customers.GetAsync("cus_1/../../v1/balance", cancellationToken: Ct));

        Assert.Equal("/v1/customers/cus_1%2F..%2F..%2Fv1%2Fbalance", stub.Single().Target);
    }
}
