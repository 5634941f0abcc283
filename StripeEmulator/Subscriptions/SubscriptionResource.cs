using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Subscriptions;

/// <summary><c>/v1/subscriptions</c> and <c>/v1/subscription_items</c>: parameters and routes; the rules are in <see cref="SubscriptionEngine"/>.</summary>
internal static class SubscriptionResource
{
    public const string Type = "subscription";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "subscription",
        EventPrefix = "customer.subscription",
        Hidden = [SubscriptionLifecycle.TrialWillEndSentField],
        Expandable = new Dictionary<string, string>
        {
            ["customer"] = CustomerResource.Type,
            ["default_payment_method"] = PaymentMethodResource.Type,
            ["latest_invoice"] = InvoiceEngine.Type,
            ["discounts"] = Discounts.Type,
            ["items.data.price.product"] = ProductResource.Type,
            ["items.data.plan.product"] = ProductResource.Type,
        },
    };

    public static ResourceDefinition ItemDefinition { get; } = new()
    {
        Type = SubscriptionEngine.ItemType,
        Noun = "subscription item",
        Expandable = new Dictionary<string, string> { ["price.product"] = ProductResource.Type, ["plan.product"] = ProductResource.Type },
    };

    public static ResourceDefinition InvoiceItemDefinition { get; } = new()
    {
        Type = SubscriptionEngine.InvoiceItemType,
        Noun = "invoice item",
        Expandable = new Dictionary<string, string> { ["customer"] = CustomerResource.Type, ["invoice"] = InvoiceEngine.Type },
    };

    private static readonly string[] PaymentBehaviors = ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"];
    private static readonly string[] ProrationBehaviors = ["always_invoice", "create_prorations", "none"];

    private static readonly Param CancellationDetails = P.Object(
        ("comment", P.Max(5000).Emptyable()),
        ("feedback", P.Enum("customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused").Emptyable()));

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("customer", P.String.Required()),
        ("items", P.Array(P.Object(("price", P.String.Required()), ("quantity", P.NonNegative), ("metadata", P.Metadata), ("discounts", P.Unsupported),
            ("price_data", P.Unsupported), ("tax_rates", P.Unsupported), ("billing_thresholds", P.Unsupported), ("plan", P.Unsupported))).Required()),
        ("trial_period_days", P.NonNegative),
        ("trial_end", new TimestampOrParam("now")),
        ("trial_from_plan", P.Boolean),
        ("trial_settings", P.Object(("end_behavior", P.Object(("missing_payment_method", P.Enum("cancel", "create_invoice", "pause")))))),
        ("default_payment_method", P.String),
        ("payment_behavior", P.Enum(PaymentBehaviors)),
        ("proration_behavior", P.Enum(ProrationBehaviors)),
        ("cancel_at_period_end", P.Boolean),
        ("cancel_at", new TimestampOrParam("max_period_end", "min_period_end")),
        ("collection_method", P.Enum("charge_automatically")),
        ("currency", P.Currency),
        ("description", P.Max(500)),
        ("discounts", Discounts.Schema),
        ("metadata", P.Metadata.Emptyable()),
        ("off_session", P.Boolean),
        ("billing_mode", P.Object(("type", P.Enum("classic", "flexible")), ("flexible", P.Object(("proration_discounts", P.Enum("included", "itemized")))))),
        ("payment_settings", P.Object(("save_default_payment_method", P.Enum("off", "on_subscription")), ("payment_method_types", P.Array(P.String).Emptyable()))),
        ("billing_cycle_anchor", P.Unsupported),
        ("automatic_tax", P.Unsupported),
        ("days_until_due", P.Unsupported),
        ("add_invoice_items", P.Unsupported),
        ("default_tax_rates", P.Unsupported));

    private static readonly Param UpdateItems = P.Array(P.Object(
        ("id", P.String), ("price", P.String), ("quantity", P.NonNegative), ("deleted", P.Boolean), ("clear_usage", P.Boolean),
        ("metadata", P.Metadata.Emptyable()), ("discounts", P.Unsupported), ("price_data", P.Unsupported), ("tax_rates", P.Unsupported)));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("items", UpdateItems),
        ("proration_behavior", P.Enum(ProrationBehaviors)),
        ("proration_date", P.Timestamp),
        ("payment_behavior", P.Enum(PaymentBehaviors)),
        ("billing_cycle_anchor", P.Enum("now", "unchanged")),
        ("trial_end", new TimestampOrParam("now")),
        ("cancel_at_period_end", P.Boolean),
        ("cancel_at", new TimestampOrParam("max_period_end", "min_period_end").Emptyable()),
        ("cancellation_details", CancellationDetails),
        ("default_payment_method", P.String.Emptyable()),
        ("description", P.Max(500).Emptyable()),
        ("discounts", Discounts.Schema),
        ("metadata", P.Metadata.Emptyable()),
        ("off_session", P.Boolean),
        ("payment_settings", P.Object(("save_default_payment_method", P.Enum("off", "on_subscription")), ("payment_method_types", P.Array(P.String).Emptyable()))),
        ("pause_collection", P.Unsupported),
        ("trial_from_plan", P.Boolean),
        ("trial_settings", P.Object(("end_behavior", P.Object(("missing_payment_method", P.Enum("cancel", "create_invoice", "pause")))))),
        ("collection_method", P.Enum("charge_automatically")),
        ("automatic_tax", P.Unsupported),
        ("add_invoice_items", P.Unsupported),
        ("default_tax_rates", P.Unsupported));

    public static ObjectParam CancelSchema { get; } = RequestSchema.Body(
        ("invoice_now", P.Boolean), ("prorate", P.Boolean), ("cancellation_details", CancellationDetails));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/subscriptions",
        Create = (CreateSchema, c => Create(c.Tx, c.Params)),
        Update = (UpdateSchema, c => Update(c.Tx, c.Id, c.Params)),
        List =
        [
            ListFilter.Created,
            ListFilter.String("customer"),
            ListFilter.String("test_clock"),
            ListFilter.Equal("collection_method", P.Enum("charge_automatically", "send_invoice")),
            ListFilter.Custom("price", P.String, (s, price) => Items(s.Data).Any(i => i["price"]!["id"]!.GetValue<string>() == price.GetValue<string>())),
            ListFilter.Custom("status", P.Enum("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"),
                (s, status) => status.GetValue<string>() switch
                {
                    "all" => true,
                    "ended" => s.Data["status"]!.GetValue<string>() is "canceled" or "incomplete_expired",
                    var wanted => s.Data["status"]!.GetValue<string>() == wanted,
                }),
        ],
        // Without a status filter Stripe lists every subscription that is not canceled.
        ListAlways = (s, p) => p.Has("status") || s.Data["status"]!.GetValue<string>() != "canceled",
        Search = new(new Dictionary<string, string> { ["status"] = "status", ["customer"] = "customer" }),
        Delete = null,
        Actions =
        [
            new("DELETE", "/{id}", CancelSchema, Writes: true, c => SubscriptionEngine.CancelNow(c.Tx, c.Id,
                c.Params.Bool("invoice_now") ?? false, c.Params.Bool("prorate") ?? false, "cancellation_requested", c.Params.Object("cancellation_details")?.Values)),
            new("POST", "/{id}/resume", RequestSchema.Body(("billing_cycle_anchor", P.Enum("now", "unchanged")), ("proration_behavior", P.Enum(ProrationBehaviors)), ("proration_date", P.Timestamp)),
                Writes: true, c => Resume(c.Tx, c.Id)),
        ],
    };

    public static ResourceApi ItemsApi { get; } = new()
    {
        Definition = ItemDefinition,
        Path = "/v1/subscription_items",
        Find = (tx, id) => FindItem(tx, id)?.Item,
        Update = (RequestSchema.Body(
            ("price", P.String), ("quantity", P.NonNegative), ("metadata", P.Metadata.Emptyable()),
            ("proration_behavior", P.Enum(ProrationBehaviors)), ("proration_date", P.Timestamp), ("payment_behavior", P.Enum(PaymentBehaviors)),
            ("off_session", P.Boolean), ("price_data", P.Unsupported), ("tax_rates", P.Unsupported), ("discounts", P.Unsupported)), c => UpdateItem(c.Tx, c.Id, c.Params)),
        Create = (RequestSchema.Body(
            ("subscription", P.String.Required()), ("price", P.String), ("quantity", P.NonNegative), ("metadata", P.Metadata),
            ("proration_behavior", P.Enum(ProrationBehaviors)), ("proration_date", P.Timestamp), ("payment_behavior", P.Enum(PaymentBehaviors)),
            ("plan", P.Unsupported), ("price_data", P.Unsupported), ("tax_rates", P.Unsupported), ("discounts", P.Unsupported), ("billing_thresholds", P.Unsupported)),
            c => CreateItem(c.Tx, c.Params)),
        Actions =
        [
            new("DELETE", "/{id}", RequestSchema.Body(
                ("proration_behavior", P.Enum(ProrationBehaviors)), ("proration_date", P.Timestamp), ("payment_behavior", P.Enum(PaymentBehaviors)),
                ("clear_usage", P.Boolean)), Writes: true, c => DeleteItem(c.Tx, c.Id, c.Params)),
            new("GET", "", RequestSchema.List(("subscription", P.String.Required())), Writes: false, c =>
            {
                var subscription = c.Tx.Get(Type, c.Params.String("subscription")!, "subscription", 400);
                return ListPage.RenderItems(c.Tx, c.Request, c.Params, Items(subscription).ToList(), "/v1/subscription_items");
            }),
        ],
    };

    public static IEnumerable<JsonObject> Items(JsonObject subscription) => ((JsonArray)subscription["items"]!["data"]!).Select(n => (JsonObject)n!);

    private static (JsonObject Subscription, JsonObject Item)? FindItem(StoreTransaction tx, string itemId)
    {
        foreach (var subscription in tx.All(Type))
        {
            if (Items(subscription.Data).FirstOrDefault(i => i["id"]!.GetValue<string>() == itemId) is { } item)
            {
                return ((JsonObject)subscription.Data.DeepClone(), (JsonObject)item.DeepClone());
            }
        }
        return null;
    }

    public static JsonObject Create(StoreTransaction tx, Params p)
    {
        var customer = tx.Get(CustomerResource.Type, p.String("customer")!, "customer", 400);
        tx.UseClockOf(customer);
        var customerId = customer["id"]!.GetValue<string>();
        var items = p.Array("items")!;
        if (items.Count == 0)
        {
            throw StripeErrors.ParameterMissing("items");
        }
        var behavior = p.String("payment_behavior") ?? "allow_incomplete";
        if (behavior == "pending_if_incomplete")
        {
            throw StripeErrors.Invalid("payment_behavior=pending_if_incomplete is only for updates.", "payment_behavior");
        }
        long? trialEnd = null;
        if (p.Long("trial_period_days") is { } days && days > 0)
        {
            trialEnd = tx.NowUnix + days * 86400;
        }
        if (p["trial_end"] is JsonValue trial)
        {
            if (p.Has("trial_period_days"))
            {
                throw StripeErrors.ParametersExclusive("trial_end", "trial_period_days");
            }
            trialEnd = trial.TryGetValue<long>(out var at) ? at : null;
            if (trialEnd is { } end && end <= tx.NowUnix)
            {
                throw StripeErrors.Invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", "trial_end");
            }
        }
        var defaultPaymentMethod = p.String("default_payment_method") is { } pm
            ? SubscriptionEngine.OwnPaymentMethod(tx, customerId, pm, "default_payment_method")
            : null;
        long? cancelAt = p["cancel_at"] is JsonValue cancel && cancel.TryGetValue<long>(out var cancelTime) ? cancelTime : null;
        if (p.Bool("cancel_at_period_end") == true && cancelAt is not null)
        {
            throw StripeErrors.ParametersExclusive("cancel_at", "cancel_at_period_end");
        }
        var (subscription, _) = SubscriptionEngine.Create(tx, new SubscriptionEngine.CreateRequest(
            customer,
            [.. items.Select(i => (i!["price"]!.GetValue<string>(), i["quantity"]?.GetValue<long>() ?? 1, i["metadata"] as JsonObject))],
            trialEnd,
            defaultPaymentMethod,
            behavior,
            p.Bool("cancel_at_period_end") ?? false,
            cancelAt,
            JsonObjects.NewMetadata(p["metadata"]),
            Discounts.Resolve(tx, p.Array("discounts"), customerId),
            p.String("description"),
            MissingPaymentMethod: p.Object("trial_settings")?.Object("end_behavior")?.String("missing_payment_method") ?? "create_invoice",
            SaveDefaultPaymentMethod: p.Object("payment_settings")?.String("save_default_payment_method") ?? "off"));
        return subscription;
    }

    public static JsonObject Update(StoreTransaction tx, string id, Params p)
    {
        var behavior = p.String("payment_behavior") ?? "allow_incomplete";
        if (behavior == PendingUpdates.Behavior)
        {
            PendingUpdates.CheckUpdate(p);
        }
        var change = new SubscriptionEngine.Change(p.Array("items"), p.String("proration_behavior") ?? "create_prorations", p.Long("proration_date"),
            p["trial_end"], p.String("billing_cycle_anchor"), behavior);
        return SubscriptionEngine.Update(tx, id, p.Without("items", "proration_behavior", "proration_date", "trial_end", "billing_cycle_anchor", "payment_behavior", "off_session"),
            change, preview: false).Subscription;
    }

    private static JsonObject UpdateItem(StoreTransaction tx, string itemId, Params p)
    {
        var (subscription, _) = FindItem(tx, itemId) ?? throw StripeErrors.ResourceMissing("subscription item", itemId);
        var item = new JsonObject { ["id"] = itemId };
        foreach (var key in new[] { "price", "quantity", "metadata" })
        {
            if (p.Has(key))
            {
                item[key] = p.Copy(key);
            }
        }
        var behavior = p.String("payment_behavior") ?? "allow_incomplete";
        if (behavior == PendingUpdates.Behavior)
        {
            PendingUpdates.CheckItemUpdate(p);
        }
        var change = new SubscriptionEngine.Change(new JsonArray(item), p.String("proration_behavior") ?? "create_prorations", p.Long("proration_date"), null, null, behavior);
        var (updated, _) = ItemChange(tx, subscription["id"]!.GetValue<string>(), change, "price");
        return Items(updated).First(i => i["id"]!.GetValue<string>() == itemId);
    }

    /// <summary>
    /// <c>POST /v1/subscription_items</c>: adds a price to a subscription as an update with one new item does
    /// (prorations per <c>proration_behavior</c>, <c>customer.subscription.updated</c>); answers the new item.
    /// </summary>
    private static JsonObject CreateItem(StoreTransaction tx, Params p)
    {
        var subscriptionId = p.String("subscription")!;
        var subscription = tx.Get(Type, subscriptionId, "subscription", 400);
        var priceId = p.String("price") ?? throw StripeErrors.ParameterMissing("price");
        if (Items(subscription).Any(i => i["price"]!["id"]!.GetValue<string>() == priceId))
        {
            // Stripe refuses a second item of the same price; the quantity of the existing one is what changes.
            throw StripeErrors.Invalid($"Cannot add multiple subscription items with the same plan: {priceId}", "price");
        }
        var behavior = p.String("payment_behavior") ?? "allow_incomplete";
        if (behavior == PendingUpdates.Behavior)
        {
            PendingUpdates.CheckItemUpdate(p.Without("subscription"));
        }
        var item = new JsonObject { ["price"] = priceId };
        if (p.Long("quantity") is { } quantity)
        {
            item["quantity"] = quantity;
        }
        if (p.Has("metadata"))
        {
            item["metadata"] = p.Copy("metadata");
        }
        var known = Items(subscription).Select(i => i["id"]!.GetValue<string>()).ToHashSet();
        var change = new SubscriptionEngine.Change(new JsonArray(item), p.String("proration_behavior") ?? "create_prorations", p.Long("proration_date"), null, null, behavior);
        var (updated, _) = ItemChange(tx, subscriptionId, change, "price");
        // A change held by pending_if_incomplete leaves the items as they were: the item exists only in pending_update then.
        return Items(updated).FirstOrDefault(i => !known.Contains(i["id"]!.GetValue<string>()))
            ?? ((JsonArray?)updated["pending_update"]?["subscription_items"])?.Select(n => (JsonObject)n!).FirstOrDefault(i => !known.Contains(i["id"]!.GetValue<string>()))
            ?? throw StripeErrors.Invalid("The item could not be added.", "price");
    }

    /// <summary><c>DELETE /v1/subscription_items/{id}</c>: removes the item with the update's prorations; the last item cannot go.</summary>
    private static JsonObject DeleteItem(StoreTransaction tx, string itemId, Params p)
    {
        var (subscription, _) = FindItem(tx, itemId) ?? throw StripeErrors.ResourceMissing("subscription item", itemId);
        if (Items(subscription).Count() == 1)
        {
            throw StripeErrors.Invalid("A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.");
        }
        var behavior = p.String("payment_behavior") ?? "allow_incomplete";
        var change = new SubscriptionEngine.Change(new JsonArray(new JsonObject { ["id"] = itemId, ["deleted"] = true }),
            p.String("proration_behavior") ?? "create_prorations", p.Long("proration_date"), null, null, behavior);
        ItemChange(tx, subscription["id"]!.GetValue<string>(), change, "id");
        return ObjectRenderer.Deleted(SubscriptionEngine.ItemType, itemId);
    }

    /// <summary>Runs an item's change as a subscription update; the engine's <c>items[0][x]</c> parameter names become the item endpoint's own.</summary>
    private static (JsonObject Subscription, JsonObject? Invoice) ItemChange(StoreTransaction tx, string subscriptionId, SubscriptionEngine.Change change, string fallbackParam)
    {
        try
        {
            return SubscriptionEngine.Update(tx, subscriptionId, new Params([]), change, preview: false);
        }
        catch (StripeErrorException e) when (e.Param is { } param && param.StartsWith("items", StringComparison.Ordinal))
        {
            var own = param.StartsWith("items[0][", StringComparison.Ordinal) ? param["items[0][".Length..^1] : fallbackParam;
            throw new StripeErrorException(e.Status, e.Type, e.Code, e.Message, own) { DeclineCode = e.DeclineCode };
        }
    }

    private static JsonObject Resume(StoreTransaction tx, string id)
    {
        var before = tx.Get(Type, id);
        tx.UseClockOf(before);
        if (before["status"]!.GetValue<string>() != "paused")
        {
            throw StripeErrors.Invalid($"Subscription {id} is not paused; only a paused subscription can be resumed.");
        }
        var after = (JsonObject)before.DeepClone();
        after["status"] = "active";
        tx.Update(after);
        tx.Emit("customer.subscription.resumed", after, JsonObjects.PreviousAttributes(before, after));
        tx.Emit("customer.subscription.updated", after, JsonObjects.PreviousAttributes(before, after));
        return after;
    }
}
