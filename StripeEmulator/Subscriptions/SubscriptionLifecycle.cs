using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Subscriptions;

/// <summary>
/// What happens as time passes, for the objects of one test clock (on its advance) or of no clock (in real time):
/// trials end (with <c>trial_will_end</c> three days before), periods renew with a <c>subscription_cycle</c>
/// invoice, cancellations take effect, failed payments are retried on the dunning schedule, incomplete
/// subscriptions expire. Each piece of work runs at its own moment, in time order, so an advance over several
/// periods does every boundary it crosses.
/// </summary>
internal static class SubscriptionLifecycle
{
    /// <summary>Hidden on the subscription: <c>trial_will_end</c> was sent for the current trial end.</summary>
    public const string TrialWillEndSentField = "emulator_trial_will_end_sent";

    private const long Day = 86400;

    /// <summary>Stripe expires an <c>incomplete</c> subscription whose first invoice is unpaid after 23 hours.</summary>
    private const long IncompleteLifetime = 23 * 3600;

    private sealed record Due(long At, int Order, string Action, string Type, string Id, long Sequence);

    /// <summary>Runs every piece of work due up to <paramref name="until"/>; returns one log entry per piece.</summary>
    public static JsonArray RunUntil(StoreTransaction tx, string? clockId, long until)
    {
        var steps = new JsonArray();
        // A bound, not a expectation: each step moves some object's due time past the previous one.
        for (var guard = 0; guard < 5000 && NextDue(tx, clockId, until) is { } due; guard++)
        {
            tx.SetTime(DateTimeOffset.FromUnixTimeSeconds(due.At));
            var firstEvent = tx.EmittedCount;
            Run(tx, due);
            steps.Add(new JsonObject
            {
                ["at"] = due.At,
                ["action"] = due.Action,
                ["object"] = due.Id,
                ["events"] = new JsonArray([.. tx.EmittedTypesFrom(firstEvent).Select(t => JsonValue.Create(t))]),
            });
        }
        return steps;
    }

    /// <summary>The earliest due piece of work (ties: trial notice, trial end, cancellation or a pending update's expiry, renewal, incomplete expiry, retry; then creation order).</summary>
    private static Due? NextDue(StoreTransaction tx, string? clockId, long until)
    {
        Due? best = null;
        void Consider(Due candidate)
        {
            if (candidate.At <= until && (best is null || (candidate.At, candidate.Order, candidate.Sequence).CompareTo((best.At, best.Order, best.Sequence)) < 0))
            {
                best = candidate;
            }
        }
        foreach (var stored in tx.All(SubscriptionResource.Type))
        {
            var s = stored.Data;
            if (s["test_clock"]?.GetValue<string>() != clockId)
            {
                continue;
            }
            var status = s["status"]!.GetValue<string>();
            if (status is "canceled" or "incomplete_expired")
            {
                continue;
            }
            var periodEnd = SubscriptionResource.Items(s).First()["current_period_end"]!.GetValue<long>();
            if (PendingUpdates.ExpiresAt(s) is { } expiresAt)
            {
                Consider(new Due(expiresAt, 2, "expire_pending_update", SubscriptionResource.Type, stored.Id, stored.Sequence));
            }
            if (status == "incomplete")
            {
                Consider(new Due(s["created"]!.GetValue<long>() + IncompleteLifetime, 4, "expire_incomplete", SubscriptionResource.Type, stored.Id, stored.Sequence));
                continue;
            }
            if (status == "trialing" && s["trial_end"]?.GetValue<long>() is { } trialEnd)
            {
                if (s[TrialWillEndSentField]?.GetValue<long>() != trialEnd)
                {
                    Consider(new Due(Math.Max(trialEnd - 3 * Day, s["trial_start"]?.GetValue<long>() ?? 0), 0, "trial_will_end", SubscriptionResource.Type, stored.Id, stored.Sequence));
                }
                // A trial set to cancel at (or before) its end ends by cancellation, with no first paid invoice.
                if (s["cancel_at"]?.GetValue<long>() is not { } cancelsAt || cancelsAt > trialEnd)
                {
                    Consider(new Due(trialEnd, 1, "trial_end", SubscriptionResource.Type, stored.Id, stored.Sequence));
                }
            }
            if (s["cancel_at"]?.GetValue<long>() is { } cancelAt)
            {
                Consider(new Due(cancelAt, 2, "cancel", SubscriptionResource.Type, stored.Id, stored.Sequence));
            }
            if (status is "active" or "past_due")
            {
                Consider(new Due(periodEnd, 3, "renew", SubscriptionResource.Type, stored.Id, stored.Sequence));
            }
        }
        foreach (var stored in tx.All(InvoiceEngine.Type))
        {
            var invoice = stored.Data;
            if (invoice["status"]?.GetValue<string>() == "open" && invoice["test_clock"]?.GetValue<string>() == clockId
                && invoice["next_payment_attempt"]?.GetValue<long>() is { } attemptAt)
            {
                Consider(new Due(attemptAt, 5, "retry_payment", InvoiceEngine.Type, stored.Id, stored.Sequence));
            }
        }
        return best;
    }

