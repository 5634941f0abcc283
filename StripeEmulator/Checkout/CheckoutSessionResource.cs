using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Checkout;

/// <summary>
/// Checkout Sessions: created by the API, paid on the hosted page (<see cref="CheckoutPages"/>) or the operator
/// shortcut, and completed into what Stripe creates (customer, payment method, subscription and first invoice, or a
/// payment), with Stripe's events and <c>checkout.session.completed</c> last.
/// </summary>
internal static class CheckoutSessionResource
{
    public const string Type = "checkout.session";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "checkout.session",
        Includable = ["line_items"],
        Hidden = [SubscriptionDataField, PaymentIntentDataField],
        Expandable = new Dictionary<string, string>
        {
            ["customer"] = CustomerResource.Type,
            ["subscription"] = SubscriptionResource.Type,
            ["invoice"] = InvoiceEngine.Type,
            ["payment_intent"] = PaymentIntents.Type,
            ["line_items.data.price.product"] = ProductResource.Type,
        },
    };

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("mode", P.Enum("payment", "setup", "subscription")),
        ("line_items", P.Array(P.Object(("price", P.String), ("quantity", P.Positive), ("adjustable_quantity", P.Unsupported), ("price_data", P.Unsupported),
            ("tax_rates", P.Unsupported), ("dynamic_tax_rates", P.Unsupported), ("metadata", P.Metadata)))),
        ("customer", P.String),
        ("customer_email", P.String),
        ("customer_creation", P.Enum("always", "if_required")),
        ("client_reference_id", P.Max(200)),
        ("metadata", P.Metadata),
        ("subscription_data", P.Object(
            ("trial_period_days", P.Positive), ("trial_end", P.Timestamp), ("metadata", P.Metadata), ("description", P.Max(500)),
            ("trial_settings", P.Object(("end_behavior", P.Object(("missing_payment_method", P.Enum("cancel", "create_invoice", "pause")))))),
            ("billing_mode", P.Object(("type", P.Enum("classic", "flexible")))),
            ("billing_cycle_anchor", P.Unsupported), ("default_tax_rates", P.Unsupported), ("application_fee_percent", P.Unsupported),
            ("invoice_settings", P.Unsupported), ("on_behalf_of", P.Unsupported), ("proration_behavior", P.Unsupported), ("transfer_data", P.Unsupported))),
        ("payment_intent_data", P.Object(("description", P.String), ("metadata", P.Metadata), ("setup_future_usage", P.Enum("off_session", "on_session")))),
        ("invoice_creation", P.Object(("enabled", P.Boolean.Required()), ("invoice_data", P.Object(("description", P.String), ("metadata", P.Metadata), ("footer", P.String))))),
        ("allow_promotion_codes", P.Boolean),
        ("discounts", P.Array(P.Object(("coupon", P.String), ("promotion_code", P.String)))),
        ("success_url", P.Max(5000)),
        ("cancel_url", P.Max(5000)),
        ("return_url", P.Max(5000)),
        ("expires_at", P.Timestamp),
        ("payment_method_types", P.Array(P.Enum("card"))),
        ("payment_method_collection", P.Enum("always", "if_required")),
        ("ui_mode", P.Enum("hosted")),
        ("locale", P.String),
        ("billing_address_collection", P.Enum("auto", "required")),
        ("automatic_tax", P.Object(("enabled", P.Boolean.Required()))),
        ("submit_type", P.Enum("auto", "book", "donate", "pay", "subscribe")),
        ("phone_number_collection", P.Object(("enabled", P.Boolean.Required()))),
        ("consent_collection", P.Unsupported),
        ("custom_fields", P.Unsupported),
        ("custom_text", P.Unsupported),
        ("customer_update", P.Unsupported),
        ("shipping_address_collection", P.Unsupported),
        ("shipping_options", P.Unsupported),
        ("tax_id_collection", P.Unsupported),
        ("saved_payment_method_options", P.Unsupported));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/checkout/sessions",
        Create = (CreateSchema, c => Create(c.Tx, c.Params, c.BaseUrl)),
        Update = (RequestSchema.Body(("metadata", P.Metadata.Emptyable())), c => UpdateMetadata(c.Tx, c.Id, c.Params)),
        List =
        [
            ListFilter.Created, ListFilter.String("customer"), ListFilter.String("subscription"), ListFilter.String("payment_intent"),
            ListFilter.Equal("status", P.Enum("complete", "expired", "open")),
            ListFilter.Custom("customer_details", P.Object(("email", P.String.Required())),
                (s, d) => s.Data["customer_details"]?["email"]?.GetValue<string>() == d["email"]!.GetValue<string>()),
        ],
        Actions =
        [
            new("GET", "/{id}/line_items", RequestSchema.List(), Writes: false, c =>
            {
                var session = c.Tx.Get(Type, c.Id);
                return ListPage.RenderItems(c.Tx, c.Request, c.Params, [.. ((JsonArray)session["line_items"]!["data"]!).Select(l => (JsonObject)l!)],
                    $"/v1/checkout/sessions/{c.Id}/line_items");
            }),
            new("POST", "/{id}/expire", RequestSchema.Body(), Writes: true, c => Expire(c.Tx, c.Id)),
        ],
    };

    public static JsonObject Create(StoreTransaction tx, Params p, string baseUrl)
    {
        var mode = p.String("mode") ?? throw StripeErrors.ParameterMissing("mode");
        if (mode == "setup")
        {
            throw StripeErrors.Invalid("The Stripe emulator does not support Checkout in setup mode.", "mode");
        }
        var lineItems = p.Array("line_items");
        if (lineItems is null || lineItems.Count == 0)
        {
            throw StripeErrors.ParameterMissing("line_items");
        }
        if (p.String("success_url") is null && p.String("return_url") is null)
        {
            throw StripeErrors.ParameterMissing("success_url");
        }
        if (p.Has("customer") && p.Has("customer_email"))
        {
            throw StripeErrors.ParametersExclusive("customer", "customer_email");
        }
        if (p.Has("allow_promotion_codes") && p.Has("discounts"))
        {
            throw StripeErrors.Invalid("You may only specify one of these parameters: allow_promotion_codes, discounts.", "discounts");
        }
        var customerId = p.String("customer");
        if (customerId is not null)
        {
            tx.Get(CustomerResource.Type, customerId, "customer", 400);
        }
        var id = "cs_test_" + IdGenerator.New("a", 58)[2..];
        var items = new JsonArray();
        string? currency = null;
        for (var i = 0; i < lineItems.Count; i++)
        {
            var given = (JsonObject)lineItems[i]!;
            var priceId = given["price"]?.GetValue<string>() ?? throw StripeErrors.ParameterMissing($"line_items[{i}][price]");
            var price = SubscriptionEngine.Price(tx, priceId, $"line_items[{i}][price]");
            var recurring = price["type"]!.GetValue<string>() == "recurring";
            if (mode == "payment" && recurring)
            {
                throw StripeErrors.Invalid("You must be in `subscription` mode to use recurring prices.", $"line_items[{i}][price]");
            }
            currency ??= price["currency"]!.GetValue<string>();
            var quantity = given["quantity"]?.GetValue<long>() ?? 1;
            var amount = (price["unit_amount"]?.GetValue<long>() ?? 0) * quantity;
            items.Add(new JsonObject
            {
                ["id"] = IdGenerator.New("li"),
                ["object"] = "item",
                ["amount_discount"] = 0L,
                ["amount_subtotal"] = amount,
                ["amount_tax"] = 0L,
                ["amount_total"] = amount,
                ["currency"] = price["currency"]!.GetValue<string>(),
                ["description"] = tx.Find(ProductResource.Type, price["product"]!.GetValue<string>())?["name"]?.GetValue<string>(),
                ["metadata"] = JsonObjects.NewMetadata(given["metadata"]),
                ["price"] = price,
                ["quantity"] = quantity,
            });
        }
        if (mode == "subscription" && !items.Any(i => i!["price"]!["type"]!.GetValue<string>() == "recurring"))
        {
            throw StripeErrors.Invalid("You must provide at least one recurring price in `subscription` mode when using prices.", "line_items");
        }
        var expiresAt = p.Long("expires_at") ?? tx.NowUnix + 24 * 3600;
        if (expiresAt < tx.NowUnix + 30 * 60 || expiresAt > tx.NowUnix + 24 * 3600)
        {
            throw StripeErrors.Invalid("The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "expires_at");
        }
        var discounts = new JsonArray();
        foreach (var (coupon, promo) in Discounts.Resolve(tx, p.Array("discounts"), customerId))
        {
            discounts.Add(new JsonObject { ["coupon"] = promo is null ? coupon["id"]!.GetValue<string>() : null, ["promotion_code"] = promo });
        }
        var subscriptionData = p.Object("subscription_data");
        var session = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["adaptive_pricing"] = null,
            ["after_expiration"] = null,
            ["allow_promotion_codes"] = p.Bool("allow_promotion_codes"),
            ["amount_subtotal"] = 0L,
            ["amount_total"] = 0L,
            ["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["billing_address_collection"] = p.String("billing_address_collection"),
            ["cancel_url"] = p.String("cancel_url"),
            ["client_reference_id"] = p.String("client_reference_id"),
            ["client_secret"] = null,
            ["collected_information"] = null,
            ["consent"] = null,
            ["consent_collection"] = null,
            ["created"] = tx.NowUnix,
            ["customer_account"] = null,
            ["integration_identifier"] = null,
            ["managed_payments"] = null,
            ["origin_context"] = null,
            ["permissions"] = null,
            ["currency"] = currency,
            ["currency_conversion"] = null,
            ["custom_fields"] = new JsonArray(),
            ["custom_text"] = new JsonObject { ["after_submit"] = null, ["shipping_address"] = null, ["submit"] = null, ["terms_of_service_acceptance"] = null },
            ["customer"] = customerId,
            ["customer_creation"] = customerId is null ? p.String("customer_creation") ?? (mode == "subscription" ? "always" : "if_required") : null,
            ["customer_details"] = null,
            ["customer_email"] = p.String("customer_email"),
            ["discounts"] = discounts,
            ["expires_at"] = expiresAt,
            ["invoice"] = null,
            ["invoice_creation"] = mode == "payment"
                ? new JsonObject { ["enabled"] = p.Object("invoice_creation")?.Bool("enabled") ?? false, ["invoice_data"] = new JsonObject { ["account_tax_ids"] = null, ["custom_fields"] = null, ["description"] = p.Object("invoice_creation")?.Object("invoice_data")?.String("description"), ["footer"] = null, ["issuer"] = null, ["metadata"] = JsonObjects.NewMetadata(p.Object("invoice_creation")?.Object("invoice_data")?["metadata"]), ["rendering_options"] = null } }
                : null,
            ["line_items"] = new JsonObject { ["object"] = "list", ["data"] = items, ["has_more"] = false, ["url"] = $"/v1/checkout/sessions/{id}/line_items" },
            ["livemode"] = false,
            ["locale"] = p.String("locale"),
            ["metadata"] = JsonObjects.NewMetadata(p["metadata"]),
            ["mode"] = mode,
            ["payment_intent"] = null,
            ["payment_link"] = null,
            ["payment_method_collection"] = mode == "subscription" ? p.String("payment_method_collection") ?? "always" : null,
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject { ["card"] = new JsonObject { ["request_three_d_secure"] = "automatic" } },
            ["payment_method_types"] = new JsonArray("card"),
            ["payment_status"] = "unpaid",
            ["phone_number_collection"] = new JsonObject { ["enabled"] = p.Object("phone_number_collection")?.Bool("enabled") ?? false },
            ["recovered_from"] = null,
            ["saved_payment_method_options"] = null,
            ["setup_intent"] = null,
            ["shipping_address_collection"] = null,
            ["shipping_cost"] = null,
            ["shipping_options"] = new JsonArray(),
            ["status"] = "open",
            ["submit_type"] = p.String("submit_type"),
            ["subscription"] = null,
            ["success_url"] = p.String("success_url"),
            ["total_details"] = new JsonObject { ["amount_discount"] = 0L, ["amount_shipping"] = 0L, ["amount_tax"] = 0 },
            ["ui_mode"] = "hosted",
            ["url"] = $"{baseUrl}/checkout/{id}",
            ["wallet_options"] = null,
            [SubscriptionDataField] = subscriptionData?.Values.DeepClone(),
            [PaymentIntentDataField] = p.Object("payment_intent_data")?.Values.DeepClone(),
        };
        Recalculate(tx, session);
        tx.Insert(session);
        return session;
    }

    /// <summary>What the session will create, kept for completion (Stripe does not return subscription_data).</summary>
    public const string SubscriptionDataField = "emulator_subscription_data";
    public const string PaymentIntentDataField = "emulator_payment_intent_data";

    /// <summary>The trial's end if the session starts one, else null.</summary>
    public static long? TrialEnd(StoreTransaction tx, JsonObject session)
    {
        var data = session[SubscriptionDataField] as JsonObject;
        if (data?["trial_end"]?.GetValue<long>() is { } end)
        {
            return end;
        }
        return data?["trial_period_days"]?.GetValue<long>() is { } days ? tx.NowUnix + days * 86400 : null;
    }

    /// <summary>Totals as the page shows them: subtotal, the discount, what is due today (nothing during a trial).</summary>
    public static void Recalculate(StoreTransaction tx, JsonObject session)
    {
        var items = ((JsonArray)session["line_items"]!["data"]!).Select(i => (JsonObject)i!).ToList();
        var subtotal = items.Sum(i => i["amount_subtotal"]!.GetValue<long>());
        var coupons = ((JsonArray)session["discounts"]!).Select(d => d!["coupon"]?.GetValue<string>()
            ?? tx.Find(Catalog.PromotionCodes.PromotionCodeResource.Type, d["promotion_code"]!.GetValue<string>())?["promotion"]?["coupon"]?.GetValue<string>())
            .Where(c => c is not null).Select(c => tx.Find(Catalog.Coupons.CouponResource.Type, c!)).Where(c => c is not null).ToList();
        long discount = 0;
        foreach (var item in items)
        {
            var amount = item["amount_subtotal"]!.GetValue<long>();
            long off = 0;
            foreach (var coupon in coupons)
            {
                if (coupon!["percent_off"]?.GetValue<decimal>() is { } percent)
                {
                    off += (long)Math.Round((amount - off) * percent / 100m, MidpointRounding.AwayFromZero);
                }
            }
            item["amount_discount"] = off;
            item["amount_total"] = amount - off;
            discount += off;
        }
        foreach (var coupon in coupons)
        {
            if (Catalog.Coupons.CouponResource.AmountOff(coupon!, session["currency"]?.GetValue<string>()) is { } amountOff)
            {
                discount += Math.Min(amountOff, subtotal - discount);
            }
        }
        var trial = session["mode"]!.GetValue<string>() == "subscription" && TrialEnd(tx, session) is not null;
        session["amount_subtotal"] = trial ? 0 : subtotal;
        session["amount_total"] = trial ? 0 : subtotal - discount;
        session["total_details"]!["amount_discount"] = trial ? 0 : discount;
    }

    private static JsonObject UpdateMetadata(StoreTransaction tx, string id, Params p)
    {
        var session = tx.Get(Type, id);
        session["metadata"] = JsonObjects.MergeMetadata(session["metadata"] as JsonObject, p["metadata"] as JsonObject);
        tx.Update(session);
        return session;
    }

    public static JsonObject Expire(StoreTransaction tx, string id)
    {
        var before = tx.Get(Type, id);
        if (before["status"]!.GetValue<string>() != "open")
        {
            throw StripeErrors.Invalid($"Only Checkout Sessions with a status of `open` can be expired; this one is {before["status"]}.");
        }
        var after = (JsonObject)before.DeepClone();
        after["status"] = "expired";
        after["url"] = null;
        tx.Update(after);
        tx.Emit("checkout.session.expired", after, JsonObjects.PreviousAttributes(before, after));
        return after;
    }

    /// <summary>A promotion code typed on the hosted page (only when the session allows them).</summary>
    public static void ApplyPromotionCode(StoreTransaction tx, string id, string code)
    {
        var session = tx.Get(Type, id);
        if (session["allow_promotion_codes"]?.GetValue<bool>() != true)
        {
            throw StripeErrors.Invalid("This Checkout Session does not accept promotion codes.");
        }
        var promoId = Discounts.FindCode(tx, code) ?? throw StripeErrors.Invalid($"This code is invalid: {code}.", "promotion_code");
        Discounts.ResolvePromotionCode(tx, promoId, session["customer"]?.GetValue<string>(), "promotion_code");
        session["discounts"] = new JsonArray(new JsonObject { ["coupon"] = null, ["promotion_code"] = promoId });
        Recalculate(tx, session);
        tx.Update(session);
    }

    /// <summary>How a completion ended, for the page: where to send the person next.</summary>
    public sealed record Completion(JsonObject Session, string Redirect);

    /// <summary>
    /// Pays the session with a test card and creates what Stripe creates. A declined card refuses the whole payment
    /// (nothing is kept, the page shows the error); a card that needs authentication leaves the subscription
    /// <c>incomplete</c> with its invoice's payment in <c>requires_action</c>, and sends the person to the invoice's
    /// authentication step.
    /// </summary>
    public static Completion Complete(StoreTransaction tx, string id, string cardToken, string? email, string? name)
    {
        var before = tx.Get(Type, id);
        if (before["status"]!.GetValue<string>() != "open")
        {
            throw StripeErrors.Invalid($"This Checkout Session is {before["status"]} and can no longer be paid.");
        }
        if (before["expires_at"]!.GetValue<long>() <= tx.NowUnix)
        {
            throw StripeErrors.Invalid("This Checkout Session has expired.");
        }
        var session = (JsonObject)before.DeepClone();
        var mode = session["mode"]!.GetValue<string>();
        email = session["customer_email"]?.GetValue<string>() ?? (string.IsNullOrWhiteSpace(email) ? null : email.Trim());

        // The customer: the session's, or a new one (subscriptions always need one).
        JsonObject? customer = session["customer"]?.GetValue<string>() is { } customerId ? tx.Get(CustomerResource.Type, customerId) : null;
        if (customer is null && (mode == "subscription" || session["customer_creation"]?.GetValue<string>() == "always"))
        {
            var values = new JsonObject { ["email"] = email, ["name"] = string.IsNullOrWhiteSpace(name) ? null : name.Trim() };
            customer = CustomerResource.Create(tx, new Params(values));
            session["customer"] = customer["id"]!.GetValue<string>();
        }
        email ??= customer?["email"]?.GetValue<string>();
        // As in Stripe: what Checkout creates for a customer on a test clock lives on that clock (its times, its renewals).
        tx.UseClockOf(customer);
        var paymentMethod = customer is null
            ? PaymentMethodResource.FromToken(tx, cardToken, "card")
            : PaymentMethodResource.Attach(tx, cardToken, customer["id"]!.GetValue<string>(), "card");
        var card = TestCards.Of(paymentMethod);
        if (customer is null && card.Behavior == CardBehavior.Declines)
        {
            throw card.Decline("card");
        }
        session["customer_details"] = new JsonObject
        {
            ["address"] = null,
            ["business_name"] = null,
            ["email"] = email,
            ["individual_name"] = null,
            ["name"] = customer?["name"]?.DeepClone() ?? (string.IsNullOrWhiteSpace(name) ? null : name.Trim()),
            ["phone"] = null,
            ["tax_exempt"] = "none",
            ["tax_ids"] = new JsonArray(),
        };

        var successUrl = (session["success_url"] ?? session["return_url"])!.GetValue<string>().Replace("{CHECKOUT_SESSION_ID}", id, StringComparison.Ordinal);
        var redirect = successUrl;
        var items = ((JsonArray)session["line_items"]!["data"]!).Select(i => (JsonObject)i!).ToList();
        if (mode == "subscription")
        {
            var data = session[SubscriptionDataField] as JsonObject;
            var discounts = ((JsonArray)session["discounts"]!).Select(d => d!["promotion_code"]?.GetValue<string>() is { } promo
                ? Discounts.ResolvePromotionCode(tx, promo, customer!["id"]!.GetValue<string>(), "discounts")
                : (tx.Get(Catalog.Coupons.CouponResource.Type, d["coupon"]!.GetValue<string>()), (string?)null)).ToList();
            var (subscription, invoice) = SubscriptionEngine.Create(tx, new SubscriptionEngine.CreateRequest(
                customer!,
                [.. items.Select(i => (i["price"]!["id"]!.GetValue<string>(), i["quantity"]!.GetValue<long>(), (JsonObject?)null))],
                TrialEnd(tx, session),
                paymentMethod["id"]!.GetValue<string>(),
                "error_if_incomplete",
                CancelAtPeriodEnd: false,
                CancelAt: null,
                JsonObjects.NewMetadata(data?["metadata"]),
                discounts,
                data?["description"]?.GetValue<string>(),
                id));
            session["subscription"] = subscription["id"]!.GetValue<string>();
            session["invoice"] = invoice["id"]!.GetValue<string>();
            session["payment_status"] = invoice["status"]!.GetValue<string>() == "paid"
                ? (invoice["amount_due"]!.GetValue<long>() == 0 ? "no_payment_required" : "paid")
                : "unpaid";
            if (invoice["status"]!.GetValue<string>() == "open")
            {
                redirect = $"{invoice["hosted_invoice_url"]}/authenticate?return_to={Uri.EscapeDataString(successUrl)}";
            }
        }
        else
        {
            var total = session["amount_total"]!.GetValue<long>();
            var (intent, outcome) = PaymentIntents.Charge(tx, customer?["id"]?.GetValue<string>()!, paymentMethod["id"]!.GetValue<string>(), total,
                session["currency"]!.GetValue<string>(), (session[PaymentIntentDataField] as JsonObject)?["description"]?.GetValue<string>() ?? $"Checkout {id}");
            if (outcome == PaymentOutcome.Declined)
            {
                throw card.Decline("card");
            }
            if (outcome == PaymentOutcome.RequiresAction)
            {
                // One-time payments authenticate in the page itself; the emulator counts the confirmation as done,
                // after which a card that declines once authenticated still declines.
                if (card.Behavior == CardBehavior.DeclinesAfterAuthentication)
                {
                    throw card.Decline("card");
                }
                PaymentIntents.Settle(intent, PaymentOutcome.Succeeded, card, paymentMethod["id"]!.GetValue<string>());
                tx.Update(intent);
            }
            foreach (var (coupon, promo) in ((JsonArray)session["discounts"]!).Select(d => d!["promotion_code"]?.GetValue<string>() is { } p
                ? Discounts.ResolvePromotionCode(tx, p, customer?["id"]?.GetValue<string>(), "discounts")
                : (tx.Get(Catalog.Coupons.CouponResource.Type, d["coupon"]!.GetValue<string>()), (string?)null)).ToList())
            {
                Discounts.Redeem(tx, coupon, promo, customer?["id"]?.GetValue<string>()!, null, id);
            }
            tx.Emit("payment_intent.created", intent);
            tx.Emit("payment_intent.succeeded", intent);
            session["payment_intent"] = intent["id"]!.GetValue<string>();
            session["payment_status"] = "paid";
            if (session["invoice_creation"]?["enabled"]?.GetValue<bool>() == true && customer is not null)
            {
                session["invoice"] = PaymentInvoice(tx, session, customer, items, intent)["id"]!.GetValue<string>();
            }
        }
        session["status"] = "complete";
        session["url"] = null;
        tx.Update(session);
        tx.Emit("checkout.session.completed", session);
        return new Completion(session, redirect);
    }

    /// <summary>The paid invoice a one-time payment gets with <c>invoice_creation[enabled]=true</c>.</summary>
    private static JsonObject PaymentInvoice(StoreTransaction tx, JsonObject session, JsonObject customer, List<JsonObject> items, JsonObject intent)
    {
        var invoice = InvoiceEngine.New(tx, customer, null, "manual", session["currency"]!.GetValue<string>(), tx.NowUnix, tx.NowUnix);
        var lines = new JsonArray();
        foreach (var item in items)
        {
            var price = (JsonObject)item["price"]!;
            lines.Add(new JsonObject
            {
                ["id"] = IdGenerator.New("il"),
                ["object"] = "line_item",
                ["amount"] = item["amount_subtotal"]!.GetValue<long>(),
                ["currency"] = price["currency"]!.GetValue<string>(),
                ["description"] = item["description"]?.DeepClone(),
                ["discount_amounts"] = new JsonArray(),
                ["discountable"] = true,
                ["discounts"] = new JsonArray(),
                ["invoice"] = invoice["id"]!.GetValue<string>(),
                ["livemode"] = false,
                ["metadata"] = new JsonObject(),
                ["parent"] = new JsonObject { ["invoice_item_details"] = new JsonObject { ["invoice_item"] = IdGenerator.New("ii"), ["proration"] = false, ["proration_details"] = null, ["subscription"] = null }, ["subscription_item_details"] = null, ["type"] = "invoice_item_details" },
                ["period"] = new JsonObject { ["end"] = tx.NowUnix, ["start"] = tx.NowUnix },
                ["pretax_credit_amounts"] = new JsonArray(),
                ["quantity_decimal"] = null,
                ["subscription"] = null,
                ["pricing"] = new JsonObject { ["price_details"] = new JsonObject { ["price"] = price["id"]!.GetValue<string>(), ["product"] = price["product"]!.GetValue<string>() }, ["type"] = "price_details", ["unit_amount_decimal"] = price["unit_amount_decimal"]?.DeepClone() },
                ["quantity"] = item["quantity"]!.GetValue<long>(),
                ["subtotal"] = item["amount_subtotal"]!.GetValue<long>(),
                ["taxes"] = new JsonArray(),
            });
        }
        InvoiceEngine.SetLines(tx, invoice, lines.Select(l => (JsonObject)l!.DeepClone()).ToList(), []);
        // What Checkout took off is on the session; the invoice shows the amount charged.
        invoice["total"] = intent["amount"]!.GetValue<long>();
        invoice["amount_due"] = intent["amount"]!.GetValue<long>();
        invoice["amount_remaining"] = intent["amount"]!.GetValue<long>();
        invoice["starting_balance"] = 0L;
        var draft = (JsonObject)invoice.DeepClone();
        // The payment was taken on the page, so the customer's balance is not applied to its receipt invoice.
        InvoiceEngine.Finalize(tx, invoice, customer, applyBalance: false);
        var finalized = (JsonObject)invoice.DeepClone();
        var attempt = InvoiceEngine.Apply(tx, invoice, intent, PaymentOutcome.Succeeded, retriesAfterFailure: false);
        tx.Insert(invoice);
        tx.Emit("invoice.created", draft);
        tx.Emit("invoice.finalized", finalized);
        InvoiceEngine.Announce(tx, invoice, attempt with { Charged = false });
        return invoice;
    }
}
