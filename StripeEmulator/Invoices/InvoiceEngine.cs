using System.Globalization;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Invoices;

/// <summary>One payment attempt on an invoice, applied to the invoice but not yet announced.</summary>
internal sealed record Attempt(JsonObject Intent, PaymentOutcome Outcome, JsonObject? InvoicePayment, bool Charged);

/// <summary>
/// Invoices as subscriptions make them: lines, discounts and totals; finalizing (number, hosted page); collecting
/// with a test card; and the events each step emits, in Stripe's order.
/// </summary>
internal static class InvoiceEngine
{
    public const string Type = "invoice";
    public const string InvoicePaymentType = "invoice_payment";

    public static JsonObject New(StoreTransaction tx, JsonObject customer, JsonObject? subscription, string billingReason, string currency, long periodStart, long periodEnd)
    {
        var id = IdGenerator.New("in");
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["account_country"] = "US",
            ["account_name"] = "Stripe emulator",
            ["account_tax_ids"] = null,
            ["amount_due"] = 0L,
            ["amount_overpaid"] = 0L,
            ["amount_paid"] = 0L,
            ["amount_remaining"] = 0L,
            ["amount_shipping"] = 0L,
            ["application"] = null,
            ["attempt_count"] = 0L,
            ["attempted"] = false,
            ["auto_advance"] = true,
            ["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["automatically_finalizes_at"] = null,
            ["billing_reason"] = billingReason,
            ["collection_method"] = "charge_automatically",
            ["confirmation_secret"] = null,
            ["created"] = tx.NowUnix,
            ["currency"] = currency,
            ["custom_fields"] = null,
            ["customer"] = customer["id"]!.GetValue<string>(),
            ["customer_account"] = null,
            ["customer_address"] = customer["address"]?.DeepClone(),
            ["customer_email"] = customer["email"]?.DeepClone(),
            ["customer_name"] = customer["name"]?.DeepClone(),
            ["customer_phone"] = customer["phone"]?.DeepClone(),
            ["customer_shipping"] = null,
            ["customer_tax_exempt"] = customer["tax_exempt"]?.DeepClone(),
            ["customer_tax_ids"] = new JsonArray(),
            ["default_payment_method"] = null,
            ["default_source"] = null,
            ["default_tax_rates"] = new JsonArray(),
            ["description"] = null,
            ["discounts"] = new JsonArray(),
            ["due_date"] = null,
            ["effective_at"] = null,
            ["ending_balance"] = null,
            ["footer"] = customer["invoice_settings"]?["footer"]?.DeepClone(),
            ["from_invoice"] = null,
            ["hosted_invoice_url"] = null,
            ["invoice_pdf"] = null,
            ["issuer"] = new JsonObject { ["type"] = "self" },
            ["last_finalization_error"] = null,
            ["latest_revision"] = null,
            ["lines"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["total_count"] = 0L, ["url"] = $"/v1/invoices/{id}/lines" },
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["next_payment_attempt"] = null,
            ["number"] = null,
            ["on_behalf_of"] = null,
            ["payments"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["total_count"] = 0L, ["url"] = $"/v1/invoice_payments?invoice={id}" },
            ["parent"] = subscription is null ? null : new JsonObject
            {
                ["quote_details"] = null,
                ["subscription_details"] = new JsonObject
                {
                    ["metadata"] = subscription["metadata"]?.DeepClone(),
                    ["subscription"] = subscription["id"]!.GetValue<string>(),
                },
                ["type"] = "subscription_details",
            },
            ["payment_settings"] = new JsonObject { ["default_mandate"] = null, ["payment_method_options"] = null, ["payment_method_types"] = null },
            ["period_end"] = periodEnd,
            ["period_start"] = periodStart,
            ["post_payment_credit_notes_amount"] = 0L,
            ["pre_payment_credit_notes_amount"] = 0L,
            ["receipt_number"] = null,
            ["rendering"] = null,
            ["shipping_cost"] = null,
            ["shipping_details"] = null,
            ["starting_balance"] = 0L,
            ["statement_descriptor"] = null,
            ["status"] = "draft",
            ["status_transitions"] = new JsonObject { ["finalized_at"] = null, ["marked_uncollectible_at"] = null, ["paid_at"] = null, ["voided_at"] = null },
            ["subtotal"] = 0L,
            ["subtotal_excluding_tax"] = 0L,
            ["test_clock"] = customer["test_clock"]?.DeepClone(),
            ["total"] = 0L,
            ["total_discount_amounts"] = new JsonArray(),
            ["total_excluding_tax"] = 0L,
            ["total_pretax_credit_amounts"] = new JsonArray(),
            ["total_taxes"] = new JsonArray(),
            ["webhooks_delivered_at"] = null,
        };
    }

