using System.Globalization;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Subscriptions;

/// <summary>
/// What a subscription does when it is bought, changed or canceled: its items and their billing periods, its
/// first invoice, prorations to the second, invoices now or later, payments and the status they lead to, and the
/// events of all of it in Stripe's order. Time passing (renewals, trial ends, retries) is not here yet.
/// </summary>
internal static class SubscriptionEngine
{
    public const string ItemType = "subscription_item";
    public const string InvoiceItemType = "invoiceitem";

    /// <summary>What a subscription is created from (the API's parameters or a completed Checkout session).</summary>
    public sealed record CreateRequest(
        JsonObject Customer,
        IReadOnlyList<(string PriceId, long Quantity, JsonObject? Metadata)> Items,
        long? TrialEnd,
        string? DefaultPaymentMethod,
        string PaymentBehavior,
        bool CancelAtPeriodEnd,
        long? CancelAt,
        JsonObject Metadata,
        IReadOnlyList<(JsonObject Coupon, string? PromotionCode)> Discounts,
        string? Description,
        string? CheckoutSession = null,
        string MissingPaymentMethod = "create_invoice",
        string SaveDefaultPaymentMethod = "off");

    // ---- create ----------------------------------------------------------------------------------------------

    /// <summary>Creates the subscription, its first invoice and its payment; returns (subscription, invoice).</summary>
    public static (JsonObject Subscription, JsonObject Invoice) Create(StoreTransaction tx, CreateRequest request)
    {
        var customer = request.Customer;
        var customerId = customer["id"]!.GetValue<string>();
        var id = IdGenerator.New("sub");
        var now = tx.NowUnix;
        var trialEnd = request.TrialEnd;
        var prices = request.Items.Select((item, i) => Price(tx, item.PriceId, $"items[{i}][price]")).ToList();
        var currency = prices[0]["currency"]!.GetValue<string>();
        if (prices.Any(p => p["currency"]!.GetValue<string>() != currency))
        {
            throw StripeErrors.Invalid("All prices on a subscription must have the same currency.", "items");
        }
        if (prices.Any(p => p["type"]!.GetValue<string>() != "recurring"))
        {
            throw StripeErrors.Invalid("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", "items[0][price]");
        }
        var firstRecurring = (JsonObject)prices[0]["recurring"]!;
        if (prices.Any(p => p["recurring"]!["interval"]!.GetValue<string>() != firstRecurring["interval"]!.GetValue<string>()
            || p["recurring"]!["interval_count"]!.GetValue<long>() != firstRecurring["interval_count"]!.GetValue<long>()))
        {
            throw StripeErrors.Invalid("Currency and interval fields must match across all plans on a subscription.", "items");
        }
        var periodStart = now;
        var periodEnd = trialEnd ?? AddInterval(now, prices[0], 1);
        var paymentMethod = request.DefaultPaymentMethod ?? customer["invoice_settings"]?["default_payment_method"]?.GetValue<string>();

        var subscription = new JsonObject
        {
            ["id"] = id,
            ["object"] = SubscriptionResource.Type,
            ["application"] = null,
            ["application_fee_percent"] = null,
            ["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null },
            ["billing_cycle_anchor"] = periodEnd == trialEnd ? trialEnd : now,
            ["billing_cycle_anchor_config"] = null,
            ["billing_schedules"] = new JsonArray(),
            ["billing_mode"] = new JsonObject { ["flexible"] = new JsonObject { ["proration_discounts"] = "included" }, ["type"] = "flexible", ["updated_at"] = now },
            ["billing_thresholds"] = null,
            ["cancel_at"] = null,
            ["cancel_at_period_end"] = false,
            ["canceled_at"] = null,
            ["cancellation_details"] = new JsonObject { ["comment"] = null, ["feedback"] = null, ["reason"] = null },
            ["collection_method"] = "charge_automatically",
            ["created"] = now,
            ["currency"] = currency,
            ["customer"] = customerId,
            ["customer_account"] = null,
            ["days_until_due"] = null,
            ["default_payment_method"] = request.DefaultPaymentMethod,
            ["default_source"] = null,
            ["default_tax_rates"] = new JsonArray(),
            ["description"] = request.Description,
            ["discounts"] = new JsonArray(),
            ["ended_at"] = null,
            ["invoice_settings"] = new JsonObject { ["account_tax_ids"] = null, ["issuer"] = new JsonObject { ["type"] = "self" } },
            ["items"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["total_count"] = 0L, ["url"] = $"/v1/subscription_items?subscription={id}" },
            ["latest_invoice"] = null,
            ["livemode"] = false,
            ["managed_payments"] = null,
            ["metadata"] = request.Metadata,
            ["next_pending_invoice_item_invoice"] = null,
            ["on_behalf_of"] = null,
            ["pause_collection"] = null,
            ["payment_settings"] = new JsonObject { ["payment_method_options"] = null, ["payment_method_types"] = null, ["save_default_payment_method"] = request.SaveDefaultPaymentMethod },
            ["pending_invoice_item_interval"] = null,
            ["pending_setup_intent"] = null,
            ["pending_update"] = null,
            ["schedule"] = null,
            ["start_date"] = now,
            ["status"] = "incomplete",
            ["test_clock"] = customer["test_clock"]?.DeepClone(),
            ["transfer_data"] = null,
            ["trial_end"] = trialEnd,
            ["trial_settings"] = new JsonObject { ["end_behavior"] = new JsonObject { ["missing_payment_method"] = request.MissingPaymentMethod } },
            ["trial_start"] = trialEnd is null ? null : now,
        };
        var items = (JsonArray)subscription["items"]!["data"]!;
        for (var i = 0; i < prices.Count; i++)
        {
            items.Add(NewItem(tx, id, prices[i], request.Items[i].Quantity, request.Items[i].Metadata, periodStart, periodEnd));
        }
        subscription["items"]!["total_count"] = (long)items.Count;
        foreach (var (coupon, promo) in request.Discounts)
        {
            var discount = Invoices.Discounts.Redeem(tx, coupon, promo, customerId, id, request.CheckoutSession);
            ((JsonArray)subscription["discounts"]!).Add(discount["id"]!.GetValue<string>());
        }

        // The first invoice: the first period's charge, or the trial at zero. Its own period is the moment of creation.
        var invoice = InvoiceEngine.New(tx, customer, subscription, "subscription_create", currency, now, now);
        var lines = items.Select(node =>
        {
            var item = (JsonObject)node!;
            var quantity = item["quantity"]!.GetValue<long>();
            return trialEnd is null
                ? InvoiceEngine.Line(invoice, subscription, item, Amount(item), quantity, PeriodDescription(tx, item), periodStart, periodEnd, proration: false)
                : InvoiceEngine.Line(invoice, subscription, item, 0, quantity, $"Trial period for {ProductName(tx, item)}", periodStart, periodEnd, proration: false);
        }).ToList();
        InvoiceEngine.SetLines(tx, invoice, lines, Strings(subscription["discounts"]));
        ConsumeOnceDiscounts(tx, subscription, invoice);
        var draft = (JsonObject)invoice.DeepClone();
        var balanceChange = InvoiceEngine.Finalize(tx, invoice, customer);
        var finalized = (JsonObject)invoice.DeepClone();

        var due = invoice["amount_due"]!.GetValue<long>();
        if (due > 0 && paymentMethod is null && request.PaymentBehavior is "allow_incomplete" or "error_if_incomplete")
        {
            throw StripeErrors.Invalid("This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.");
        }
        Attempt? attempt = null;
        if (request.PaymentBehavior != "default_incomplete" || due == 0)
        {
            attempt = InvoiceEngine.Collect(tx, invoice, paymentMethod, retriesAfterFailure: false);
            if (attempt.Outcome is PaymentOutcome.Declined && request.PaymentBehavior == "error_if_incomplete")
            {
                var card = TestCards.Of(tx.Get(PaymentMethodResource.Type, paymentMethod!));
                throw card.Decline();
            }
        }
        // default_incomplete leaves the first payment to the customer: an unconfirmed intent and the invoice's confirmation_secret.
        var openIntent = attempt is null ? InvoiceEngine.OpenPayment(tx, invoice, paymentMethod) : null;
        subscription["status"] = attempt?.Outcome == PaymentOutcome.Succeeded ? (trialEnd is null ? "active" : "trialing") : "incomplete";
        subscription["latest_invoice"] = invoice["id"]!.GetValue<string>();
        if (request.CancelAtPeriodEnd)
        {
            SetCancellation(tx, subscription, periodEnd, atPeriodEnd: true);
        }
        else if (request.CancelAt is { } cancelAt)
        {
            SetCancellation(tx, subscription, cancelAt, atPeriodEnd: false);
        }

        tx.InsertAndEmit(subscription);
        tx.Insert(invoice);
        tx.Emit("invoice.created", draft);
        tx.Emit("invoice.finalized", finalized);
        CustomerBalance.Announce(tx, balanceChange);
        if (attempt is not null)
        {
            InvoiceEngine.Announce(tx, invoice, attempt);
        }
        if (openIntent is not null)
        {
            tx.Emit("payment_intent.created", openIntent);
        }
        SubscriptionLifecycle.NoticeAtCreation(tx, subscription);
        return (subscription, invoice);
    }

    // ---- update -----------------------------------------------------------------------------------------------

    /// <summary>The parts of an update that change what is billed (items, trial, billing cycle) and how.</summary>
    public sealed record Change(
        JsonArray? Items,
        string ProrationBehavior,
        long? ProrationDate,
        JsonNode? TrialEnd,
        string? BillingCycleAnchor,
        string PaymentBehavior);

    /// <summary>
    /// Applies an update. With <paramref name="preview"/> nothing is charged and the invoice it would make (or the
    /// upcoming one) is returned, for <c>create_preview</c>; the caller's transaction is then discarded.
    /// </summary>
    public static (JsonObject Subscription, JsonObject? Invoice) Update(StoreTransaction tx, string id, Params p, Change change, bool preview)
    {
        var before = tx.Get(SubscriptionResource.Type, id);
        tx.UseClockOf(before);
        var after = (JsonObject)before.DeepClone();
        var status = before["status"]!.GetValue<string>();
        if (status is "canceled" or "incomplete_expired")
        {
            // Canceled is terminal (https://docs.stripe.com/billing/subscriptions/cancel): only these two stay writable.
            // The billing parts of an update arrive in the change, not in p, so they are checked there.
            var allowed = new[] { "metadata", "cancellation_details", "expand" };
            var billing = change.Items is not null || change.TrialEnd is not null || change.BillingCycleAnchor is not null || change.ProrationDate is not null;
            if (billing || p.Values.Select(v => v.Key).Any(k => !allowed.Contains(k)))
            {
                throw StripeErrors.Invalid("A canceled subscription can only update its cancellation_details and metadata.");
            }
        }
        if (p.Has("metadata"))
        {
            after["metadata"] = JsonObjects.MergeMetadata(after["metadata"] as JsonObject, p["metadata"] as JsonObject);
        }
        if (p.Has("description"))
        {
            after["description"] = p.String("description");
        }
        if (p.Object("cancellation_details") is { } details)
        {
            JsonObjects.Merge((JsonObject)after["cancellation_details"]!, details.Values);
        }
        var customer = tx.Get(CustomerResource.Type, before["customer"]!.GetValue<string>());
        if (status is "canceled" or "incomplete_expired")
        {
            if (preview)
            {
                throw new StripeErrorException(404, StripeErrors.InvalidRequest, "invoice_upcoming_none",
                    $"No upcoming invoices for customer: {customer["id"]}", "subscription");
            }
            tx.UpdateAndEmit(before, after);
            return (after, null);
        }
        if (p.Has("default_payment_method"))
        {
            after["default_payment_method"] = p.String("default_payment_method") is { } pm
                ? OwnPaymentMethod(tx, customer["id"]!.GetValue<string>(), pm, "default_payment_method")
                : null;
        }
        if (p.Has("discounts"))
        {
            var resolved = Invoices.Discounts.Resolve(tx, p.Array("discounts"), customer["id"]!.GetValue<string>());
            after["discounts"] = new JsonArray([.. resolved.Select(d => JsonValue.Create(Invoices.Discounts.Redeem(tx, d.Coupon, d.PromotionCode, customer["id"]!.GetValue<string>(), id, null)["id"]!.GetValue<string>()))]);
        }

        var now = tx.NowUnix;
        var items = (JsonArray)after["items"]!["data"]!;
        var firstItem = (JsonObject)items[0]!;
        var periodStart = firstItem["current_period_start"]!.GetValue<long>();
        var periodEnd = firstItem["current_period_end"]!.GetValue<long>();
        var prorationDate = change.ProrationDate ?? now;
        if (prorationDate < periodStart || prorationDate > periodEnd)
        {
            throw StripeErrors.Invalid("proration_date must be within the subscription's current period.", "proration_date");
        }

        // What each item was before the change, by id, to prorate the difference.
        var old = items.Select(i => (JsonObject)i!.DeepClone()).ToDictionary(i => i["id"]!.GetValue<string>());
        var removed = new List<JsonObject>();
        for (var i = 0; change.Items is not null && i < change.Items.Count; i++)
        {
            var given = new Params((JsonObject)change.Items[i]!);
            var path = $"items[{i}]";
            JsonObject? item = null;
            if (given.String("id") is { } itemId)
            {
                item = items.Select(n => (JsonObject)n!).FirstOrDefault(n => n["id"]!.GetValue<string>() == itemId)
                    ?? throw StripeErrors.Invalid($"No such subscription item: '{itemId}' on subscription '{id}'.", $"{path}[id]");
                if (given.Bool("deleted") == true)
                {
                    items.Remove(item);
                    removed.Add(item);
                    continue;
                }
            }
            if (given.String("price") is { } priceId)
            {
                var price = Price(tx, priceId, $"{path}[price]");
                if (price["currency"]!.GetValue<string>() != after["currency"]!.GetValue<string>())
                {
                    throw StripeErrors.Invalid("The price's currency must match the subscription's currency.", $"{path}[price]");
                }
                if (price["type"]!.GetValue<string>() != "recurring")
                {
                    // Stripe bills one-time prices on a subscription through add_invoice_items, never as an item.
                    throw StripeErrors.Invalid("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", $"{path}[price]");
                }
                if (item is null)
                {
                    item = NewItem(tx, id, price, given.Long("quantity") ?? 1, given["metadata"] as JsonObject, periodStart, periodEnd);
                    items.Add(item);
                    continue;
                }
                item["price"] = price;
                item["plan"] = Plan(price);
            }
            else if (item is null)
            {
                throw StripeErrors.ParameterMissing($"{path}[price]");
            }
            if (given.Long("quantity") is { } quantity)
            {
                item["quantity"] = quantity;
            }
            if (given["metadata"] is JsonObject metadata)
            {
                item["metadata"] = JsonObjects.MergeMetadata(item["metadata"] as JsonObject, metadata);
            }
        }
        if (items.Count == 0)
        {
            throw StripeErrors.Invalid("A subscription must have at least one active item.", "items");
        }
        after["items"]!["total_count"] = (long)items.Count;

        // Does the billing period restart now? A new interval, billing_cycle_anchor=now, or the trial ending now.
        var endTrialNow = change.TrialEnd is JsonValue trialValue && trialValue.TryGetValue<string>(out var keyword) && keyword == "now";
        if (change.TrialEnd is JsonValue trialTime && trialTime.TryGetValue<long>(out var newTrialEnd))
        {
            if (status != "trialing")
            {
                throw StripeErrors.Invalid("trial_end can only be changed on a trialing subscription here.", "trial_end");
            }
            after["trial_end"] = newTrialEnd;
            after["billing_cycle_anchor"] = newTrialEnd;
            foreach (var item in items.Select(n => (JsonObject)n!))
            {
                item["current_period_end"] = newTrialEnd;
            }
        }
        var intervalChanged = items.Select(n => (JsonObject)n!).Any(item =>
            old.TryGetValue(item["id"]!.GetValue<string>(), out var was) && !SameInterval(was["price"]!.AsObject(), item["price"]!.AsObject()));
        var resetCycle = intervalChanged || change.BillingCycleAnchor == "now" || (endTrialNow && status == "trialing");
        var trialing = status == "trialing" && !endTrialNow;

        var prorate = change.ProrationBehavior != "none" && !trialing;
        var prorations = new List<(JsonObject Item, long Amount, long Quantity, string Description, long Start, long End)>();
        if (prorate)
        {
            foreach (var item in items.Select(n => (JsonObject)n!).Concat(removed))
            {
                var itemId = item["id"]!.GetValue<string>();
                var wasItem = old.GetValueOrDefault(itemId);
                var isRemoved = removed.Contains(item);
                var wasAmount = wasItem is null ? 0 : Amount(wasItem);
                var nowAmount = isRemoved ? 0 : Amount(item);
                var samePrice = wasItem is not null && !isRemoved && wasItem["price"]!["id"]!.GetValue<string>() == item["price"]!["id"]!.GetValue<string>()
                    && wasItem["quantity"]!.GetValue<long>() == item["quantity"]!.GetValue<long>();
                if (samePrice && !resetCycle)
                {
                    continue;
                }
                var date = DateText(prorationDate);
                if (wasItem is not null && wasAmount != 0 && (!samePrice || resetCycle))
                {
                    prorations.Add((wasItem, -Prorate(wasAmount, prorationDate, periodStart, periodEnd), wasItem["quantity"]!.GetValue<long>(),
                        $"Unused time on {Quantified(tx, wasItem)} after {date}", prorationDate, periodEnd));
                }
                if (!resetCycle && !isRemoved && nowAmount != 0)
                {
                    prorations.Add((item, Prorate(nowAmount, prorationDate, periodStart, periodEnd), item["quantity"]!.GetValue<long>(),
                        $"Remaining time on {Quantified(tx, item)} after {date}", prorationDate, periodEnd));
                }
            }
        }

        // The new period's lines when the cycle restarts now.
        var cycleLines = new List<(JsonObject Item, long Amount, long Quantity, string Description, long Start, long End)>();
        if (resetCycle)
        {
            var newEnd = AddInterval(now, (JsonObject)((JsonObject)items[0]!)["price"]!, 1);
            foreach (var item in items.Select(n => (JsonObject)n!))
            {
                item["current_period_start"] = now;
                item["current_period_end"] = newEnd;
                cycleLines.Add((item, Amount(item), item["quantity"]!.GetValue<long>(), PeriodDescription(tx, item), now, newEnd));
            }
            after["billing_cycle_anchor"] = now;
            if (endTrialNow)
            {
                after["trial_end"] = now;
            }
        }

        var invoiceNow = resetCycle || (change.ProrationBehavior == "always_invoice" && prorations.Count > 0);
        JsonObject? invoice = null;
        var pendingItems = new List<JsonObject>();
        if (!invoiceNow)
        {
            foreach (var proration in prorations)
            {
                pendingItems.Add(InvoiceItem(tx, after, proration.Item, proration.Amount, proration.Quantity, proration.Description, proration.Start, proration.End));
            }
        }
        else
        {
            invoice = InvoiceEngine.New(tx, customer, after, "subscription_update", after["currency"]!.GetValue<string>(), now, now);
            var lines = new List<JsonObject>();
            foreach (var pending in PendingItems(tx, id))
            {
                lines.Add(LineFromInvoiceItem(invoice, after, pending, old));
                if (!preview)
                {
                    var attached = (JsonObject)pending.DeepClone();
                    attached["invoice"] = invoice["id"]!.GetValue<string>();
                    tx.Update(attached);
                }
            }
            lines.AddRange(prorations.Select(x => InvoiceEngine.Line(invoice, after, x.Item, x.Amount, x.Quantity, x.Description, x.Start, x.End, proration: true)));
            lines.AddRange(cycleLines.Select(x => InvoiceEngine.Line(invoice, after, x.Item, x.Amount, x.Quantity, x.Description, x.Start, x.End, proration: false)));
            InvoiceEngine.SetLines(tx, invoice, lines, Strings(after["discounts"]));
        }

        if (preview)
        {
            return (after, invoice ?? Upcoming(tx, customer, after, old));
        }

        if (p.Has("cancel_at_period_end") || p.Has("cancel_at"))
        {
            var periodEndNow = ((JsonObject)items[0]!)["current_period_end"]!.GetValue<long>();
            if (p.Bool("cancel_at_period_end") == true)
            {
                SetCancellation(tx, after, periodEndNow, atPeriodEnd: true);
            }
            else if (p["cancel_at"] is JsonValue cancelAt)
            {
                SetCancellation(tx, after, cancelAt.TryGetValue<long>(out var at) ? at : periodEndNow, atPeriodEnd: false);
            }
            else
            {
                ClearCancellation(after);
            }
        }

        Attempt? attempt = null;
        JsonObject? draft = null;
        JsonObject? finalized = null;
        BalanceChange? balanceChange = null;
        if (invoice is not null)
        {
            ConsumeOnceDiscounts(tx, after, invoice);
            draft = (JsonObject)invoice.DeepClone();
            balanceChange = InvoiceEngine.Finalize(tx, invoice, customer);
            finalized = (JsonObject)invoice.DeepClone();
            var paymentMethod = after["default_payment_method"]?.GetValue<string>() ?? customer["invoice_settings"]?["default_payment_method"]?.GetValue<string>();
            var holds = change.PaymentBehavior == PendingUpdates.Behavior;
            // A held change's invoice is not retried on the dunning schedule: it is paid by the customer or expires.
            attempt = InvoiceEngine.Collect(tx, invoice, paymentMethod, retriesAfterFailure: !holds);
            if (attempt.Outcome != PaymentOutcome.Succeeded && holds)
            {
                var held = PendingUpdates.Hold(tx, before, after, p, invoice["id"]!.GetValue<string>());
                tx.UpdateAndEmit(before, held);
                tx.Insert(invoice);
                tx.Emit("invoice.created", draft);
                tx.Emit("invoice.finalized", finalized);
                CustomerBalance.Announce(tx, balanceChange);
                InvoiceEngine.Announce(tx, invoice, attempt);
                return (held, invoice);
            }
            if (attempt.Outcome != PaymentOutcome.Succeeded && change.PaymentBehavior == "error_if_incomplete")
            {
                throw attempt.Outcome == PaymentOutcome.Declined
                    ? TestCards.Of(tx.Get(PaymentMethodResource.Type, paymentMethod!)).Decline()
                    : StripeErrors.Invalid("The payment for this update needs the customer's action or a payment method; with error_if_incomplete nothing was changed.");
            }
            after["latest_invoice"] = invoice["id"]!.GetValue<string>();
            after["status"] = attempt.Outcome switch
            {
                PaymentOutcome.Succeeded => "active",
                _ when status == "incomplete" => "incomplete",
                _ => "past_due",
            };
        }
        else if (endTrialNow && status == "trialing")
        {
            after["status"] = "active";
        }

        tx.Update(after);
        foreach (var pending in pendingItems)
        {
            tx.Emit("invoiceitem.created", pending);
        }
        tx.UpdateAndEmit(before, after);
        if (invoice is not null)
        {
            tx.Insert(invoice);
            tx.Emit("invoice.created", draft!);
            tx.Emit("invoice.finalized", finalized!);
            CustomerBalance.Announce(tx, balanceChange);
            InvoiceEngine.Announce(tx, invoice, attempt!);
        }
        return (after, invoice);
    }

    /// <summary>
    /// What the next regular invoice will hold: pending items (prorations) and the next period's charges. The
    /// change's own prorations are already pending items of the (discarded) transaction, so they are read, not added.
    /// </summary>
    private static JsonObject Upcoming(StoreTransaction tx, JsonObject customer, JsonObject subscription, Dictionary<string, JsonObject> old)
    {
        var items = ((JsonArray)subscription["items"]!["data"]!).Select(n => (JsonObject)n!).ToList();
        var periodStart = items[0]["current_period_start"]!.GetValue<long>();
        var periodEnd = items[0]["current_period_end"]!.GetValue<long>();
        var invoice = InvoiceEngine.New(tx, customer, subscription, "upcoming", subscription["currency"]!.GetValue<string>(), periodStart, periodEnd);
        invoice["id"] = "upcoming_" + invoice["id"]!.GetValue<string>();
        invoice["created"] = periodEnd;
        var lines = PendingItems(tx, subscription["id"]!.GetValue<string>())
            .Select(pending => LineFromInvoiceItem(invoice, subscription, pending, old)).ToList();
        if (subscription["cancel_at"] is null || subscription["cancel_at"]!.GetValue<long>() > periodEnd)
        {
            var nextEnd = AddInterval(periodEnd, (JsonObject)items[0]["price"]!, 1);
            lines.AddRange(items.Select(item => InvoiceEngine.Line(invoice, subscription, item, Amount(item), item["quantity"]!.GetValue<long>(),
                PeriodDescription(tx, item), periodEnd, nextEnd, proration: false)));
        }
        InvoiceEngine.SetLines(tx, invoice, lines, Strings(subscription["discounts"]));
        invoice["next_payment_attempt"] = periodEnd;
        return invoice;
    }

    // ---- cancel -----------------------------------------------------------------------------------------------

    /// <summary>Ends the subscription now; <paramref name="prorate"/> credits the unused time, <paramref name="invoiceNow"/> invoices what is pending.</summary>
    public static JsonObject CancelNow(StoreTransaction tx, string id, bool invoiceNow, bool prorate, string reason, JsonObject? details = null)
    {
        var before = tx.Get(SubscriptionResource.Type, id);
        tx.UseClockOf(before);
        if (before["status"]!.GetValue<string>() is "canceled" or "incomplete_expired")
        {
            throw StripeErrors.Invalid($"A canceled subscription can't be canceled again: {id}.");
        }
        var after = (JsonObject)before.DeepClone();
        var now = tx.NowUnix;
        var customer = tx.Get(CustomerResource.Type, before["customer"]!.GetValue<string>());
        var items = ((JsonArray)after["items"]!["data"]!).Select(n => (JsonObject)n!).ToList();
        var pendingItems = new List<JsonObject>();
        if (prorate && before["status"]!.GetValue<string>() is "active" or "past_due")
        {
            foreach (var item in items)
            {
                var start = item["current_period_start"]!.GetValue<long>();
                var end = item["current_period_end"]!.GetValue<long>();
                var credit = Prorate(Amount(item), now, start, end);
                if (credit != 0)
                {
                    pendingItems.Add(InvoiceItem(tx, after, item, -credit, item["quantity"]!.GetValue<long>(),
                        $"Unused time on {Quantified(tx, item)} after {DateText(now)}", now, end));
                }
            }
        }
        after["status"] = "canceled";
        after["canceled_at"] = before["canceled_at"]?.GetValue<long>() ?? now;
        after["ended_at"] = now;
        after["cancellation_details"]!["reason"] = reason;
        if (details is not null)
        {
            JsonObjects.Merge((JsonObject)after["cancellation_details"]!, details);
        }
        JsonObject? invoice = null;
        if (invoiceNow)
        {
            var pending = PendingItems(tx, id).ToList();
            if (pending.Count > 0)
            {
                invoice = InvoiceEngine.New(tx, customer, after, "subscription_update", after["currency"]!.GetValue<string>(), now, now);
                var old = items.ToDictionary(i => i["id"]!.GetValue<string>());
                InvoiceEngine.SetLines(tx, invoice, pending.Select(ii => LineFromInvoiceItem(invoice, after, ii, old)).ToList(), []);
                foreach (var ii in pending)
                {
                    ii["invoice"] = invoice["id"]!.GetValue<string>();
                    tx.Update(ii);
                }
                after["latest_invoice"] = invoice["id"]!.GetValue<string>();
            }
        }
        tx.Update(after);
        foreach (var ii in pendingItems)
        {
            tx.Emit("invoiceitem.created", ii);
        }
        var previous = JsonObjects.PreviousAttributes(before, after);
        tx.Emit("customer.subscription.deleted", after, previous);
        if (invoice is not null)
        {
            var draft = (JsonObject)invoice.DeepClone();
            var balanceChange = InvoiceEngine.Finalize(tx, invoice, customer);
            var finalized = (JsonObject)invoice.DeepClone();
            var paymentMethod = after["default_payment_method"]?.GetValue<string>() ?? customer["invoice_settings"]?["default_payment_method"]?.GetValue<string>();
            var attempt = InvoiceEngine.Collect(tx, invoice, paymentMethod, retriesAfterFailure: true);
            tx.Insert(invoice);
            tx.Emit("invoice.created", draft);
            tx.Emit("invoice.finalized", finalized);
            CustomerBalance.Announce(tx, balanceChange);
            InvoiceEngine.Announce(tx, invoice, attempt);
        }
        return after;
    }

    /// <summary>After an open invoice of the subscription is paid (hosted page, <c>pay</c>): incomplete/past_due become active.</summary>
    /// <summary>
    /// After an open invoice of the subscription is paid (hosted page, <c>pay</c>, 3D Secure step): a change held for
    /// it applies (<c>customer.subscription.pending_update_applied</c>); incomplete/past_due/unpaid become active.
    /// </summary>
    public static void OnInvoicePaid(StoreTransaction tx, JsonObject invoice)
    {
        if (invoice["parent"]?["subscription_details"]?["subscription"]?.GetValue<string>() is not { } subscriptionId
            || tx.Find(SubscriptionResource.Type, subscriptionId) is not { } before)
        {
            return;
        }
        var after = (JsonObject)before.DeepClone();
        var applied = PendingUpdates.Apply(tx, after, invoice);
        if (before["status"]!.GetValue<string>() is "incomplete" or "past_due" or "unpaid")
        {
            after["status"] = after["trial_end"]?.GetValue<long>() is { } trialEnd && trialEnd > tx.NowUnix ? "trialing" : "active";
        }
        tx.UpdateAndEmit(before, after);
        if (applied)
        {
            tx.Emit("customer.subscription.pending_update_applied", after, JsonObjects.PreviousAttributes(before, after));
        }
    }

    // ---- pieces -----------------------------------------------------------------------------------------------

    public static void SetCancellation(StoreTransaction tx, JsonObject subscription, long cancelAt, bool atPeriodEnd)
    {
        subscription["cancel_at"] = cancelAt;
        subscription["cancel_at_period_end"] = atPeriodEnd;
        subscription["canceled_at"] = tx.NowUnix;
        subscription["cancellation_details"]!["reason"] = "cancellation_requested";
    }

    public static void ClearCancellation(JsonObject subscription)
    {
        subscription["cancel_at"] = null;
        subscription["cancel_at_period_end"] = false;
        subscription["canceled_at"] = null;
        subscription["cancellation_details"]!["reason"] = null;
    }

    /// <summary>Stripe prorates by the second: the amount times the share of the period left after the date, rounded to the cent.</summary>
    public static long Prorate(long amount, long date, long periodStart, long periodEnd) =>
        periodEnd <= periodStart ? 0 : (long)Math.Round((decimal)amount * (periodEnd - date) / (periodEnd - periodStart), MidpointRounding.AwayFromZero);

    public static long Amount(JsonObject item) =>
        (item["price"]!["unit_amount"]?.GetValue<long>() ?? 0) * item["quantity"]!.GetValue<long>();

    public static long AddInterval(long start, JsonObject price, int cycles)
    {
        var recurring = (JsonObject)price["recurring"]!;
        var count = (int)recurring["interval_count"]!.GetValue<long>() * cycles;
        var from = DateTimeOffset.FromUnixTimeSeconds(start);
        return (recurring["interval"]!.GetValue<string>() switch
        {
            "day" => from.AddDays(count),
            "week" => from.AddDays(7 * count),
            "year" => from.AddYears(count),
            _ => from.AddMonths(count),
        }).ToUnixTimeSeconds();
    }

    public static JsonObject Price(StoreTransaction tx, string priceId, string param)
    {
        var price = tx.Get(PriceResource.Type, priceId, param, 400);
        if (price["active"]?.GetValue<bool>() != true)
        {
            throw StripeErrors.Invalid($"The price specified is inactive. This field only accepts active prices.", param);
        }
        price.Remove("tiers");
        return price;
    }

    public static JsonObject NewItem(StoreTransaction tx, string subscriptionId, JsonObject price, long quantity, JsonObject? metadata, long start, long end) => new()
    {
        ["id"] = IdGenerator.New("si", 14),
        ["object"] = ItemType,
        ["billing_thresholds"] = null,
        ["created"] = tx.NowUnix,
        ["current_period_end"] = end,
        ["current_period_start"] = start,
        ["discounts"] = new JsonArray(),
        ["metadata"] = JsonObjects.NewMetadata(metadata),
        ["plan"] = Plan(price),
        ["price"] = price.DeepClone(),
        ["quantity"] = quantity,
        ["subscription"] = subscriptionId,
        ["tax_rates"] = new JsonArray(),
    };

    /// <summary>The legacy <c>plan</c> view of a recurring price, which Stripe still returns on subscription items.</summary>
    private static JsonObject Plan(JsonObject price) => new()
    {
        ["id"] = price["id"]!.GetValue<string>(),
        ["object"] = "plan",
        ["active"] = price["active"]?.DeepClone(),
        ["amount"] = price["unit_amount"]?.DeepClone(),
        ["amount_decimal"] = price["unit_amount_decimal"]?.DeepClone(),
        ["billing_scheme"] = price["billing_scheme"]?.DeepClone(),
        ["created"] = price["created"]?.DeepClone(),
        ["currency"] = price["currency"]?.DeepClone(),
        ["interval"] = price["recurring"]?["interval"]?.DeepClone(),
        ["interval_count"] = price["recurring"]?["interval_count"]?.DeepClone(),
        ["livemode"] = false,
        ["metadata"] = price["metadata"]?.DeepClone(),
        ["meter"] = price["recurring"]?["meter"]?.DeepClone(),
        ["nickname"] = price["nickname"]?.DeepClone(),
        ["product"] = price["product"]?.DeepClone(),
        ["tiers_mode"] = price["tiers_mode"]?.DeepClone(),
        ["transform_usage"] = null,
        ["trial_period_days"] = null,
        ["usage_type"] = price["recurring"]?["usage_type"]?.DeepClone() ?? "licensed",
    };

    private static JsonObject InvoiceItem(StoreTransaction tx, JsonObject subscription, JsonObject item, long amount, long quantity, string description, long start, long end)
    {
        var price = (JsonObject)item["price"]!;
        var invoiceItem = new JsonObject
        {
            ["id"] = IdGenerator.New("ii"),
            ["object"] = InvoiceItemType,
            ["amount"] = amount,
            ["currency"] = price["currency"]!.GetValue<string>(),
            ["customer"] = subscription["customer"]!.GetValue<string>(),
            ["date"] = tx.NowUnix,
            ["description"] = description,
            ["discountable"] = false,
            ["discounts"] = new JsonArray(),
            ["invoice"] = null,
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["net_amount"] = amount,
            ["parent"] = new JsonObject
            {
                ["subscription_details"] = new JsonObject { ["subscription"] = subscription["id"]!.GetValue<string>(), ["subscription_item"] = item["id"]!.GetValue<string>() },
                ["type"] = "subscription_details",
            },
            ["period"] = new JsonObject { ["end"] = end, ["start"] = start },
            ["pricing"] = new JsonObject
            {
                ["price_details"] = new JsonObject { ["price"] = price["id"]!.GetValue<string>(), ["product"] = price["product"]!.GetValue<string>() },
                ["type"] = "price_details",
                ["unit_amount_decimal"] = price["unit_amount_decimal"]?.DeepClone(),
            },
            ["proration"] = true,
            ["proration_details"] = new JsonObject { ["discount_amounts"] = new JsonArray() },
            ["quantity"] = quantity,
            ["tax_rates"] = new JsonArray(),
            ["test_clock"] = subscription["test_clock"]?.DeepClone(),
        };
        tx.Insert(invoiceItem);
        return invoiceItem;
    }

    internal static IEnumerable<JsonObject> PendingItems(StoreTransaction tx, string subscriptionId) =>
        tx.All(InvoiceItemType)
            .Where(ii => ii.Data["invoice"] is null && ii.Data["parent"]?["subscription_details"]?["subscription"]?.GetValue<string>() == subscriptionId)
            .OrderBy(ii => ii.Sequence)
            .Select(ii => (JsonObject)ii.Data.DeepClone());

    internal static JsonObject LineFromInvoiceItem(JsonObject invoice, JsonObject subscription, JsonObject invoiceItem, Dictionary<string, JsonObject> old)
    {
        // An item added with POST /v1/invoiceitems (subscription set, no subscription item) is a plain invoice item line.
        if (invoiceItem["parent"]?["subscription_details"]?["subscription_item"]?.GetValue<string>() is not { } itemId)
        {
            return InvoiceItems.Line(invoice, invoiceItem);
        }
        var item = ((JsonArray)subscription["items"]!["data"]!).Select(n => (JsonObject)n!).FirstOrDefault(i => i["id"]!.GetValue<string>() == itemId)
            ?? old.GetValueOrDefault(itemId)
            ?? throw new InvalidOperationException($"Subscription item {itemId} is gone.");
        var line = InvoiceEngine.Line(invoice, subscription, item, invoiceItem["amount"]!.GetValue<long>(), invoiceItem["quantity"]!.GetValue<long>(),
            invoiceItem["description"]!.GetValue<string>(), invoiceItem["period"]!["start"]!.GetValue<long>(), invoiceItem["period"]!["end"]!.GetValue<long>(),
            proration: true, invoiceItem["id"]!.GetValue<string>());
        line["pricing"] = invoiceItem["pricing"]!.DeepClone();
        return line;
    }

    /// <summary>A coupon of duration <c>once</c> is used up by the first invoice it applies to; the subscription drops it.</summary>
    private static void ConsumeOnceDiscounts(StoreTransaction tx, JsonObject subscription, JsonObject invoice)
    {
        var applied = Strings(invoice["discounts"]);
        var remaining = Strings(subscription["discounts"]).Where(id =>
            !applied.Contains(id) || tx.Find(Invoices.Discounts.Type, id) is not { } discount
            || tx.Find(Catalog.Coupons.CouponResource.Type, discount["source"]!["coupon"]!.GetValue<string>())?["duration"]?.GetValue<string>() != "once").ToList();
        subscription["discounts"] = new JsonArray([.. remaining.Select(id => JsonValue.Create(id))]);
    }

    private static bool SameInterval(JsonObject a, JsonObject b) =>
        a["recurring"]?["interval"]?.GetValue<string>() == b["recurring"]?["interval"]?.GetValue<string>()
        && a["recurring"]?["interval_count"]?.GetValue<long>() == b["recurring"]?["interval_count"]?.GetValue<long>();

    public static List<string> Strings(JsonNode? array) => array is JsonArray a ? [.. a.Select(n => n!.GetValue<string>())] : [];

    public static string ProductName(StoreTransaction tx, JsonObject item) =>
        tx.Find(ProductResource.Type, item["price"]!["product"]!.GetValue<string>())?["name"]?.GetValue<string>() ?? "product";

    private static string Quantified(StoreTransaction tx, JsonObject item) =>
        item["quantity"]!.GetValue<long>() == 1 ? ProductName(tx, item) : $"{item["quantity"]} × {ProductName(tx, item)}";

    /// <summary>"1 × Yapit Plus (at $9.00 / month)", as Stripe describes a period's line.</summary>
    internal static string PeriodDescription(StoreTransaction tx, JsonObject item)
    {
        var price = (JsonObject)item["price"]!;
        var count = price["recurring"]!["interval_count"]!.GetValue<long>();
        var interval = price["recurring"]!["interval"]!.GetValue<string>();
        var every = count == 1 ? interval : $"every {count} {interval}s";
        return $"{item["quantity"]} × {ProductName(tx, item)} (at {Money(price["unit_amount"]?.GetValue<long>() ?? 0, price["currency"]!.GetValue<string>())} / {every})";
    }

    public static string Money(long amount, string currency)
    {
        var value = (amount / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        return currency switch
        {
            "usd" => "$" + value,
            "eur" => "€" + value,
            "gbp" => "£" + value,
            _ => $"{value} {currency.ToUpperInvariant()}",
        };
    }

    private static string DateText(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToString("dd MMM yyyy", CultureInfo.InvariantCulture);

    public static string OwnPaymentMethod(StoreTransaction tx, string customerId, string paymentMethodId, string param)
    {
        if (TestCards.IsToken(paymentMethodId))
        {
            return PaymentMethodResource.Attach(tx, paymentMethodId, customerId, param)["id"]!.GetValue<string>();
        }
        var pm = tx.Get(PaymentMethodResource.Type, paymentMethodId, param, 400);
        if (pm["customer"]?.GetValue<string>() != customerId)
        {
            throw StripeErrors.Invalid($"The payment method `{paymentMethodId}` must be attached to the customer `{customerId}` first.", param);
        }
        return paymentMethodId;
    }
}