    private static void Run(StoreTransaction tx, Due due)
    {
        switch (due.Action)
        {
            case "trial_will_end":
                var subscription = tx.Get(SubscriptionResource.Type, due.Id);
                subscription[TrialWillEndSentField] = subscription["trial_end"]!.GetValue<long>();
                tx.Update(subscription);
                tx.Emit("customer.subscription.trial_will_end", subscription);
                break;
            case "trial_end":
                EndTrial(tx, due.Id);
                break;
            case "cancel":
                SubscriptionEngine.CancelNow(tx, due.Id, invoiceNow: false, prorate: false, reason: "cancellation_requested");
                break;
            case "renew":
                Renew(tx, due.Id);
                break;
            case "retry_payment":
                Retry(tx, due.Id);
                break;
            case "expire_incomplete":
                ExpireIncomplete(tx, due.Id);
                break;
            case "expire_pending_update":
                PendingUpdates.Expire(tx, due.Id);
                break;
        }
    }

    /// <summary>Sends the trial's notice at creation when the trial is three days or shorter, as Stripe does.</summary>
    public static void NoticeAtCreation(StoreTransaction tx, JsonObject subscription)
    {
        if (subscription["status"]?.GetValue<string>() == "trialing" && subscription["trial_end"]?.GetValue<long>() is { } trialEnd && trialEnd - 3 * Day <= tx.NowUnix)
        {
            subscription[TrialWillEndSentField] = trialEnd;
            tx.Update(subscription);
            tx.Emit("customer.subscription.trial_will_end", subscription);
        }
    }

    private static void EndTrial(StoreTransaction tx, string id)
    {
        var subscription = tx.Get(SubscriptionResource.Type, id);
        var customer = tx.Get(CustomerResource.Type, subscription["customer"]!.GetValue<string>());
        if (PaymentMethod(subscription, customer) is null)
        {
            switch (subscription["trial_settings"]?["end_behavior"]?["missing_payment_method"]?.GetValue<string>())
            {
                case "cancel":
                    SubscriptionEngine.CancelNow(tx, id, invoiceNow: false, prorate: false, reason: "cancellation_requested");
                    return;
                case "pause":
                    var paused = (JsonObject)subscription.DeepClone();
                    paused["status"] = "paused";
                    paused["pause_collection"] = null;
                    var previous = JsonObjects.PreviousAttributes(subscription, paused);
                    tx.Update(paused);
                    tx.Emit("customer.subscription.paused", paused, previous);
                    tx.Emit("customer.subscription.updated", paused, previous);
                    return;
            }
        }
        Renew(tx, id);
    }

    /// <summary>
    /// A period boundary: the items' period moves on (counted from the billing cycle anchor, so a Jan 31 anchor
    /// renews on Feb 28, then Mar 31), and the cycle invoice (pending prorations plus the new period) is created,
    /// finalized and charged to the default payment method.
    /// </summary>
    private static void Renew(StoreTransaction tx, string id)
    {
        var before = tx.Get(SubscriptionResource.Type, id);
        var customer = tx.Get(CustomerResource.Type, before["customer"]!.GetValue<string>());
        var now = tx.NowUnix;
        var moved = (JsonObject)before.DeepClone();
        var items = SubscriptionResource.Items(moved).ToList();
        var oldStart = items[0]["current_period_start"]!.GetValue<long>();
        var anchor = moved["billing_cycle_anchor"]!.GetValue<long>();
        var price = (JsonObject)items[0]["price"]!;
        var cycles = 1;
        while (SubscriptionEngine.AddInterval(anchor, price, cycles) <= now)
        {
            cycles++;
        }
        var newEnd = SubscriptionEngine.AddInterval(anchor, price, cycles);
        var old = SubscriptionResource.Items(before).ToDictionary(i => i["id"]!.GetValue<string>());
        foreach (var item in items)
        {
            item["current_period_start"] = now;
            item["current_period_end"] = newEnd;
        }
        // Repeating coupons that have run out leave the subscription (customer.discount.deleted, as Stripe tells it).
        var ended = SubscriptionEngine.Strings(moved["discounts"])
            .Select(d => tx.Find(Discounts.Type, d))
            .Where(d => d?["end"]?.GetValue<long>() is { } end && end <= now)
            .Select(d => d!)
            .ToList();
        moved["discounts"] = new JsonArray([.. SubscriptionEngine.Strings(moved["discounts"])
            .Where(d => ended.All(e => e["id"]!.GetValue<string>() != d))
            .Select(d => JsonValue.Create(d))]);

        var invoice = InvoiceEngine.New(tx, customer, moved, "subscription_cycle", moved["currency"]!.GetValue<string>(), oldStart, now);
        var lines = new List<JsonObject>();
        foreach (var pending in SubscriptionEngine.PendingItems(tx, id))
        {
            lines.Add(SubscriptionEngine.LineFromInvoiceItem(invoice, moved, pending, old));
            pending["invoice"] = invoice["id"]!.GetValue<string>();
            tx.Update(pending);
        }
        lines.AddRange(items.Select(item => InvoiceEngine.Line(invoice, moved, item, SubscriptionEngine.Amount(item), item["quantity"]!.GetValue<long>(),
            SubscriptionEngine.PeriodDescription(tx, item), now, newEnd, proration: false)));
        InvoiceEngine.SetLines(tx, invoice, lines, SubscriptionEngine.Strings(moved["discounts"]));
        moved["latest_invoice"] = invoice["id"]!.GetValue<string>();
        foreach (var discount in ended)
        {
            tx.Emit("customer.discount.deleted", discount);
        }
        tx.UpdateAndEmit(before, moved);

        var draft = (JsonObject)invoice.DeepClone();
        var balanceChange = InvoiceEngine.Finalize(tx, invoice, customer);
        var finalized = (JsonObject)invoice.DeepClone();
        var attempt = Charge(tx, invoice, PaymentMethod(moved, customer));
        tx.Insert(invoice);
        tx.Emit("invoice.created", draft);
        tx.Emit("invoice.finalized", finalized);
        Customers.CustomerBalance.Announce(tx, balanceChange);
        InvoiceEngine.Announce(tx, invoice, attempt);
        Settle(tx, id, invoice, attempt);
    }

