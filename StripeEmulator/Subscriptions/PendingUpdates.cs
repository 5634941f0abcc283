using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Subscriptions;

/// <summary>
/// <c>payment_behavior=pending_if_incomplete</c> (Stripe's "Pending updates" guide and reference): an update whose
/// invoice is not paid at once leaves the subscription as it was, with the change held in <c>pending_update</c> and
/// the unpaid invoice as <c>latest_invoice</c>. Paying that invoice (API, hosted page, 3D Secure step) applies the
/// change; 23 hours later an unpaid hold expires and its invoice is voided.
/// </summary>
internal static class PendingUpdates
{
    public const string Behavior = "pending_if_incomplete";

    /// <summary>Stripe: a pending update's <c>expires_at</c> is 23 hours after the update.</summary>
    public const long Lifetime = 23 * 3600;

    // The reference's "supported attributes", plus metadata (2026-05-27.dahlia) and cancel_at_period_end
    // (2026-09-30.endive), which the pinned version allows. add_invoice_items is listed but unsupported here.
    private static readonly string[] UpdateParameters =
        ["expand", "payment_behavior", "proration_behavior", "proration_date", "billing_cycle_anchor", "items", "trial_end", "trial_from_plan",
         "add_invoice_items", "metadata", "cancel_at_period_end"];

    private static readonly string[] ItemUpdateParameters = ["expand", "payment_behavior", "proration_behavior", "proration_date", "price", "quantity"];

    /// <summary>Of an <c>items[]</c> entry: the item to change (<c>id</c>) and the two changes Stripe can hold.</summary>
    private static readonly string[] ItemFields = ["id", "price", "quantity"];

    /// <summary>Refuses what Stripe does not accept with <c>pending_if_incomplete</c> on <c>POST /v1/subscriptions/{id}</c>.</summary>
    public static void CheckUpdate(Params p)
    {
        Refuse(p.Values, UpdateParameters, string.Empty);
        for (var i = 0; p.Array("items") is { } items && i < items.Count; i++)
        {
            Refuse((JsonObject)items[i]!, ItemFields, $"items[{i}]");
        }
    }

    /// <summary>The same for <c>POST /v1/subscription_items/{id}</c>.</summary>
    public static void CheckItemUpdate(Params p) => Refuse(p.Values, ItemUpdateParameters, string.Empty);

    private static void Refuse(JsonObject given, string[] allowed, string prefix)
    {
        foreach (var (name, _) in given)
        {
            if (!allowed.Contains(name))
            {
                var param = prefix.Length == 0 ? name : $"{prefix}[{name}]";
                throw StripeErrors.Invalid(
                    $"You cannot pass `{param}` with `payment_behavior=pending_if_incomplete`. Pending updates accept only: {string.Join(", ", allowed)}.", param);
            }
        }
    }

    /// <summary>
    /// The subscription while the change waits for its invoice: as it was, with <c>latest_invoice</c> the unpaid
    /// invoice and <c>pending_update</c> describing what paying it will apply.
    /// </summary>
    public static JsonObject Hold(StoreTransaction tx, JsonObject before, JsonObject changed, Params p, string invoiceId)
    {
        var held = (JsonObject)before.DeepClone();
        held["latest_invoice"] = invoiceId;
        var anchorChanged = changed["billing_cycle_anchor"]?.GetValue<long>() != before["billing_cycle_anchor"]?.GetValue<long>();
        var trialChanged = changed["trial_end"]?.GetValue<long>() != before["trial_end"]?.GetValue<long>();
        held["pending_update"] = new JsonObject
        {
            ["billing_cycle_anchor"] = anchorChanged ? changed["billing_cycle_anchor"]!.DeepClone() : null,
            ["cancel_at_period_end"] = p.Bool("cancel_at_period_end"),
            ["expires_at"] = tx.NowUnix + Lifetime,
            ["metadata"] = p["metadata"] is JsonObject metadata ? metadata.DeepClone() : null,
            ["subscription_items"] = changed["items"]!["data"]!.DeepClone(),
            ["trial_end"] = trialChanged ? changed["trial_end"]?.DeepClone() : null,
            ["trial_from_plan"] = p.Bool("trial_from_plan"),
        };
        return held;
    }

    /// <summary>
    /// When <paramref name="invoice"/> is the held change's invoice, applies the change to <paramref name="subscription"/>
    /// (items with their periods, anchor, trial end, metadata, cancellation) and clears the hold.
    /// </summary>
    public static bool Apply(StoreTransaction tx, JsonObject subscription, JsonObject invoice)
    {
        if (subscription["pending_update"] is not JsonObject pending
            || subscription["latest_invoice"]?.GetValue<string>() != invoice["id"]!.GetValue<string>())
        {
            return false;
        }
        var items = (JsonArray)pending["subscription_items"]!.DeepClone();
        subscription["items"]!["data"] = items;
        subscription["items"]!["total_count"] = (long)items.Count;
        if (pending["billing_cycle_anchor"]?.GetValue<long>() is { } anchor)
        {
            subscription["billing_cycle_anchor"] = anchor;
        }
        if (pending["trial_end"]?.GetValue<long>() is { } trialEnd)
        {
            subscription["trial_end"] = trialEnd;
            if (trialEnd <= tx.NowUnix && subscription["status"]?.GetValue<string>() == "trialing")
            {
                subscription["status"] = "active";
            }
        }
        if (pending["metadata"] is JsonObject metadata)
        {
            subscription["metadata"] = JsonObjects.MergeMetadata(subscription["metadata"] as JsonObject, metadata);
        }
        switch (pending["cancel_at_period_end"]?.GetValue<bool>())
        {
            case true:
                SubscriptionEngine.SetCancellation(tx, subscription, ((JsonObject)items[0]!)["current_period_end"]!.GetValue<long>(), atPeriodEnd: true);
                break;
            case false:
                SubscriptionEngine.ClearCancellation(subscription);
                break;
        }
        subscription["pending_update"] = null;
        return true;
    }

    /// <summary>The hold's time is up: the change is discarded and its invoice voided, so it can no longer be paid for.</summary>
    public static void Expire(StoreTransaction tx, string subscriptionId)
    {
        var before = tx.Get(SubscriptionResource.Type, subscriptionId);
        if (before["pending_update"] is not JsonObject)
        {
            return;
        }
        var after = (JsonObject)before.DeepClone();
        after["pending_update"] = null;
        var previous = JsonObjects.PreviousAttributes(before, after);
        tx.Update(after);
        tx.Emit("customer.subscription.updated", after, previous);
        tx.Emit("customer.subscription.pending_update_expired", after, previous);
        if (before["latest_invoice"]?.GetValue<string>() is { } invoiceId)
        {
            InvoiceEngine.VoidIfOpen(tx, invoiceId);
        }
    }

    public static long? ExpiresAt(JsonObject subscription) => subscription["pending_update"]?["expires_at"]?.GetValue<long>();
}