    /// <summary>A line for a subscription item (a period's charge, a trial, or a proration).</summary>
    public static JsonObject Line(JsonObject invoice, JsonObject subscription, JsonObject item, long amount, long quantity, string description,
        long start, long end, bool proration, string? invoiceItemId = null)
    {
        var price = (JsonObject)item["price"]!;
        return new JsonObject
        {
            ["id"] = IdGenerator.New("il"),
            ["object"] = "line_item",
            ["amount"] = amount,
            ["currency"] = price["currency"]!.GetValue<string>(),
            ["description"] = description,
            ["discount_amounts"] = new JsonArray(),
            ["discountable"] = !proration,
            ["discounts"] = new JsonArray(),
            ["invoice"] = invoice["id"]!.GetValue<string>(),
            ["livemode"] = false,
            ["metadata"] = item["metadata"]?.DeepClone() ?? new JsonObject(),
            ["parent"] = new JsonObject
            {
                ["invoice_item_details"] = null,
                ["subscription_item_details"] = new JsonObject
                {
                    ["invoice_item"] = invoiceItemId,
                    ["proration"] = proration,
                    ["proration_details"] = new JsonObject { ["credited_items"] = null },
                    ["subscription"] = subscription["id"]!.GetValue<string>(),
                    ["subscription_item"] = item["id"]!.GetValue<string>(),
                },
                ["type"] = "subscription_item_details",
            },
            ["period"] = new JsonObject { ["end"] = end, ["start"] = start },
            ["pretax_credit_amounts"] = new JsonArray(),
            ["quantity_decimal"] = null,
            ["subscription"] = subscription["id"]!.GetValue<string>(),
            ["pricing"] = new JsonObject
            {
                ["price_details"] = new JsonObject { ["price"] = price["id"]!.GetValue<string>(), ["product"] = price["product"]!.GetValue<string>() },
                ["type"] = "price_details",
                ["unit_amount_decimal"] = price["unit_amount_decimal"]?.DeepClone(),
            },
            ["quantity"] = quantity,
            ["subtotal"] = amount,
            ["taxes"] = new JsonArray(),
        };
    }

    /// <summary>Adds lines, applies the discounts and computes subtotal, total and the amounts due.</summary>
    public static void SetLines(StoreTransaction tx, JsonObject invoice, IEnumerable<JsonObject> lines, IReadOnlyList<string> discountIds)
    {
        var data = (JsonArray)invoice["lines"]!["data"]!;
        foreach (var line in lines)
        {
            data.Add(line);
        }
        invoice["lines"]!["total_count"] = (long)data.Count;
        Discounts.Apply(tx, data, discountIds, invoice["currency"]!.GetValue<string>());
        var used = discountIds.Where(id => data.Any(l => ((JsonArray)l!["discounts"]!).Any(d => d!.GetValue<string>() == id))).ToList();
        invoice["discounts"] = new JsonArray([.. used.Select(id => JsonValue.Create(id))]);
        invoice["total_discount_amounts"] = Discounts.Totals(data, used);
        var subtotal = data.Sum(l => l!["amount"]!.GetValue<long>());
        var discount = data.Sum(l => ((JsonArray)l!["discount_amounts"]!).Sum(d => d!["amount"]!.GetValue<long>()));
        var total = subtotal - discount;
        invoice["subtotal"] = subtotal;
        invoice["subtotal_excluding_tax"] = subtotal;
        invoice["total"] = total;
        invoice["total_excluding_tax"] = total;
        // The customer's balance counts in what is due; finalization applies it (a negative total becomes credit).
        CustomerBalance.ShowOnDraft(tx, invoice);
    }