    /// <summary>An automatic retry of an open invoice with the payment method the subscription or customer has now.</summary>
    private static void Retry(StoreTransaction tx, string invoiceId)
    {
        var invoice = tx.Get(InvoiceEngine.Type, invoiceId);
        var attempt = Charge(tx, invoice, InvoiceResource.DefaultPaymentMethod(tx, invoice));
        tx.Update(invoice);
        InvoiceEngine.Announce(tx, invoice, attempt);
        if (invoice["parent"]?["subscription_details"]?["subscription"]?.GetValue<string>() is { } subscriptionId)
        {
            Settle(tx, subscriptionId, invoice, attempt);
        }
    }

    /// <summary>Collects an invoice; without a payment method the attempt still counts and is retried, as a decline would be.</summary>
    private static Attempt Charge(StoreTransaction tx, JsonObject invoice, string? paymentMethod)
    {
        var attempt = InvoiceEngine.Collect(tx, invoice, paymentMethod, retriesAfterFailure: true);
        if (attempt.Outcome == PaymentOutcome.NoPaymentMethod)
        {
            invoice["attempted"] = true;
            invoice["attempt_count"] = invoice["attempt_count"]!.GetValue<long>() + 1;
            invoice["next_payment_attempt"] = Dunning.NextAttempt(tx, invoice);
        }
        return attempt;
    }

    /// <summary>
    /// The subscription's status after a payment attempt: paid makes it active; a failure makes it past_due; a
    /// failure with no retry left applies the account's setting (stay past_due, unpaid, or cancel).
    /// </summary>
    private static void Settle(StoreTransaction tx, string subscriptionId, JsonObject invoice, Attempt attempt)
    {
        var before = tx.Get(SubscriptionResource.Type, subscriptionId);
        if (before["status"]!.GetValue<string>() is "canceled" or "incomplete_expired")
        {
            return;
        }
        if (attempt.Outcome == PaymentOutcome.Succeeded)
        {
            var paid = (JsonObject)before.DeepClone();
            paid["status"] = "active";
            tx.UpdateAndEmit(before, paid);
            return;
        }
        var after = (JsonObject)before.DeepClone();
        after["status"] = before["status"]!.GetValue<string>() == "unpaid" ? "unpaid" : "past_due";
        var exhausted = attempt.Outcome != PaymentOutcome.RequiresAction && invoice["next_payment_attempt"] is null;
        if (exhausted && Dunning.After(tx) == "unpaid")
        {
            after["status"] = "unpaid";
        }
        tx.UpdateAndEmit(before, after);
        if (exhausted && Dunning.After(tx) == "cancel")
        {
            SubscriptionEngine.CancelNow(tx, subscriptionId, invoiceNow: false, prorate: false, reason: "payment_failed");
        }
    }

    /// <summary>An incomplete subscription's first invoice went unpaid for 23 hours: it expires and its invoice is voided.</summary>
    private static void ExpireIncomplete(StoreTransaction tx, string id)
    {
        var before = tx.Get(SubscriptionResource.Type, id);
        var after = (JsonObject)before.DeepClone();
        after["status"] = "incomplete_expired";
        after["ended_at"] = tx.NowUnix;
        tx.UpdateAndEmit(before, after);
        if (before["latest_invoice"]?.GetValue<string>() is { } invoiceId)
        {
            InvoiceEngine.VoidIfOpen(tx, invoiceId);
        }
    }

    private static string? PaymentMethod(JsonObject subscription, JsonObject customer) =>
        subscription["default_payment_method"]?.GetValue<string>() ?? customer["invoice_settings"]?["default_payment_method"]?.GetValue<string>();
}
