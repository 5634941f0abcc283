using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Invoices;

/// <summary>
/// <c>POST /v1/invoices</c> (https://docs.stripe.com/api/invoices/create, https://docs.stripe.com/invoicing/integration):
/// a draft for a customer, optionally with its pending invoice items (<c>pending_invoice_items_behavior=include</c>;
/// <c>exclude</c> is Stripe's default). It is then finalized, paid or voided with the invoice actions.
/// </summary>
internal static class OneOffInvoices
{
    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("customer", P.String),
        ("subscription", P.String),
        ("auto_advance", P.Boolean),
        ("collection_method", P.Enum("charge_automatically", "send_invoice")),
        ("currency", P.Currency),
        ("days_until_due", P.NonNegative),
        ("due_date", P.Timestamp),
        ("default_payment_method", P.String),
        ("description", P.Max(1500)),
        ("footer", P.Max(5000)),
        ("metadata", P.Metadata.Emptyable()),
        ("pending_invoice_items_behavior", P.Enum("exclude", "include")),
        ("statement_descriptor", P.Max(22)),
        ("account_tax_ids", P.Unsupported),
        ("application_fee_amount", P.Unsupported),
        ("automatic_tax", P.Unsupported),
        ("automatically_finalizes_at", P.Unsupported),
        ("custom_fields", P.Unsupported),
        ("customer_account", P.Unsupported),
        ("default_source", P.Unsupported),
        ("default_tax_rates", P.Unsupported),
        ("discounts", P.Unsupported),
        ("effective_at", P.Unsupported),
        ("from_invoice", P.Unsupported),
        ("issuer", P.Unsupported),
        ("number", P.Unsupported),
        ("on_behalf_of", P.Unsupported),
        ("payment_settings", P.Unsupported),
        ("rendering", P.Unsupported),
        ("shipping_cost", P.Unsupported),
        ("shipping_details", P.Unsupported),
        ("transfer_data", P.Unsupported));

    public static JsonObject Create(StoreTransaction tx, Params p)
    {
        JsonObject? subscription = null;
        if (p.String("subscription") is { } subscriptionId)
        {
            subscription = tx.Get(SubscriptionResource.Type, subscriptionId, "subscription", 400);
        }
        var customerId = p.String("customer") ?? subscription?["customer"]!.GetValue<string>() ?? throw StripeErrors.ParameterMissing("customer");
        var customer = tx.Get(CustomerResource.Type, customerId, "customer", 400);
        tx.UseClockOf(customer);
        if (subscription is not null && subscription["customer"]!.GetValue<string>() != customerId)
        {
            throw StripeErrors.Invalid($"The subscription {subscription["id"]} does not belong to the customer {customerId}.", "subscription");
        }
        var collection = p.String("collection_method") ?? "charge_automatically";
        if (collection == "send_invoice" && !p.Has("days_until_due") && !p.Has("due_date"))
        {
            throw StripeErrors.Invalid("Invoices with `collection_method=send_invoice` must have a `due_date` or `days_until_due`.", "days_until_due");
        }
        if (collection == "charge_automatically" && (p.Has("days_until_due") || p.Has("due_date")))
        {
            var param = p.Has("days_until_due") ? "days_until_due" : "due_date";
            throw StripeErrors.Invalid($"`{param}` can only be set when `collection_method=send_invoice`.", param);
        }
        if (p.Has("days_until_due") && p.Has("due_date"))
        {
            throw StripeErrors.ParametersExclusive("days_until_due", "due_date");
        }
        var currency = p.String("currency") ?? subscription?["currency"]!.GetValue<string>() ?? customer["currency"]?.GetValue<string>() ?? "usd";
        var include = p.String("pending_invoice_items_behavior") == "include";
        var pending = !include ? []
            : subscription is not null ? [.. SubscriptionEngine.PendingItems(tx, subscription["id"]!.GetValue<string>()).Where(ii => ii["currency"]!.GetValue<string>() == currency)]
            : InvoiceItems.PendingOfCustomer(tx, customerId, currency);

        var invoice = InvoiceEngine.New(tx, customer, subscription, "manual", currency, tx.NowUnix, tx.NowUnix);
        invoice["auto_advance"] = p.Bool("auto_advance") ?? false;
        invoice["collection_method"] = collection;
        invoice["description"] = p.String("description");
        invoice["metadata"] = JsonObjects.NewMetadata(p["metadata"]);
        invoice["statement_descriptor"] = p.String("statement_descriptor");
        if (p.Has("footer"))
        {
            invoice["footer"] = p.String("footer");
        }
        invoice["due_date"] = p.Long("due_date") ?? (p.Long("days_until_due") is { } days ? tx.NowUnix + days * 86400 : null);
        if (p.String("default_payment_method") is { } paymentMethod)
        {
            invoice["default_payment_method"] = SubscriptionEngine.OwnPaymentMethod(tx, customerId, paymentMethod, "default_payment_method");
        }
        if (pending.Count > 0)
        {
            // Stripe's period of a manual invoice spans its items' periods.
            invoice["period_start"] = pending.Min(ii => ii["period"]!["start"]!.GetValue<long>());
            invoice["period_end"] = pending.Max(ii => ii["period"]!["end"]!.GetValue<long>());
        }
        var old = subscription is null ? [] : SubscriptionResource.Items(subscription).ToDictionary(i => i["id"]!.GetValue<string>());
        foreach (var item in pending)
        {
            item["invoice"] = invoice["id"]!.GetValue<string>();
            tx.Update(item);
        }
        InvoiceEngine.SetLines(tx, invoice,
            [.. pending.Select(ii => subscription is null ? InvoiceItems.Line(invoice, ii) : SubscriptionEngine.LineFromInvoiceItem(invoice, subscription, ii, old))], []);
        tx.Insert(invoice);
        tx.Emit("invoice.created", invoice);
        return invoice;
    }
}
