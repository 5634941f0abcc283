using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Refunds;

/// <summary>
/// <c>/v1/refunds</c> (https://docs.stripe.com/api/refunds/create, https://docs.stripe.com/refunds): money back on a
/// succeeded charge, named by <c>charge</c> or <c>payment_intent</c>, up to what is not yet refunded. Test cards
/// refund at once (<c>succeeded</c>): <c>refund.created</c>, then <c>charge.refunded</c> with the charge's new
/// <c>amount_refunded</c>.
/// </summary>
internal static class RefundResource
{
    public const string Type = "refund";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "refund",
        Expandable = new Dictionary<string, string> { ["charge"] = Charges.Type, ["payment_intent"] = PaymentIntents.Type },
    };

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("charge", P.String),
        ("payment_intent", P.String),
        ("amount", P.Positive),
        ("reason", P.Enum("duplicate", "fraudulent", "requested_by_customer")),
        ("metadata", P.Metadata.Emptyable()),
        ("currency", P.Unsupported),
        ("customer", P.Unsupported),
        ("instructions_email", P.Unsupported),
        ("origin", P.Unsupported),
        ("refund_application_fee", P.Unsupported),
        ("reverse_transfer", P.Unsupported));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/refunds",
        Create = (CreateSchema, c => Create(c.Tx, c.Params)),
        Update = (RequestSchema.Body(("metadata", P.Metadata.Emptyable())), c => UpdateMetadata(c.Tx, c.Id, c.Params)),
        List = [ListFilter.Created, ListFilter.String("charge"), ListFilter.String("payment_intent")],
    };

    public static JsonObject Create(StoreTransaction tx, Params p)
    {
        var chargeId = p.String("charge");
        var intentId = p.String("payment_intent");
        if (chargeId is null && intentId is null)
        {
            throw StripeErrors.ParameterMissing("charge");
        }
        JsonObject intent;
        if (intentId is not null)
        {
            intent = tx.Get(PaymentIntents.Type, intentId, "payment_intent", 400);
            if (chargeId is not null && intent["latest_charge"]?.GetValue<string>() != chargeId)
            {
                throw StripeErrors.Invalid($"The charge {chargeId} does not belong to the PaymentIntent {intentId}.", "charge");
            }
            if (intent["status"]!.GetValue<string>() != "succeeded")
            {
                throw StripeErrors.Invalid($"This PaymentIntent ({intentId}) does not have a successful charge to refund.", "payment_intent");
            }
            chargeId = intent["latest_charge"]!.GetValue<string>();
        }
        var charge = Charges.Find(tx, chargeId!) ?? throw StripeErrors.ResourceMissing("charge", chargeId!, "charge", 400);
        tx.UseClockOf(charge["customer"]?.GetValue<string>() is { } customerId ? tx.Find(CustomerResource.Type, customerId) : null);
        return Refund(tx, charge, p.Long("amount"), p.String("reason"), p["metadata"], p.Has("amount") ? "amount" : (p.Has("charge") ? "charge" : "payment_intent"));
    }

    /// <summary>
    /// Refunds <paramref name="amount"/> (all that is left when null) of a succeeded charge, Stripe's 400 when it is
    /// more than is left; stores the refund and the charge and emits their events. Credit notes refund through here.
    /// </summary>
    public static JsonObject Refund(StoreTransaction tx, JsonObject charge, long? amount, string? reason, JsonNode? metadata, string param)
    {
        var chargeId = charge["id"]!.GetValue<string>();
        if (charge["status"]!.GetValue<string>() != "succeeded")
        {
            throw StripeErrors.Invalid($"Charge {chargeId} has not succeeded and cannot be refunded.", param);
        }
        var captured = charge["amount_captured"]!.GetValue<long>();
        var refunded = charge["amount_refunded"]!.GetValue<long>();
        var left = captured - refunded;
        var currency = charge["currency"]!.GetValue<string>();
        if (left == 0)
        {
            throw new StripeErrorException(400, StripeErrors.InvalidRequest, "charge_already_refunded", $"Charge {chargeId} has already been refunded.", param);
        }
        var value = amount ?? left;
        if (value > left)
        {
            throw StripeErrors.Invalid(
                $"Refund amount ({SubscriptionEngine.Money(value, currency)}) is greater than unrefunded amount on charge ({SubscriptionEngine.Money(left, currency)})", "amount");
        }
        var refund = new JsonObject
        {
            ["id"] = IdGenerator.New("re"),
            ["object"] = Type,
            ["amount"] = value,
            ["balance_transaction"] = null,
            ["charge"] = chargeId,
            ["created"] = tx.NowUnix,
            ["currency"] = currency,
            ["destination_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["reference"] = null, ["reference_status"] = "pending", ["reference_type"] = "acquirer_reference_number", ["type"] = "refund" },
                ["type"] = "card",
            },
            ["metadata"] = JsonObjects.NewMetadata(metadata),
            ["payment_intent"] = charge["payment_intent"]?.DeepClone(),
            ["reason"] = reason,
            ["receipt_number"] = null,
            ["source_transfer_reversal"] = null,
            ["status"] = "succeeded",
            ["transfer_reversal"] = null,
        };
        tx.InsertAndEmit(refund);
        var before = (JsonObject)charge.DeepClone();
        charge["amount_refunded"] = refunded + value;
        charge["refunded"] = refunded + value == captured;
        if (tx.Current(Charges.Type, chargeId) is null)
        {
            tx.Insert(charge);
        }
        else
        {
            tx.Update(charge);
        }
        tx.Emit("charge.refunded", charge, JsonObjects.PreviousAttributes(before, charge));
        return refund;
    }

    private static JsonObject UpdateMetadata(StoreTransaction tx, string id, Params p)
    {
        var before = tx.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        after["metadata"] = JsonObjects.MergeMetadata(after["metadata"] as JsonObject, p["metadata"] as JsonObject);
        tx.UpdateAndEmit(before, after);
        return after;
    }

    /// <summary>The charge that paid an invoice: its paid invoice payment's intent's <c>latest_charge</c>.</summary>
    public static JsonObject? ChargeOfInvoice(StoreTransaction tx, JsonObject invoice)
    {
        var invoiceId = invoice["id"]!.GetValue<string>();
        var payment = tx.All(InvoiceEngine.InvoicePaymentType)
            .FirstOrDefault(ip => ip.Data["invoice"]?.GetValue<string>() == invoiceId && ip.Data["status"]?.GetValue<string>() == "paid");
        var intentId = payment?.Data["payment"]?["payment_intent"]?.GetValue<string>();
        var chargeId = intentId is null ? null : tx.Find(PaymentIntents.Type, intentId)?["latest_charge"]?.GetValue<string>();
        return chargeId is null ? null : Charges.Find(tx, chargeId);
    }
}
