using System.Text.Json.Nodes;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Customers;

/// <summary>Customers: who pays; their default payment method for invoices; deleting one cancels its subscriptions.</summary>
internal static class CustomerResource
{
    public const string Type = "customer";

    /// <summary>
    /// What is kept of a deleted customer: Stripe still answers a retrieve of it with <c>{id, object, deleted}</c>
    /// (https://docs.stripe.com/api/customers/delete), while every other call treats it as missing.
    /// </summary>
    public const string TombstoneType = "emulator.deleted_customer";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "customer",
        Expandable = new Dictionary<string, string> { ["invoice_settings.default_payment_method"] = PaymentMethodResource.Type },
    };

    private static readonly Param Address = P.Object(
        ("city", P.String), ("country", P.String), ("line1", P.String), ("line2", P.String), ("postal_code", P.String), ("state", P.String));

    private static readonly Param InvoiceSettings = P.Object(
        ("custom_fields", P.Unsupported), ("default_payment_method", P.String), ("footer", P.String), ("rendering_options", P.Unsupported));

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("address", Address.Emptyable()),
        ("balance", P.Integer),
        ("description", P.String),
        ("email", P.Max(512)),
        ("invoice_prefix", P.Max(12)),
        ("invoice_settings", InvoiceSettings),
        ("metadata", P.Metadata.Emptyable()),
        ("name", P.Max(256)),
        ("payment_method", P.String),
        ("phone", P.Max(20)),
        ("preferred_locales", P.Array(P.String)),
        ("shipping", P.Unsupported),
        ("tax", P.Unsupported),
        ("tax_exempt", P.Enum("exempt", "none", "reverse").Emptyable()),
        ("tax_id_data", P.Unsupported),
        ("test_clock", P.String));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("address", Address.Emptyable()),
        ("balance", P.Integer),
        ("default_source", P.Unsupported),
        ("description", P.String.Emptyable()),
        ("email", P.Max(512).Emptyable()),
        ("invoice_prefix", P.Max(12)),
        ("invoice_settings", InvoiceSettings with { }),
        ("metadata", P.Metadata.Emptyable()),
        ("name", P.Max(256).Emptyable()),
        ("phone", P.Max(20).Emptyable()),
        ("preferred_locales", P.Array(P.String).Emptyable()),
        ("shipping", P.Unsupported),
        ("tax", P.Unsupported),
        ("tax_exempt", P.Enum("exempt", "none", "reverse").Emptyable()));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/customers",
        Create = (CreateSchema, c => Create(c.Tx, c.Params)),
        Find = (tx, id) => tx.Find(Type, id) ?? (tx.Find(TombstoneType, id) is null ? null : ObjectRenderer.Deleted(Type, id)),
        Update = (UpdateSchema, c => Update(c.Tx, c.Id, c.Params)),
        Delete = c => Delete(c.Tx, c.Id),
        List = [ListFilter.Created, ListFilter.String("email"), ListFilter.String("test_clock")],
        Search = new(new Dictionary<string, string> { ["email"] = "email", ["name"] = "name", ["phone"] = "phone" }),
        Actions =
        [
            new("DELETE", "/{id}/discount", RequestSchema.Delete, Writes: true, c => DeleteDiscount(c.Tx, c.Id)),
            new("GET", "/{id}/payment_methods", RequestSchema.List(("type", P.String), ("allow_redisplay", P.String)), Writes: false,
                c =>
                {
                    c.Tx.Get(Type, c.Id);
                    return ListPage.Render(c.Tx, c.Request, c.Params, PaymentMethodResource.Type, $"/v1/customers/{c.Id}/payment_methods",
                        pm => pm.Data["customer"]?.GetValue<string>() == c.Id && (c.Params.String("type") is not { } type || pm.Data["type"]?.GetValue<string>() == type));
                }),
            .. CustomerBalance.Actions,
        ],
    };

    public static JsonObject Create(StoreTransaction tx, Params p)
    {
        var id = IdGenerator.New("cus", 14);
        if (p.String("test_clock") is { } clockId)
        {
            tx.Get(StoreTransaction.TestClockType, clockId, "test_clock", 400);
            tx.UseClock(clockId);
        }
        var customer = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["address"] = p.Copy("address"),
            ["balance"] = p.Long("balance") ?? 0,
            ["created"] = tx.NowUnix,
            ["currency"] = null,
            ["default_source"] = null,
            ["delinquent"] = false,
            ["description"] = p.String("description"),
            ["discount"] = null,
            ["email"] = p.String("email"),
            ["invoice_prefix"] = p.String("invoice_prefix") ?? IdGenerator.Code(8),
            ["invoice_settings"] = new JsonObject
            {
                ["custom_fields"] = null,
                ["default_payment_method"] = null,
                ["footer"] = p.Object("invoice_settings")?.String("footer"),
                ["rendering_options"] = null,
            },
            ["livemode"] = false,
            ["metadata"] = JsonObjects.NewMetadata(p["metadata"]),
            ["name"] = p.String("name"),
            ["next_invoice_sequence"] = 1L,
            ["phone"] = p.String("phone"),
            ["preferred_locales"] = p.Copy("preferred_locales") ?? new JsonArray(),
            ["shipping"] = null,
            ["tax_exempt"] = p.String("tax_exempt") ?? "none",
            ["test_clock"] = p.String("test_clock"),
        };
        if (p.Long("balance") is { } initial and not 0)
        {
            // Stripe's ledger starts with the balance the customer was created with.
            tx.Insert(CustomerBalance.NewTransaction(tx, id, initial, initial, "initial", "usd", null, null, new JsonObject()));
        }
        tx.InsertAndEmit(customer);
        if (p.String("payment_method") is { } paymentMethod)
        {
            PaymentMethodResource.Attach(tx, paymentMethod, id, "payment_method");
        }
        if (p.Object("invoice_settings")?.String("default_payment_method") is { } defaultPaymentMethod)
        {
            var before = tx.Get(Type, id);
            var after = (JsonObject)before.DeepClone();
            after["invoice_settings"]!["default_payment_method"] = OwnPaymentMethod(tx, id, defaultPaymentMethod);
            tx.UpdateAndEmit(before, after);
            return after;
        }
        return tx.Get(Type, id);
    }

    public static JsonObject Update(StoreTransaction tx, string id, Params p)
    {
        var before = tx.Get(Type, id);
        tx.UseClockOf(before);
        var after = (JsonObject)before.DeepClone();
        JsonObjects.Merge(after, p.Without("invoice_settings", "address").Values);
        if (p.Long("balance") is { } balance && balance != CustomerBalance.Of(before))
        {
            // Setting the balance directly is an adjustment in the ledger, as a balance transaction would be.
            tx.Insert(CustomerBalance.NewTransaction(tx, id, balance - CustomerBalance.Of(before), balance, "adjustment",
                before["currency"]?.GetValue<string>() ?? "usd", null, null, new JsonObject()));
        }
        if (p.Has("address"))
        {
            after["address"] = p.Copy("address");
        }
        if (p.Object("invoice_settings") is { } settings)
        {
            if (settings.Has("default_payment_method"))
            {
                after["invoice_settings"]!["default_payment_method"] = settings.String("default_payment_method") is { } pm ? OwnPaymentMethod(tx, id, pm) : null;
            }
            if (settings.Has("footer"))
            {
                after["invoice_settings"]!["footer"] = settings.String("footer");
            }
        }
        tx.UpdateAndEmit(before, after);
        return after;
    }

    /// <summary>
    /// Deleting a customer cancels its subscriptions at once, as Stripe does, and leaves a tombstone so a retrieve
    /// answers <c>{id, object, deleted: true}</c>; updates, deletes and every other use are "No such customer".
    /// </summary>
    public static JsonObject Delete(StoreTransaction tx, string id)
    {
        var customer = tx.Get(Type, id);
        tx.UseClockOf(customer);
        foreach (var subscription in tx.All(SubscriptionResource.Type).Where(s => s.Data["customer"]?.GetValue<string>() == id).ToList())
        {
            if (subscription.Data["status"]?.GetValue<string>() is not ("canceled" or "incomplete_expired"))
            {
                SubscriptionEngine.CancelNow(tx, subscription.Id, invoiceNow: false, prorate: false, reason: "cancellation_requested");
            }
        }
        tx.Insert(new JsonObject { ["id"] = id, ["object"] = TombstoneType });
        return tx.DeleteAndEmit(customer);
    }

    /// <summary>
    /// <c>DELETE /v1/customers/{id}/discount</c> (https://docs.stripe.com/api/discounts/delete): ends the customer's
    /// discount (<c>customer.discount.deleted</c>); a customer without one is Stripe's 404.
    /// </summary>
    private static JsonObject DeleteDiscount(StoreTransaction tx, string id)
    {
        var before = tx.Get(Type, id);
        tx.UseClockOf(before);
        var discountId = before["discount"]?["id"]?.GetValue<string>() ?? before["discount"]?.GetValue<string>();
        if (discountId is null)
        {
            throw new StripeErrorException(404, StripeErrors.InvalidRequest, "resource_missing", $"No active discount for customer: {id}");
        }
        var discount = tx.Find(Invoices.Discounts.Type, discountId);
        var after = (JsonObject)before.DeepClone();
        after["discount"] = null;
        tx.UpdateAndEmit(before, after);
        if (discount is null)
        {
            return ObjectRenderer.Deleted(Invoices.Discounts.Type, discountId);
        }
        discount["end"] = tx.NowUnix;
        tx.Delete(Invoices.Discounts.Type, discountId);
        tx.Emit("customer.discount.deleted", discount);
        var deleted = (JsonObject)discount.DeepClone();
        deleted["deleted"] = true;
        return deleted;
    }

    /// <summary>The id of a payment method attached to this customer (a test token is attached first), or Stripe's error.</summary>
    private static string OwnPaymentMethod(StoreTransaction tx, string customerId, string paymentMethodId)
    {
        if (TestCards.IsToken(paymentMethodId))
        {
            return PaymentMethodResource.Attach(tx, paymentMethodId, customerId, "invoice_settings[default_payment_method]")["id"]!.GetValue<string>();
        }
        var pm = tx.Get(PaymentMethodResource.Type, paymentMethodId, "invoice_settings[default_payment_method]", 400);
        if (pm["customer"]?.GetValue<string>() != customerId)
        {
            throw StripeErrors.Invalid($"The payment method `{paymentMethodId}` must be attached to the customer `{customerId}` to be its default.", "invoice_settings[default_payment_method]");
        }
        return paymentMethodId;
    }
}