    /// <summary>
    /// draft → open: a number, the hosted page, <c>finalized_at</c>, the customer's balance applied
    /// (<paramref name="applyBalance"/> false for an invoice of a payment already taken); an invoice with nothing due
    /// is paid at once.
    /// </summary>
    public static BalanceChange? Finalize(StoreTransaction tx, JsonObject invoice, JsonObject customer, bool applyBalance = true)
    {
        BalanceChange? balance = null;
        var sequence = customer["next_invoice_sequence"]?.GetValue<long>() ?? 1;
        invoice["number"] = $"{customer["invoice_prefix"]}-{sequence.ToString("D4", CultureInfo.InvariantCulture)}";
        invoice["status"] = "open";
        invoice["status_transitions"]!["finalized_at"] = tx.NowUnix;
        invoice["effective_at"] = tx.NowUnix;
        if (applyBalance)
        {
            balance = CustomerBalance.ApplyOnFinalize(tx, invoice);
        }
        else
        {
            invoice["starting_balance"] = 0L;
            invoice["ending_balance"] = 0L;
        }
        var baseUrl = tx.Request.BaseUrl ?? "http://localhost";
        invoice["hosted_invoice_url"] = $"{baseUrl}/invoice/{invoice["id"]}";
        invoice["invoice_pdf"] = $"{baseUrl}/invoice/{invoice["id"]}/pdf";
        var updatedCustomer = tx.Get(Customers.CustomerResource.Type, customer["id"]!.GetValue<string>());
        updatedCustomer["next_invoice_sequence"] = sequence + 1;
        tx.Update(updatedCustomer);
        customer["next_invoice_sequence"] = sequence + 1;
        return balance;
    }

    /// <summary>
    /// Charges an open invoice's amount due to the payment method and records the result on the invoice (paid, or
    /// still open with an attempt counted). Nothing due: paid without a charge. No events yet (<see cref="Announce"/>).
    /// </summary>
    public static Attempt Collect(StoreTransaction tx, JsonObject invoice, string? paymentMethodId, bool retriesAfterFailure)
    {
        var due = invoice["amount_due"]!.GetValue<long>();
        if (due == 0)
        {
            MarkPaid(tx, invoice, 0);
            return new Attempt(new JsonObject(), PaymentOutcome.Succeeded, null, Charged: false);
        }
        if (paymentMethodId is null)
        {
            return new Attempt(new JsonObject(), PaymentOutcome.NoPaymentMethod, null, Charged: false);
        }
        var (intent, outcome) = PaymentIntents.Charge(tx, invoice["customer"]!.GetValue<string>(), paymentMethodId, due,
            invoice["currency"]!.GetValue<string>(), $"Invoice {invoice["number"]}");
        return Apply(tx, invoice, intent, outcome, retriesAfterFailure);
    }

    /// <summary>
    /// An open invoice's payment left for the customer to confirm (<c>payment_behavior=default_incomplete</c>): a
    /// payment intent that is not charged, the invoice payment linking them, and the invoice's
    /// <c>confirmation_secret</c> that Stripe.js confirms with (<https://docs.stripe.com/billing/subscriptions/build-subscriptions>).
    /// The caller emits <c>payment_intent.created</c>.
    /// </summary>
    public static JsonObject OpenPayment(StoreTransaction tx, JsonObject invoice, string? paymentMethodId)
    {
        var intent = PaymentIntents.Open(tx, invoice["customer"]!.GetValue<string>(), paymentMethodId, invoice["amount_due"]!.GetValue<long>(),
            invoice["currency"]!.GetValue<string>(), $"Invoice {invoice["number"]}");
        tx.Insert(NewPayment(tx, invoice, intent));
        invoice["confirmation_secret"] = new JsonObject { ["client_secret"] = intent["client_secret"]!.GetValue<string>(), ["type"] = "payment_intent" };
        RefreshPayments(tx, invoice);
        return intent;
    }

    private static JsonObject NewPayment(StoreTransaction tx, JsonObject invoice, JsonObject intent) => new()
    {
        ["id"] = IdGenerator.New("inpay"),
        ["object"] = InvoicePaymentType,
        ["amount_paid"] = null,
        ["amount_requested"] = invoice["amount_due"]!.GetValue<long>(),
        ["created"] = tx.NowUnix,
        ["currency"] = invoice["currency"]!.GetValue<string>(),
        ["invoice"] = invoice["id"]!.GetValue<string>(),
        ["is_default"] = true,
        ["livemode"] = false,
        ["payment"] = new JsonObject { ["payment_intent"] = intent["id"]!.GetValue<string>(), ["type"] = "payment_intent" },
        ["status"] = "open",
        ["status_transitions"] = new JsonObject { ["canceled_at"] = null, ["paid_at"] = null },
    };

