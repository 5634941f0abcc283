using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Checkout;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>A portal action the session's configuration or the subscription's state does not allow: the page says why, with this status.</summary>
internal sealed class PortalRefusal(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// What the hosted portal page does to the store: switch a subscription's plan, cancel it, replace the default card
/// (paying what is open with it), and where the browser goes afterwards. Each action goes through the same engine
/// as the API, so it emits the events Stripe emits for the same change.
/// </summary>
internal static class PortalActions
{
    /// <summary>Set on a session once its <c>flow_data</c> flow is done; hidden from the API, as it is not Stripe's.</summary>
    public const string FlowCompletedField = "emulator_flow_completed";

    /// <summary>A session with its configuration and customer, read once per request.</summary>
    public sealed record Context(JsonObject Session, JsonObject Configuration, JsonObject Customer)
    {
        public string Id => Session["id"]!.GetValue<string>();

        public string CustomerId => Customer["id"]!.GetValue<string>();

        public JsonObject Feature(string name) => (JsonObject)Configuration["features"]![name]!;

        public bool Enabled(string name) => Feature(name)["enabled"]?.GetValue<bool>() == true;

        public JsonObject? Flow => Session["flow"] as JsonObject;

        public string? FlowType => Flow?["type"]?.GetValue<string>();

        public bool FlowPending => Flow is not null && Session[FlowCompletedField]?.GetValue<bool>() != true;
    }

    public static Context? Load(StoreTransaction tx, string sessionId)
    {
        if (tx.Find(PortalSessionResource.Type, sessionId) is not { } session
            || tx.Find(PortalConfigurationResource.Type, session["configuration"]!.GetValue<string>()) is not { } configuration
            || tx.Find(CustomerResource.Type, session["customer"]!.GetValue<string>()) is not { } customer)
        {
            return null;
        }
        tx.UseClockOf(customer);
        return new Context(session, configuration, customer);
    }

    public static void Require(Context context, string feature)
    {
        if (!context.Enabled(feature))
        {
            throw new PortalRefusal(StatusCodes.Status403Forbidden,
                $"The portal configuration {context.Configuration["id"]} does not enable {feature} (features.{feature}.enabled is false).");
        }
    }

    /// <summary>The customer's own subscription, in a state the portal can act on.</summary>
    public static JsonObject Subscription(StoreTransaction tx, Context context, string subscriptionId)
    {
        if (tx.Find(SubscriptionResource.Type, subscriptionId) is not { } subscription || subscription["customer"]!.GetValue<string>() != context.CustomerId)
        {
            throw new PortalRefusal(StatusCodes.Status404NotFound, $"The customer {context.CustomerId} has no subscription {subscriptionId}.");
        }
        if (subscription["status"]!.GetValue<string>() is "canceled" or "incomplete_expired")
        {
            throw new PortalRefusal(StatusCodes.Status409Conflict, $"The subscription {subscriptionId} is {subscription["status"]}; the portal cannot change it.");
        }
        return subscription;
    }

    /// <summary>The subscriptions the portal shows: every one of the customer's that has not ended, oldest first.</summary>
    public static List<JsonObject> Subscriptions(StoreTransaction tx, string customerId) =>
        [.. tx.All(SubscriptionResource.Type)
            .Where(s => s.Data["customer"]?.GetValue<string>() == customerId && s.Data["status"]!.GetValue<string>() is not ("canceled" or "incomplete_expired"))
            .OrderBy(s => s.Sequence)
            .Select(s => (JsonObject)s.Data.DeepClone())];

    // ---- switch plan ----------------------------------------------------------------------------------------

    /// <summary>A plan change the portal may make: the subscription's item, the new price and quantity, how it prorates.</summary>
    public sealed record PlanChange(JsonObject Subscription, JsonObject Item, JsonObject Price, long Quantity, JsonArray? Discounts)
    {
        public string SubscriptionId => Subscription["id"]!.GetValue<string>();
    }

    /// <summary>
    /// Checks a switch to <paramref name="priceId"/> against the configuration: the feature and its <c>price</c>
    /// update enabled, the price among the configured products' prices, a quantity within the product's bounds, and
    /// no <c>schedule_at_period_end</c> condition met (Stripe would schedule such a change with a subscription
    /// schedule, which the emulator does not have, so it refuses it).
    /// </summary>
    public static PlanChange CheckPlanChange(StoreTransaction tx, Context context, string subscriptionId, string? priceId, long? quantity, JsonArray? discounts = null)
    {
        Require(context, "subscription_update");
        var feature = context.Feature("subscription_update");
        var allowed = SubscriptionEngine.Strings(feature["default_allowed_updates"]);
        var subscription = Subscription(tx, context, subscriptionId);
        var items = SubscriptionResource.Items(subscription).ToList();
        if (items.Count != 1)
        {
            throw new PortalRefusal(StatusCodes.Status409Conflict, "The customer portal switches plans of single-item subscriptions only.");
        }
        var item = items[0];
        var currentPrice = (JsonObject)item["price"]!;
        priceId = string.IsNullOrEmpty(priceId) ? currentPrice["id"]!.GetValue<string>() : priceId;
        if (priceId != currentPrice["id"]!.GetValue<string>() && !allowed.Contains("price"))
        {
            throw new PortalRefusal(StatusCodes.Status403Forbidden, "The portal configuration does not allow changing the price (features.subscription_update.default_allowed_updates lacks price).");
        }
        var offered = ((JsonArray?)feature["products"] ?? []).Select(p => (JsonObject)p!)
            .FirstOrDefault(p => SubscriptionEngine.Strings(p["prices"]).Contains(priceId));
        if (offered is null)
        {
            throw new PortalRefusal(StatusCodes.Status400BadRequest, $"The price {priceId} is not among the prices this portal offers (features.subscription_update.products).");
        }
        var price = SubscriptionEngine.Price(tx, priceId, "price");
        var newQuantity = quantity ?? item["quantity"]!.GetValue<long>();
        if (newQuantity != item["quantity"]!.GetValue<long>())
        {
            var bounds = offered["adjustable_quantity"] as JsonObject;
            if (!allowed.Contains("quantity") || bounds?["enabled"]?.GetValue<bool>() != true)
            {
                throw new PortalRefusal(StatusCodes.Status403Forbidden, $"The portal configuration does not allow changing the quantity of {offered["product"]}.");
            }
            var min = bounds["minimum"]?.GetValue<long>() ?? 1;
            var max = bounds["maximum"]?.GetValue<long>() ?? 99;
            if (newQuantity < min || newQuantity > max)
            {
                throw new PortalRefusal(StatusCodes.Status400BadRequest, $"quantity must be between {min} and {max}.");
            }
        }
        if (priceId == currentPrice["id"]!.GetValue<string>() && newQuantity == item["quantity"]!.GetValue<long>() && discounts is null)
        {
            throw new PortalRefusal(StatusCodes.Status400BadRequest, $"The subscription is already on {priceId} with quantity {newQuantity}; choose another plan.");
        }
        foreach (var condition in ((JsonArray?)feature["schedule_at_period_end"]?["conditions"] ?? []).Select(c => c!["type"]!.GetValue<string>()))
        {
            var met = condition switch
            {
                "decreasing_item_amount" => (price["unit_amount"]?.GetValue<long>() ?? 0) * newQuantity < SubscriptionEngine.Amount(item),
                "shortening_interval" => IntervalDays(price) < IntervalDays(currentPrice),
                _ => false,
            };
            if (met)
            {
                throw new PortalRefusal(StatusCodes.Status400BadRequest,
                    $"This change meets the configuration's schedule_at_period_end condition {condition}: Stripe would schedule it for the end of the period with a subscription schedule, which the Stripe emulator does not support. Remove the condition to apply such changes at once.");
            }
        }
        return new PlanChange(subscription, item, price, newQuantity, discounts);
    }

    private static double IntervalDays(JsonObject price)
    {
        var recurring = price["recurring"]!;
        var unit = recurring["interval"]!.GetValue<string>() switch { "day" => 1d, "week" => 7d, "month" => 30.4375d, _ => 365.25d };
        return unit * recurring["interval_count"]!.GetValue<long>();
    }

    private static SubscriptionEngine.Change EngineChange(Context context, PlanChange change)
    {
        var feature = context.Feature("subscription_update");
        var trialing = change.Subscription["status"]!.GetValue<string>() == "trialing";
        var endTrial = trialing && feature["trial_update_behavior"]?.GetValue<string>() != "continue_trial";
        var item = new JsonObject
        {
            ["id"] = change.Item["id"]!.GetValue<string>(),
            ["price"] = change.Price["id"]!.GetValue<string>(),
            ["quantity"] = change.Quantity,
        };
        return new SubscriptionEngine.Change(new JsonArray(item), feature["proration_behavior"]?.GetValue<string>() ?? "none", null,
            endTrial ? JsonValue.Create("now") : null, feature["billing_cycle_anchor"]?.GetValue<string>(), "allow_incomplete");
    }

    private static Params UpdateParams(PlanChange change) =>
        new(change.Discounts is null ? [] : new JsonObject { ["discounts"] = change.Discounts.DeepClone() });

    /// <summary>The invoice the change would make now, or the next one it changes; nothing is written (the caller's transaction is a read).</summary>
    public static JsonObject Preview(StoreTransaction tx, Context context, PlanChange change) =>
        SubscriptionEngine.Update(tx, change.SubscriptionId, UpdateParams(change), EngineChange(context, change), preview: true).Invoice!;

    public static JsonObject ApplyPlanChange(StoreTransaction tx, Context context, PlanChange change) =>
        SubscriptionEngine.Update(tx, change.SubscriptionId, UpdateParams(change), EngineChange(context, change), preview: false).Subscription;

    /// <summary>The <c>subscription_update_confirm</c> flow's first item: (subscription, item's new price, quantity, discounts).</summary>
    public static (string Subscription, string? Price, long? Quantity, JsonArray? Discounts) ConfirmFlow(StoreTransaction tx, Context context)
    {
        var confirm = (JsonObject)context.Flow!["subscription_update_confirm"]!;
        var subscriptionId = confirm["subscription"]!.GetValue<string>();
        var subscription = Subscription(tx, context, subscriptionId);
        var items = (JsonArray)confirm["items"]!;
        if (items.Count != 1)
        {
            throw new PortalRefusal(StatusCodes.Status400BadRequest, "flow_data[subscription_update_confirm][items] must name the subscription's one item.");
        }
        var itemId = items[0]!["id"]!.GetValue<string>();
        if (!SubscriptionResource.Items(subscription).Any(i => i["id"]!.GetValue<string>() == itemId))
        {
            throw new PortalRefusal(StatusCodes.Status400BadRequest, $"flow_data[subscription_update_confirm][items][0][id]: {itemId} is not an item of {subscriptionId}.");
        }
        return (subscriptionId, items[0]!["price"]?.GetValue<string>(), items[0]!["quantity"]?.GetValue<long>(), confirm["discounts"] as JsonArray);
    }

    // ---- cancel ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Cancels as the configuration says: at the period's end (a trial: at its end, through <c>cancel_at</c>, as
    /// the portal does) or at once, prorating by <c>subscription_cancel.proration_behavior</c>; the customer's reason
    /// and comment go to <c>cancellation_details</c>.
    /// </summary>
    public static JsonObject Cancel(StoreTransaction tx, Context context, string subscriptionId, string? feedback, string? comment)
    {
        Require(context, "subscription_cancel");
        var feature = context.Feature("subscription_cancel");
        var subscription = Subscription(tx, context, subscriptionId);
        if (subscription["cancel_at"] is not null)
        {
            throw new PortalRefusal(StatusCodes.Status409Conflict, $"The subscription {subscriptionId} is already set to cancel.");
        }
        var details = new JsonObject();
        var reason = (JsonObject)feature["cancellation_reason"]!;
        if (!string.IsNullOrEmpty(feedback))
        {
            var options = SubscriptionEngine.Strings(reason["options"]);
            if (reason["enabled"]?.GetValue<bool>() != true || !options.Contains(feedback))
            {
                throw new PortalRefusal(StatusCodes.Status400BadRequest,
                    $"feedback: {feedback} is not among the cancellation reasons this portal offers ({(options.Count == 0 ? "none" : string.Join(", ", options))}).");
            }
            details["feedback"] = feedback;
        }
        if (!string.IsNullOrWhiteSpace(comment))
        {
            if (comment.Length > 5000)
            {
                throw new PortalRefusal(StatusCodes.Status400BadRequest, "comment: at most 5000 characters.");
            }
            details["comment"] = comment.Trim();
        }
        if (feature["mode"]?.GetValue<string>() == "immediately")
        {
            var proration = feature["proration_behavior"]?.GetValue<string>() ?? "none";
            return SubscriptionEngine.CancelNow(tx, subscriptionId, invoiceNow: proration == "always_invoice", prorate: proration != "none",
                "cancellation_requested", details);
        }
        var update = new JsonObject { ["cancellation_details"] = details };
        if (subscription["status"]!.GetValue<string>() == "trialing" && subscription["trial_end"]?.GetValue<long>() is { } trialEnd)
        {
            update["cancel_at"] = trialEnd;
        }
        else
        {
            update["cancel_at_period_end"] = true;
        }
        return SubscriptionEngine.Update(tx, subscriptionId, new Params(update), new SubscriptionEngine.Change(null, "none", null, null, null, "allow_incomplete"), preview: false).Subscription;
    }

    // ---- payment method -------------------------------------------------------------------------------------

    /// <summary>
    /// Attaches the chosen test card, makes it the customer's default (and the default of subscriptions that name
    /// their own), then tries the customer's open subscription invoices with it, as Stripe does after a card update.
    /// </summary>
    public static string UpdatePaymentMethod(StoreTransaction tx, Context context, string card)
    {
        Require(context, "payment_method_update");
        var paymentMethod = SubscriptionEngine.OwnPaymentMethod(tx, context.CustomerId, card, "card");
        CustomerResource.Update(tx, context.CustomerId, new Params(new JsonObject
        {
            ["invoice_settings"] = new JsonObject { ["default_payment_method"] = paymentMethod },
        }));
        foreach (var subscription in Subscriptions(tx, context.CustomerId))
        {
            if (subscription["default_payment_method"]?.GetValue<string>() is { } own && own != paymentMethod)
            {
                SubscriptionEngine.Update(tx, subscription["id"]!.GetValue<string>(), new Params(new JsonObject { ["default_payment_method"] = paymentMethod }),
                    new SubscriptionEngine.Change(null, "none", null, null, null, "allow_incomplete"), preview: false);
            }
        }
        var open = tx.All(InvoiceEngine.Type)
            .Where(i => i.Data["customer"]?.GetValue<string>() == context.CustomerId && i.Data["status"]?.GetValue<string>() == "open"
                && i.Data["parent"]?["subscription_details"]?["subscription"] is not null)
            .OrderBy(i => i.Sequence)
            .Select(i => i.Id)
            .ToList();
        foreach (var invoiceId in open)
        {
            HostedPages.PayOpenInvoice(tx, invoiceId, paymentMethod);
        }
        return paymentMethod;
    }

    // ---- after an action ------------------------------------------------------------------------------------

    /// <summary>
    /// Where the browser goes after an action: a pending flow ends by its <c>after_completion</c> (its redirect URL,
    /// the confirmation page, or the portal's home page) and is marked done; without a flow, back to the home page.
    /// </summary>
    public static string AfterAction(StoreTransaction tx, Context context)
    {
        var home = $"/p/session/{context.Id}";
        if (!context.FlowPending)
        {
            return home;
        }
        var session = (JsonObject)context.Session.DeepClone();
        session[FlowCompletedField] = true;
        tx.Update(session);
        var completion = context.Flow!["after_completion"] as JsonObject;
        return completion?["type"]?.GetValue<string>() switch
        {
            "redirect" => completion["redirect"]!["return_url"]!.GetValue<string>(),
            "hosted_confirmation" => $"{home}/done",
            _ => home,
        };
    }
}
