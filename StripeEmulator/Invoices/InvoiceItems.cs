using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Invoices;

/// <summary>
/// <c>/v1/invoiceitems</c> (https://docs.stripe.com/api/invoiceitems): a charge or credit waiting for an invoice.
/// Without <c>invoice</c> it is pending: a one-off invoice created with <c>pending_invoice_items_behavior=include</c>
/// takes the customer's, and a subscription's next invoice takes those created with its <c>subscription</c>. With
/// <c>invoice</c> it becomes a line of that draft at once. Prorations are invoice items too (the subscription engine's).
/// </summary>
internal static class InvoiceItems
{
    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("customer", P.String.Required()),
        ("amount", P.Integer),
        ("currency", P.Currency),
        ("description", P.Max(500)),
        ("discountable", P.Boolean),
        ("invoice", P.String),
        ("metadata", P.Metadata.Emptyable()),
        ("period", P.Object(("start", P.Timestamp.Required()), ("end", P.Timestamp.Required()))),
        ("pricing", P.Object(("price", P.String))),
        ("quantity", P.NonNegative),
        ("subscription", P.String),
        ("unit_amount_decimal", P.Decimal),
        ("customer_account", P.Unsupported),
        ("discounts", P.Unsupported),
        ("price_data", P.Unsupported),
        ("quantity_decimal", P.Unsupported),
        ("tax_behavior", P.Unsupported),
        ("tax_code", P.Unsupported),
        ("tax_rates", P.Unsupported));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("description", P.Max(500)),
        ("discountable", P.Boolean),
        ("metadata", P.Metadata.Emptyable()),
        ("amount", P.Integer),
        ("quantity", P.NonNegative),
        ("discounts", P.Unsupported),
        ("period", P.Unsupported),
        ("price_data", P.Unsupported),
        ("pricing", P.Unsupported),
        ("tax_rates", P.Unsupported));

    public static ResourceApi Api { get; } = new()
    {
        Definition = SubscriptionResource.InvoiceItemDefinition,
        Path = "/v1/invoiceitems",
        Create = (CreateSchema, c => Create(c.Tx, c.Params)),
        Update = (UpdateSchema, c => Update(c.Tx, c.Id, c.Params)),
        Delete = c => Delete(c.Tx, c.Id),
        List =
        [
            ListFilter.Created,
            ListFilter.String("customer"),
            ListFilter.String("invoice"),
            ListFilter.Custom("pending", P.Boolean, (ii, pending) => (ii.Data["invoice"] is null) == pending.GetValue<bool>()),
        ],
    };

    public static JsonObject Create(StoreTransaction tx, Params p)
    {
        var customer = tx.Get(CustomerResource.Type, p.String("customer")!, "customer", 400);
        tx.UseClockOf(customer);
        var customerId = customer["id"]!.GetValue<string>();
        JsonObject? price = null;
        if (p.Object("pricing")?.String("price") is { } priceId)
        {
            price = tx.Get(Catalog.Prices.PriceResource.Type, priceId, "pricing[price]", 400);
            if (price["type"]!.GetValue<string>() != "one_time")
            {
                throw StripeErrors.Invalid("The price specified is set to `type=recurring` but this field only accepts prices with `type=one_time`.", "pricing[price]");
            }
            if (p.Has("amount") || p.Has("unit_amount_decimal"))
            {
                throw StripeErrors.ParametersExclusive("pricing[price]", p.Has("amount") ? "amount" : "unit_amount_decimal");
            }
        }
        if (p.Has("amount") && p.Has("unit_amount_decimal"))
        {
            throw StripeErrors.ParametersExclusive("amount", "unit_amount_decimal");
        }
        var quantity = p.Long("quantity") ?? 1;
        decimal? unitDecimal = price is not null ? (decimal?)(price["unit_amount"]?.GetValue<long>() ?? 0) : p.Decimal("unit_amount_decimal");
        var amount = p.Long("amount") ?? (unitDecimal is { } unit ? (long)Math.Round(unit * quantity, MidpointRounding.AwayFromZero)
            : throw StripeErrors.ParameterMissing("amount"));
        var currency = price?["currency"]!.GetValue<string>() ?? p.String("currency") ?? throw StripeErrors.ParameterMissing("currency");
        if (price is not null && p.String("currency") is { } given && given != currency)
        {
            throw StripeErrors.Invalid($"The currency {given} does not match the price's currency {currency}.", "currency");
        }

        JsonObject? subscription = null;
        if (p.String("subscription") is { } subscriptionId)
        {
            subscription = tx.Get(SubscriptionResource.Type, subscriptionId, "subscription", 400);
            if (subscription["customer"]!.GetValue<string>() != customerId)
            {
                throw StripeErrors.Invalid($"The subscription {subscriptionId} does not belong to the customer {customerId}.", "subscription");
            }
        }
        JsonObject? invoice = null;
        if (p.String("invoice") is { } invoiceId)
        {
            invoice = tx.Get(InvoiceEngine.Type, invoiceId, "invoice", 400);
            if (invoice["customer"]!.GetValue<string>() != customerId)
            {
                throw StripeErrors.Invalid($"The invoice {invoiceId} does not belong to the customer {customerId}.", "invoice");
            }
            if (invoice["status"]!.GetValue<string>() != "draft")
            {
                throw StripeErrors.Invalid($"You can only add invoice items to draft invoices; invoice {invoiceId} is {invoice["status"]}.", "invoice");
            }
            if (invoice["currency"]!.GetValue<string>() != currency)
            {
                throw StripeErrors.Invalid($"The invoice item's currency ({currency}) must match the invoice's currency ({invoice["currency"]}).", "currency");
            }
        }
        var period = p.Object("period") is { } given2
            ? new JsonObject { ["end"] = given2.Long("end"), ["start"] = given2.Long("start") }
            : new JsonObject { ["end"] = tx.NowUnix, ["start"] = tx.NowUnix };
        var item = new JsonObject
        {
            ["id"] = IdGenerator.New("ii"),
            ["object"] = SubscriptionEngine.InvoiceItemType,
            ["amount"] = amount,
            ["currency"] = currency,
            ["customer"] = customerId,
            ["customer_account"] = null,
            ["date"] = tx.NowUnix,
            ["description"] = p.String("description") ?? (price is not null ? ProductName(tx, price) : null),
            ["discountable"] = p.Bool("discountable") ?? true,
            ["discounts"] = new JsonArray(),
            ["invoice"] = invoice?["id"]!.GetValue<string>(),
            ["livemode"] = false,
            ["metadata"] = JsonObjects.NewMetadata(p["metadata"]),
            ["net_amount"] = amount,
            ["parent"] = subscription is null ? null : new JsonObject
            {
                ["subscription_details"] = new JsonObject { ["subscription"] = subscription["id"]!.GetValue<string>(), ["subscription_item"] = null },
                ["type"] = "subscription_details",
            },
            ["period"] = period,
            ["pricing"] = new JsonObject
            {
                ["price_details"] = price is null ? null : new JsonObject { ["price"] = price["id"]!.GetValue<string>(), ["product"] = price["product"]!.GetValue<string>() },
                ["type"] = price is null ? null : "price_details",
                ["unit_amount_decimal"] = unitDecimal?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ["proration"] = false,
            ["proration_details"] = new JsonObject { ["discount_amounts"] = new JsonArray() },
            ["quantity"] = quantity,
            ["tax_rates"] = new JsonArray(),
            ["test_clock"] = customer["test_clock"]?.DeepClone(),
        };
        tx.InsertAndEmit(item);
        if (invoice is not null)
        {
            AddLines(tx, invoice, [item]);
        }
        return item;
    }

    public static JsonObject Update(StoreTransaction tx, string id, Params p)
    {
        var before = tx.Get(SubscriptionEngine.InvoiceItemType, id);
        tx.UseClockOf(before);
        var invoiceId = before["invoice"]?.GetValue<string>();
        if (invoiceId is not null && tx.Find(InvoiceEngine.Type, invoiceId)?["status"]?.GetValue<string>() != "draft")
        {
            throw StripeErrors.Invalid($"The invoice item {id} is on a finalized invoice and can no longer be changed.");
        }
        var after = (JsonObject)before.DeepClone();
        foreach (var key in new[] { "description", "discountable" })
        {
            if (p.Has(key))
            {
                after[key] = p.Copy(key);
            }
        }
        if (p.Has("metadata"))
        {
            after["metadata"] = JsonObjects.MergeMetadata(after["metadata"] as JsonObject, p["metadata"] as JsonObject);
        }
        if (p.Long("quantity") is { } quantity)
        {
            after["quantity"] = quantity;
            if (!p.Has("amount") && decimal.TryParse(after["pricing"]?["unit_amount_decimal"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var unit))
            {
                after["amount"] = (long)Math.Round(unit * quantity, MidpointRounding.AwayFromZero);
            }
        }
        if (p.Long("amount") is { } amount)
        {
            after["amount"] = amount;
        }
        after["net_amount"] = after["amount"]!.DeepClone();
        // Stripe sends no event for an invoice item's update (there is no invoiceitem.updated).
        tx.Update(after);
        if (invoiceId is not null)
        {
            Reprice(tx, invoiceId);
        }
        return after;
    }

    /// <summary>Deletes a pending item or one on a draft (its line goes too); items on finalized invoices stay.</summary>
    public static JsonObject Delete(StoreTransaction tx, string id)
    {
        var item = tx.Get(SubscriptionEngine.InvoiceItemType, id);
        tx.UseClockOf(item);
        var invoiceId = item["invoice"]?.GetValue<string>();
        if (invoiceId is not null && tx.Find(InvoiceEngine.Type, invoiceId)?["status"]?.GetValue<string>() != "draft")
        {
            throw StripeErrors.Invalid($"The invoice item {id} is on a finalized invoice and cannot be deleted.");
        }
        var deleted = tx.DeleteAndEmit(item);
        if (invoiceId is not null)
        {
            Reprice(tx, invoiceId);
        }
        return deleted;
    }

    /// <summary>A customer's pending items without a subscription (what a one-off invoice's <c>include</c> takes), oldest first.</summary>
    public static List<JsonObject> PendingOfCustomer(StoreTransaction tx, string customerId, string currency) =>
        [.. tx.All(SubscriptionEngine.InvoiceItemType)
            .Where(ii => ii.Data["invoice"] is null && ii.Data["customer"]?.GetValue<string>() == customerId
                && ii.Data["parent"] is null && ii.Data["currency"]?.GetValue<string>() == currency)
            .OrderBy(ii => ii.Sequence)
            .Select(ii => (JsonObject)ii.Data.DeepClone())];

    /// <summary>Puts invoice items on a draft invoice as lines (the items now name the invoice) and stores it with its new totals.</summary>
    public static void AddLines(StoreTransaction tx, JsonObject invoice, IReadOnlyList<JsonObject> items)
    {
        var invoiceId = invoice["id"]!.GetValue<string>();
        foreach (var item in items)
        {
            if (item["invoice"]?.GetValue<string>() != invoiceId)
            {
                item["invoice"] = invoiceId;
                tx.Update(item);
            }
        }
        InvoiceEngine.SetLines(tx, invoice, [.. items.Select(i => Line(invoice, i))], SubscriptionEngine.Strings(invoice["discounts"]));
        if (tx.Current(InvoiceEngine.Type, invoiceId) is null)
        {
            tx.Insert(invoice);
        }
        else
        {
            tx.Update(invoice);
        }
    }

    /// <summary>Rebuilds a draft's lines from its invoice items after one changed or went.</summary>
    private static void Reprice(StoreTransaction tx, string invoiceId)
    {
        var invoice = tx.Get(InvoiceEngine.Type, invoiceId);
        var items = tx.All(SubscriptionEngine.InvoiceItemType).Where(ii => ii.Data["invoice"]?.GetValue<string>() == invoiceId)
            .OrderBy(ii => ii.Sequence).Select(ii => (JsonObject)ii.Data.DeepClone()).ToList();
        ((JsonArray)invoice["lines"]!["data"]!).Clear();
        AddLines(tx, invoice, items);
    }

    /// <summary>The invoice line of an invoice item that no subscription item produced (Stripe's <c>invoice_item_details</c> parent).</summary>
    public static JsonObject Line(JsonObject invoice, JsonObject item) => new()
    {
        ["id"] = IdGenerator.New("il"),
        ["object"] = "line_item",
        ["amount"] = item["amount"]!.GetValue<long>(),
        ["currency"] = item["currency"]!.GetValue<string>(),
        ["description"] = item["description"]?.DeepClone(),
        ["discount_amounts"] = new JsonArray(),
        ["discountable"] = item["discountable"]?.GetValue<bool>() ?? true,
        ["discounts"] = new JsonArray(),
        ["invoice"] = invoice["id"]!.GetValue<string>(),
        ["livemode"] = false,
        ["metadata"] = item["metadata"]?.DeepClone() ?? new JsonObject(),
        ["parent"] = new JsonObject
        {
            ["invoice_item_details"] = new JsonObject
            {
                ["invoice_item"] = item["id"]!.GetValue<string>(),
                ["proration"] = item["proration"]?.GetValue<bool>() ?? false,
                ["proration_details"] = new JsonObject { ["credited_items"] = null },
                ["subscription"] = item["parent"]?["subscription_details"]?["subscription"]?.DeepClone(),
            },
            ["subscription_item_details"] = null,
            ["type"] = "invoice_item_details",
        },
        ["period"] = item["period"]!.DeepClone(),
        ["pretax_credit_amounts"] = new JsonArray(),
        ["quantity_decimal"] = null,
        ["subscription"] = item["parent"]?["subscription_details"]?["subscription"]?.DeepClone(),
        ["pricing"] = item["pricing"]?.DeepClone(),
        ["quantity"] = item["quantity"]?.DeepClone(),
        ["subtotal"] = item["amount"]!.GetValue<long>(),
        ["taxes"] = new JsonArray(),
    };

    private static string? ProductName(StoreTransaction tx, JsonObject price) =>
        tx.Find(Catalog.Products.ProductResource.Type, price["product"]!.GetValue<string>())?["name"]?.GetValue<string>();
}