    /// <summary>The invoice's <c>payments</c> list (includable, <c>expand[]=payments</c>) from its invoice payments, oldest first.</summary>
    private static void RefreshPayments(StoreTransaction tx, JsonObject invoice)
    {
        var id = invoice["id"]!.GetValue<string>();
        var data = new JsonArray([.. tx.All(InvoicePaymentType).Where(p => p.Data["invoice"]?.GetValue<string>() == id)
            .OrderBy(p => p.Sequence).Select(p => p.Data.DeepClone())]);
        invoice["payments"] = new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = false, ["total_count"] = (long)data.Count, ["url"] = $"/v1/invoice_payments?invoice={id}" };
    }

    /// <summary>Records a settled payment intent's outcome on the invoice.</summary>
    public static Attempt Apply(StoreTransaction tx, JsonObject invoice, JsonObject intent, PaymentOutcome outcome, bool retriesAfterFailure)
    {
        invoice["attempted"] = true;
        invoice["attempt_count"] = invoice["attempt_count"]!.GetValue<long>() + (outcome == PaymentOutcome.RequiresAction ? 0 : 1);
        var payment = NewPayment(tx, invoice, intent);
        if (outcome == PaymentOutcome.Succeeded)
        {
            payment["amount_paid"] = invoice["amount_due"]!.GetValue<long>();
            payment["status"] = "paid";
            payment["status_transitions"]!["paid_at"] = tx.NowUnix;
            MarkPaid(tx, invoice, invoice["amount_due"]!.GetValue<long>());
        }
        else
        {
            invoice["next_payment_attempt"] = retriesAfterFailure && outcome != PaymentOutcome.RequiresAction ? Dunning.NextAttempt(tx, invoice) : null;
        }
        var existing = tx.All(InvoicePaymentType).FirstOrDefault(p => p.Data["payment"]?["payment_intent"]?.GetValue<string>() == intent["id"]!.GetValue<string>());
        if (existing is null)
        {
            tx.Insert(payment);
        }
        else
        {
            payment["id"] = existing.Id;
            payment["created"] = existing.Created;
            tx.Update(payment);
        }
        RefreshPayments(tx, invoice);
        return new Attempt(intent, outcome, payment, Charged: true);
    }

    /// <summary>Voids the invoice when it is still open (<c>invoice.voided</c>); a paid or void one is left as it is.</summary>
    public static void VoidIfOpen(StoreTransaction tx, string invoiceId)
    {
        if (tx.Find(Type, invoiceId) is not { } open || open["status"]?.GetValue<string>() != "open")
        {
            return;
        }
        var voided = (JsonObject)open.DeepClone();
        voided["status"] = "void";
        voided["amount_remaining"] = 0L;
        voided["next_payment_attempt"] = null;
        voided["status_transitions"]!["voided_at"] = tx.NowUnix;
        tx.Update(voided);
        CustomerBalance.ReturnOnVoid(tx, voided);
        tx.Emit("invoice.voided", voided, JsonObjects.PreviousAttributes(open, voided));
    }

    private static void MarkPaid(StoreTransaction tx, JsonObject invoice, long amount)
    {
        invoice["status"] = "paid";
        invoice["amount_paid"] = amount;
        invoice["amount_remaining"] = 0L;
        invoice["attempted"] = true;
        invoice["next_payment_attempt"] = null;
        invoice["status_transitions"]!["paid_at"] = tx.NowUnix;
    }

    /// <summary>
    /// The events of a payment attempt, in the order Stripe sends them: the payment intent's, then the
    /// invoice payment's and the invoice's (<c>paid</c> + <c>payment_succeeded</c>, <c>payment_failed</c>, or
    /// <c>payment_action_required</c>).
    /// </summary>
    public static void Announce(StoreTransaction tx, JsonObject invoice, Attempt attempt, bool intentIsNew = true)
    {
        if (attempt.Charged)
        {
            if (intentIsNew)
            {
                tx.Emit("payment_intent.created", attempt.Intent);
            }
            tx.Emit(attempt.Outcome switch
            {
                PaymentOutcome.Succeeded => "payment_intent.succeeded",
                PaymentOutcome.RequiresAction => "payment_intent.requires_action",
                _ => "payment_intent.payment_failed",
            }, attempt.Intent);
        }
        switch (attempt.Outcome)
        {
            case PaymentOutcome.Succeeded:
                if (attempt.InvoicePayment is { } payment)
                {
                    tx.Emit("invoice_payment.paid", payment);
                }
                tx.Emit("invoice.paid", invoice);
                tx.Emit("invoice.payment_succeeded", invoice);
                break;
            case PaymentOutcome.RequiresAction:
                tx.Emit("invoice.payment_action_required", invoice);
                break;
            case PaymentOutcome.Declined:
            case PaymentOutcome.NoPaymentMethod:
                tx.Emit("invoice.payment_failed", invoice);
                break;
        }
    }
}
