using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Invoices;

/// <summary><c>/v1/invoices</c>: read, list, lines, pay, void, finalize, mark uncollectible, and <c>create_preview</c>.</summary>
internal static class InvoiceResource
{
    public static ResourceDefinition Definition { get; } = new()
    {
        Type = InvoiceEngine.Type,
        Noun = "invoice",
        Expandable = new Dictionary<string, string>
        {
            ["customer"] = CustomerResource.Type,
            ["default_payment_method"] = PaymentMethodResource.Type,
            ["discounts"] = Discounts.Type,
            ["parent.subscription_details.subscription"] = SubscriptionResource.Type,
            ["lines.data.pricing.price_details.product"] = Catalog.Products.ProductResource.Type,
            ["payments.data.payment.payment_intent"] = PaymentIntents.Type,
        },
        // Stripe returns these only when expanded (the invoice object reference).
        Includable = ["confirmation_secret", "payments"],
    };

    public static ResourceDefinition PaymentDefinition { get; } = new()
    {
        Type = InvoiceEngine.InvoicePaymentType,
        Noun = "invoice payment",
        Expandable = new Dictionary<string, string> { ["invoice"] = InvoiceEngine.Type, ["payment.payment_intent"] = PaymentIntents.Type },
    };

    private static readonly ObjectParam PreviewSchema = RequestSchema.Body(
        ("customer", P.String),
        ("subscription", P.String),
        ("subscription_details", P.Object(
            ("items", P.Array(P.Object(("id", P.String), ("price", P.String), ("quantity", P.NonNegative), ("deleted", P.Boolean), ("clear_usage", P.Boolean),
                ("metadata", P.Metadata.Emptyable()), ("discounts", P.Unsupported), ("price_data", P.Unsupported), ("tax_rates", P.Unsupported)))),
            ("proration_behavior", P.Enum("always_invoice", "create_prorations", "none")),
            ("proration_date", P.Timestamp),
            ("billing_cycle_anchor", P.Enum("now", "unchanged")),
            ("cancel_at_period_end", P.Boolean),
            ("cancel_at", new TimestampOrParam("max_period_end", "min_period_end").Emptyable()),
            ("trial_end", new TimestampOrParam("now")),
            ("default_tax_rates", P.Unsupported),
            ("resume_at", P.Unsupported),
            ("start_date", P.Unsupported))),
        ("discounts", P.Unsupported),
        ("automatic_tax", P.Unsupported),
        ("currency", P.Currency),
        ("preview_mode", P.Enum("next", "recurring")),
        ("schedule", P.Unsupported),
        ("schedule_details", P.Unsupported),
        ("invoice_items", P.Unsupported),
        ("customer_details", P.Unsupported));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/invoices",
        Create = (OneOffInvoices.CreateSchema, c => OneOffInvoices.Create(c.Tx, c.Params)),
        List =
        [
            ListFilter.Created,
            ListFilter.String("customer"),
            ListFilter.String("subscription", "parent.subscription_details.subscription"),
            ListFilter.Equal("status", P.Enum("draft", "open", "paid", "uncollectible", "void")),
            ListFilter.Equal("collection_method", P.Enum("charge_automatically", "send_invoice")),
        ],
        Search = new(new Dictionary<string, string> { ["customer"] = "customer", ["status"] = "status", ["subscription"] = "parent.subscription_details.subscription", ["number"] = "number", ["total"] = "total" }),
        Actions =
        [
            new("GET", "/{id}/lines", RequestSchema.List(), Writes: false, c =>
            {
                var invoice = c.Tx.Get(InvoiceEngine.Type, c.Id);
                return ListPage.RenderItems(c.Tx, c.Request, c.Params, [.. ((JsonArray)invoice["lines"]!["data"]!).Select(l => (JsonObject)l!)], $"/v1/invoices/{c.Id}/lines");
            }),
            new("POST", "/{id}/pay", RequestSchema.Body(("payment_method", P.String), ("off_session", P.Boolean), ("forgive", P.Boolean),
                ("paid_out_of_band", P.Boolean), ("source", P.Unsupported), ("mandate", P.Unsupported)), Writes: true, Pay),
            new("POST", "/{id}/void", RequestSchema.Body(), Writes: true, c => Transition(c.Tx, c.Id, "open", "void", "voided_at", "invoice.voided")),
            new("POST", "/{id}/mark_uncollectible", RequestSchema.Body(), Writes: true,
                c => Transition(c.Tx, c.Id, "open", "uncollectible", "marked_uncollectible_at", "invoice.marked_uncollectible")),
            new("POST", "/{id}/finalize", RequestSchema.Body(("auto_advance", P.Boolean)), Writes: true, Finalize),
            new("POST", "/create_preview", PreviewSchema, Writes: false, Preview),
        ],
    };

    public static ResourceApi PaymentsApi { get; } = new()
    {
        Definition = PaymentDefinition,
        Path = "/v1/invoice_payments",
        List = [ListFilter.String("invoice"), ListFilter.Equal("status", P.Enum("canceled", "open", "paid")), ListFilter.Created],
    };

    /// <summary>
    /// Charges an open invoice now (with <c>payment_method</c>, or the subscription's or customer's default). A
    /// declined or unauthenticated payment is kept (attempt counted, events sent) and answered with Stripe's 402.
    /// </summary>
    private static JsonObject Pay(Call c)
    {
        var before = c.Tx.Get(InvoiceEngine.Type, c.Id);
        c.Tx.UseClockOf(before);
        var status = before["status"]!.GetValue<string>();
        if (status == "paid")
        {
            throw StripeErrors.Invalid("Invoice is already paid.");
        }
        if (status != "open")
        {
            throw StripeErrors.Invalid($"You can only pay an open invoice; this one is {status}.");
        }
        var invoice = (JsonObject)before.DeepClone();
        var customerId = invoice["customer"]!.GetValue<string>();
        if (c.Params.Bool("paid_out_of_band") == true)
        {
            invoice["status"] = "paid";
            invoice["amount_remaining"] = 0L;
            invoice["status_transitions"]!["paid_at"] = c.Tx.NowUnix;
            c.Tx.Update(invoice);
            c.Tx.Emit("invoice.paid", invoice);
            SubscriptionEngine.OnInvoicePaid(c.Tx, invoice);
            return invoice;
        }
        var paymentMethod = c.Params.String("payment_method") is { } given
            ? SubscriptionEngine.OwnPaymentMethod(c.Tx, customerId, given, "payment_method")
            : DefaultPaymentMethod(c.Tx, invoice);
        var attempt = InvoiceEngine.Collect(c.Tx, invoice, paymentMethod, retriesAfterFailure: true);
        c.Tx.Update(invoice);
        InvoiceEngine.Announce(c.Tx, invoice, attempt);
        switch (attempt.Outcome)
        {
            case PaymentOutcome.Succeeded:
                SubscriptionEngine.OnInvoicePaid(c.Tx, invoice);
                break;
            case PaymentOutcome.Declined:
                c.FailAfterCommit = TestCards.Of(c.Tx.Get(PaymentMethodResource.Type, paymentMethod!)).Decline();
                break;
            case PaymentOutcome.RequiresAction:
                c.FailAfterCommit = new StripeErrorException(402, "card_error", "authentication_required",
                    "This payment requires the customer to authenticate; finish it on the invoice's hosted_invoice_url.");
                break;
            default:
                c.FailAfterCommit = StripeErrors.Invalid("This customer has no attached payment source or default payment method.");
                break;
        }
        return invoice;
    }

    public static string? DefaultPaymentMethod(StoreTransaction tx, JsonObject invoice)
    {
        if (invoice["default_payment_method"]?.GetValue<string>() is { } own)
        {
            return own;
        }
        if (invoice["parent"]?["subscription_details"]?["subscription"]?.GetValue<string>() is { } subscriptionId
            && tx.Find(SubscriptionResource.Type, subscriptionId)?["default_payment_method"]?.GetValue<string>() is { } subscriptionDefault)
        {
            return subscriptionDefault;
        }
        return tx.Find(CustomerResource.Type, invoice["customer"]!.GetValue<string>())?["invoice_settings"]?["default_payment_method"]?.GetValue<string>();
    }

    private static JsonObject Transition(StoreTransaction tx, string id, string from, string to, string stamp, string eventType)
    {
        var before = tx.Get(InvoiceEngine.Type, id);
        tx.UseClockOf(before);
        if (before["status"]!.GetValue<string>() != from)
        {
            throw StripeErrors.Invalid($"You can only do this to an invoice that is {from}; this one is {before["status"]}.");
        }
        var after = (JsonObject)before.DeepClone();
        after["status"] = to;
        after["status_transitions"]![stamp] = tx.NowUnix;
        if (to == "void")
        {
            after["amount_remaining"] = 0L;
            after["next_payment_attempt"] = null;
            CustomerBalance.ReturnOnVoid(tx, after);
        }
        tx.Update(after);
        tx.Emit(eventType, after, JsonObjects.PreviousAttributes(before, after));
        return after;
    }

    private static JsonObject Finalize(Call c)
    {
        var before = c.Tx.Get(InvoiceEngine.Type, c.Id);
        c.Tx.UseClockOf(before);
        if (before["status"]!.GetValue<string>() != "draft")
        {
            throw StripeErrors.Invalid($"This invoice is already finalized, you can't re-finalize a non-draft invoice.");
        }
        var invoice = (JsonObject)before.DeepClone();
        var balance = InvoiceEngine.Finalize(c.Tx, invoice, c.Tx.Get(CustomerResource.Type, invoice["customer"]!.GetValue<string>()));
        c.Tx.Update(invoice);
        c.Tx.Emit("invoice.finalized", invoice, JsonObjects.PreviousAttributes(before, invoice));
        CustomerBalance.Announce(c.Tx, balance);
        return invoice;
    }

    /// <summary>
    /// <c>create_preview</c> for a subscription change: the change runs in a transaction that is thrown away, so the
    /// numbers are exactly what the update would produce. With <c>always_invoice</c> (or a cycle reset) it is the
    /// invoice the update would create now; otherwise the next regular invoice, with the prorations on it.
    /// </summary>
    private static JsonObject Preview(Call c)
    {
        var subscriptionId = c.Params.String("subscription")
            ?? throw StripeErrors.Invalid("The Stripe emulator previews changes of an existing subscription only: pass subscription.", "subscription");
        var subscription = c.Tx.Get(SubscriptionResource.Type, subscriptionId, "subscription", 400);
        c.Tx.UseClockOf(subscription);
        if (c.Params.String("customer") is { } customer && customer != subscription["customer"]!.GetValue<string>())
        {
            throw StripeErrors.Invalid($"The subscription {subscriptionId} does not belong to the customer {customer}.", "customer");
        }
        var details = c.Params.Object("subscription_details") ?? new Params([]);
        var change = new SubscriptionEngine.Change(details.Array("items"), details.String("proration_behavior") ?? "create_prorations", details.Long("proration_date"),
            details["trial_end"], details.String("billing_cycle_anchor"), "allow_incomplete");
        var rest = new Params([]);
        foreach (var key in new[] { "cancel_at_period_end", "cancel_at" })
        {
            if (details.Has(key))
            {
                rest.Values[key] = details.Copy(key);
            }
        }
        var (_, invoice) = SubscriptionEngine.Update(c.Tx, subscriptionId, rest, change, preview: true);
        var preview = invoice!;
        if (!preview["id"]!.GetValue<string>().StartsWith("upcoming_", StringComparison.Ordinal))
        {
            preview["id"] = "upcoming_" + preview["id"]!.GetValue<string>();
        }
        if (details.Long("proration_date") is { } date)
        {
            preview["parent"]!["subscription_details"]!["subscription_proration_date"] = date;
        }
        return preview;
    }
}
