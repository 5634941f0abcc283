using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Invoices;

/// <summary>How a payment attempt ended.</summary>
public enum PaymentOutcome
{
    Succeeded,
    Declined,
    RequiresAction,
    NoPaymentMethod,
}

/// <summary>
/// Payment intents: what charging an invoice creates. The emulator charges only its test cards, synchronously:
/// a card succeeds, is declined (with Stripe's decline code), or needs authentication (<c>requires_action</c>,
/// finished on the hosted invoice page). Readable through <c>GET /v1/payment_intents/{id}</c>.
/// </summary>
internal static class PaymentIntents
{
    public const string Type = "payment_intent";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "payment_intent",
        Expandable = new Dictionary<string, string> { ["customer"] = CustomerResource.Type, ["payment_method"] = PaymentMethodResource.Type },
    };

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/payment_intents",
        List = [ListFilter.Created, ListFilter.String("customer")],
    };

    /// <summary>Charges <paramref name="amount"/> to the payment method; the intent is stored, its events are the caller's to emit.</summary>
    public static (JsonObject Intent, PaymentOutcome Outcome) Charge(StoreTransaction tx, string customerId, string? paymentMethodId, long amount, string currency, string description)
    {
        var intent = new JsonObject
        {
            ["id"] = IdGenerator.New("pi"),
            ["object"] = Type,
            ["amount"] = amount,
            ["amount_capturable"] = 0L,
            ["amount_received"] = 0L,
            ["application"] = null,
            ["application_fee_amount"] = null,
            ["automatic_payment_methods"] = null,
            ["canceled_at"] = null,
            ["cancellation_reason"] = null,
            ["capture_method"] = "automatic",
            ["client_secret"] = null,
            ["confirmation_method"] = "automatic",
            ["created"] = tx.NowUnix,
            ["currency"] = currency,
            ["customer"] = customerId,
            ["description"] = description,
            ["last_payment_error"] = null,
            ["latest_charge"] = null,
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["next_action"] = null,
            ["payment_method"] = paymentMethodId,
            ["payment_method_types"] = new JsonArray("card"),
            ["status"] = "requires_payment_method",
        };
        intent["client_secret"] = $"{intent["id"]}_secret_{IdGenerator.Code(12)}";
        PaymentOutcome outcome;
        if (paymentMethodId is null)
        {
            outcome = PaymentOutcome.NoPaymentMethod;
        }
        else
        {
            var card = TestCards.Of(tx.Get(PaymentMethodResource.Type, paymentMethodId));
            outcome = card.Behavior switch
            {
                CardBehavior.Succeeds => PaymentOutcome.Succeeded,
                CardBehavior.RequiresAuthentication => PaymentOutcome.RequiresAction,
                _ => PaymentOutcome.Declined,
            };
            Settle(intent, outcome, card.DeclineCode, paymentMethodId);
        }
        tx.Insert(intent);
        return (intent, outcome);
    }

    /// <summary>Writes an attempt's result into the intent (status, received amount, error, next action).</summary>
    public static void Settle(JsonObject intent, PaymentOutcome outcome, string? declineCode, string paymentMethodId)
    {
        intent["payment_method"] = paymentMethodId;
        switch (outcome)
        {
            case PaymentOutcome.Succeeded:
                intent["status"] = "succeeded";
                intent["amount_received"] = intent["amount"]!.GetValue<long>();
                intent["latest_charge"] = IdGenerator.New("ch");
                intent["last_payment_error"] = null;
                intent["next_action"] = null;
                break;
            case PaymentOutcome.RequiresAction:
                intent["status"] = "requires_action";
                intent["next_action"] = new JsonObject { ["type"] = "use_stripe_sdk", ["use_stripe_sdk"] = new JsonObject { ["type"] = "three_d_secure_redirect" } };
                break;
            default:
                intent["status"] = "requires_payment_method";
                intent["latest_charge"] = IdGenerator.New("ch");
                intent["last_payment_error"] = new JsonObject
                {
                    ["code"] = "card_declined",
                    ["decline_code"] = declineCode ?? "generic_decline",
                    ["message"] = StripeErrors.DeclineMessage(declineCode ?? "generic_decline"),
                    ["type"] = "card_error",
                };
                break;
        }
    }
}
