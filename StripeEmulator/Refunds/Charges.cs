using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Refunds;

/// <summary>
/// <c>GET /v1/charges/{id}</c>: the charge a payment intent's attempt made (its <c>latest_charge</c>). The emulator
/// keeps payment intents; a charge is built from its intent when first read or refunded, then stored with its
/// refunded amount (<c>charge.refunded</c> carries it).
/// </summary>
internal static class Charges
{
    public const string Type = "charge";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "charge",
        Expandable = new Dictionary<string, string>
        {
            ["customer"] = CustomerResource.Type,
            ["payment_intent"] = PaymentIntents.Type,
            ["payment_method"] = PaymentMethodResource.Type,
        },
    };

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/charges",
        Find = Find,
    };

    /// <summary>The stored charge, or the one a payment intent's <c>latest_charge</c> names, or null.</summary>
    public static JsonObject? Find(StoreTransaction tx, string id)
    {
        if (tx.Find(Type, id) is { } stored)
        {
            return stored;
        }
        var intent = tx.All(PaymentIntents.Type).FirstOrDefault(pi => pi.Data["latest_charge"]?.GetValue<string>() == id);
        return intent is null ? null : FromIntent(tx, (JsonObject)intent.Data.DeepClone());
    }

    /// <summary>The charge of an intent's last attempt as Stripe renders it.</summary>
    private static JsonObject FromIntent(StoreTransaction tx, JsonObject intent)
    {
        var succeeded = intent["status"]!.GetValue<string>() == "succeeded";
        var error = intent["last_payment_error"] as JsonObject;
        var paymentMethodId = intent["payment_method"]?.GetValue<string>();
        var card = paymentMethodId is null ? null : tx.Find(PaymentMethodResource.Type, paymentMethodId)?["card"] as JsonObject;
        return new JsonObject
        {
            ["id"] = intent["latest_charge"]!.GetValue<string>(),
            ["object"] = Type,
            ["amount"] = intent["amount"]!.GetValue<long>(),
            ["amount_captured"] = succeeded ? intent["amount"]!.GetValue<long>() : 0L,
            ["amount_refunded"] = 0L,
            ["application"] = null,
            ["application_fee"] = null,
            ["application_fee_amount"] = null,
            ["balance_transaction"] = null,
            ["billing_details"] = new JsonObject
            {
                ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
                ["email"] = null, ["name"] = null, ["phone"] = null, ["tax_id"] = null,
            },
            ["calculated_statement_descriptor"] = "STRIPE EMULATOR",
            ["captured"] = succeeded,
            ["created"] = intent["created"]!.GetValue<long>(),
            ["currency"] = intent["currency"]!.GetValue<string>(),
            ["customer"] = intent["customer"]?.DeepClone(),
            ["description"] = intent["description"]?.DeepClone(),
            ["disputed"] = false,
            ["failure_balance_transaction"] = null,
            ["failure_code"] = error?["code"]?.DeepClone(),
            ["failure_message"] = error?["message"]?.DeepClone(),
            ["fraud_details"] = new JsonObject(),
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["on_behalf_of"] = null,
            ["outcome"] = new JsonObject
            {
                ["network_status"] = succeeded ? "approved_by_network" : "declined_by_network",
                ["reason"] = error?["decline_code"]?.DeepClone(),
                ["risk_level"] = "normal",
                ["seller_message"] = succeeded ? "Payment complete." : "The bank did not return any further details with this decline.",
                ["type"] = succeeded ? "authorized" : "issuer_declined",
            },
            ["paid"] = succeeded,
            ["payment_intent"] = intent["id"]!.GetValue<string>(),
            ["payment_method"] = paymentMethodId,
            ["payment_method_details"] = new JsonObject
            {
                ["card"] = card is null ? null : new JsonObject
                {
                    ["brand"] = card["brand"]?.DeepClone(),
                    ["country"] = card["country"]?.DeepClone(),
                    ["exp_month"] = card["exp_month"]?.DeepClone(),
                    ["exp_year"] = card["exp_year"]?.DeepClone(),
                    ["fingerprint"] = card["fingerprint"]?.DeepClone(),
                    ["funding"] = card["funding"]?.DeepClone(),
                    ["last4"] = card["last4"]?.DeepClone(),
                },
                ["type"] = "card",
            },
            ["receipt_email"] = null,
            ["receipt_number"] = null,
            ["receipt_url"] = null,
            ["refunded"] = false,
            ["review"] = null,
            ["shipping"] = null,
            ["source"] = null,
            ["source_transfer"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = succeeded ? "succeeded" : "failed",
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        };
    }
}
