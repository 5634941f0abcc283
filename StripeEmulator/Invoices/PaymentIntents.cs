using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

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
        Actions = [new("POST", "/{id}/confirm", ConfirmSchema, Writes: true, Confirm)],
    };

    private static ObjectParam ConfirmSchema => RequestSchema.Body(
        ("payment_method", P.String),
        ("return_url", P.String),
        ("client_secret", P.String),
        ("use_stripe_sdk", P.Boolean),
        ("off_session", P.Boolean),
        ("error_on_requires_action", P.Boolean),
        ("setup_future_usage", P.Enum("off_session", "on_session").Emptyable()),
        ("payment_method_data", P.Unsupported),
        ("payment_method_options", P.Unsupported),
        ("mandate_data", P.Unsupported),
        ("shipping", P.Unsupported));

    /// <summary>
    /// <c>POST /v1/payment_intents/{id}/confirm</c>, as Stripe.js's <c>confirmPayment</c> sends it
    /// (<https://docs.stripe.com/api/payment_intents/confirm>): charges the test card; an invoice's intent pays (or
    /// fails) its invoice with the invoice's events, and a paid subscription invoice makes the subscription active.
    /// A decline keeps the attempt and answers 402; a card that needs 3D Secure answers <c>requires_action</c> with
    /// the hosted authentication step as its next action.
    /// </summary>
    private static JsonObject Confirm(Call c)
    {
        var intent = c.Tx.Get(Type, c.Id);
        var customerId = intent["customer"]?.GetValue<string>();
        var customer = customerId is null ? null : c.Tx.Find(CustomerResource.Type, customerId);
        c.Tx.UseClockOf(customer);
        var status = intent["status"]!.GetValue<string>();
        if (status is not ("requires_payment_method" or "requires_confirmation" or "requires_action"))
        {
            throw new StripeErrorException(400, "invalid_request_error", "payment_intent_unexpected_state",
                $"You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.");
        }
        if (c.Params.String("client_secret") is { } secret && secret != intent["client_secret"]!.GetValue<string>())
        {
            throw StripeErrors.Invalid("The client_secret provided does not match the client_secret associated with the PaymentIntent.", "client_secret");
        }
        var paymentMethodId = c.Params.String("payment_method") ?? intent["payment_method"]?.GetValue<string>()
            ?? throw StripeErrors.Invalid("You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with " + customerId + ", specify a payment method attached to this customer along with the customer ID.", "payment_method");
        var paymentMethod = TestCards.IsToken(paymentMethodId) || paymentMethodId.StartsWith("tok_", StringComparison.Ordinal)
            ? PaymentMethodResource.FromToken(c.Tx, paymentMethodId, "payment_method")
            : c.Tx.Get(PaymentMethodResource.Type, paymentMethodId, "payment_method", 400);
        if (paymentMethod["customer"]?.GetValue<string>() is { } owner && owner != customerId)
        {
            throw StripeErrors.Invalid($"The payment method {paymentMethodId} belongs to another customer.", "payment_method");
        }
        var card = TestCards.Of(paymentMethod);
        var outcome = TestCards.Outcome(paymentMethod);
        Settle(intent, outcome, card, paymentMethod["id"]!.GetValue<string>());
        var invoicePayment = c.Tx.All(InvoiceEngine.InvoicePaymentType).FirstOrDefault(p => p.Data["payment"]?["payment_intent"]?.GetValue<string>() == c.Id);
        var invoice = invoicePayment?.Data["invoice"]?.GetValue<string>() is { } invoiceId ? c.Tx.Find(InvoiceEngine.Type, invoiceId) : null;
        if (outcome == PaymentOutcome.RequiresAction && invoice is not null)
        {
            // The emulator's 3D Secure step is the hosted invoice page's; Stripe.js would open it as a redirect.
            var url = $"{c.BaseUrl}/invoice/{invoice["id"]}/authenticate" + (c.Params.String("return_url") is { } back ? $"?return_to={Uri.EscapeDataString(back)}" : string.Empty);
            intent["next_action"] = new JsonObject { ["redirect_to_url"] = new JsonObject { ["return_url"] = c.Params.String("return_url"), ["url"] = url }, ["type"] = "redirect_to_url" };
        }
        c.Tx.Update(intent);
        if (invoice is not null && invoice["status"]?.GetValue<string>() == "open")
        {
            if (outcome == PaymentOutcome.Succeeded && customerId is not null)
            {
                SaveForSubscription(c.Tx, invoice, paymentMethod, customerId);
            }
            var attempt = InvoiceEngine.Apply(c.Tx, invoice, intent, outcome, retriesAfterFailure: false);
            c.Tx.Update(invoice);
            InvoiceEngine.Announce(c.Tx, invoice, attempt, intentIsNew: false);
            if (outcome == PaymentOutcome.Succeeded)
            {
                SubscriptionEngine.OnInvoicePaid(c.Tx, invoice);
            }
        }
        else
        {
            c.Tx.Emit(outcome switch
            {
                PaymentOutcome.Succeeded => "payment_intent.succeeded",
                PaymentOutcome.RequiresAction => "payment_intent.requires_action",
                _ => "payment_intent.payment_failed",
            }, intent);
        }
        if (outcome == PaymentOutcome.Declined)
        {
            c.FailAfterCommit = card.Decline();
        }
        return intent;
    }

    /// <summary>
    /// A subscription created with <c>payment_settings.save_default_payment_method=on_subscription</c> keeps the card
    /// its first invoice was paid with as its default (attached to the customer), as Stripe does.
    /// </summary>
    private static void SaveForSubscription(StoreTransaction tx, JsonObject invoice, JsonObject paymentMethod, string customerId)
    {
        if (invoice["parent"]?["subscription_details"]?["subscription"]?.GetValue<string>() is not { } subscriptionId
            || tx.Find(SubscriptionResource.Type, subscriptionId) is not { } subscription
            || subscription["payment_settings"]?["save_default_payment_method"]?.GetValue<string>() != "on_subscription")
        {
            return;
        }
        var pmId = paymentMethod["id"]!.GetValue<string>();
        if (paymentMethod["customer"] is null)
        {
            PaymentMethodResource.Attach(tx, pmId, customerId, "payment_method");
        }
        subscription["default_payment_method"] = pmId;
        tx.Update(subscription);
    }

    /// <summary>An intent for an invoice that the customer confirms later (<c>default_incomplete</c>); not charged, stored.</summary>
    public static JsonObject Open(StoreTransaction tx, string customerId, string? paymentMethodId, long amount, string currency, string description)
    {
        var intent = NewIntent(tx, customerId, paymentMethodId, amount, currency, description);
        intent["status"] = paymentMethodId is null ? "requires_payment_method" : "requires_confirmation";
        tx.Insert(intent);
        return intent;
    }

    /// <summary>Charges <paramref name="amount"/> to the payment method; the intent is stored, its events are the caller's to emit.</summary>
    public static (JsonObject Intent, PaymentOutcome Outcome) Charge(StoreTransaction tx, string customerId, string? paymentMethodId, long amount, string currency, string description)
    {
        var intent = NewIntent(tx, customerId, paymentMethodId, amount, currency, description);
        PaymentOutcome outcome;
        if (paymentMethodId is null)
        {
            outcome = PaymentOutcome.NoPaymentMethod;
        }
        else
        {
            var paymentMethod = tx.Get(PaymentMethodResource.Type, paymentMethodId);
            outcome = TestCards.Outcome(paymentMethod);
            Settle(intent, outcome, TestCards.Of(paymentMethod), paymentMethodId);
        }
        tx.Insert(intent);
        return (intent, outcome);
    }

    private static JsonObject NewIntent(StoreTransaction tx, string customerId, string? paymentMethodId, long amount, string currency, string description)
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
            ["customer_account"] = null,
            ["description"] = description,
            ["excluded_payment_method_types"] = null,
            ["last_payment_error"] = null,
            ["latest_charge"] = null,
            ["livemode"] = false,
            ["managed_payments"] = null,
            ["metadata"] = new JsonObject(),
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = paymentMethodId,
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = null,
            ["payment_method_types"] = new JsonArray("card"),
            ["processing"] = null,
            ["receipt_email"] = null,
            ["review"] = null,
            ["setup_future_usage"] = null,
            ["shipping"] = null,
            ["source"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = "requires_payment_method",
            ["transfer_group"] = null,
        };
        intent["client_secret"] = $"{intent["id"]}_secret_{IdGenerator.Code(12)}";
        return intent;
    }

    /// <summary>Writes an attempt's result into the intent (status, received amount, error, next action).</summary>
    public static void Settle(JsonObject intent, PaymentOutcome outcome, TestCard card, string paymentMethodId)
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
                intent["last_payment_error"] = card.LastError();
                break;
        }
    }
}
