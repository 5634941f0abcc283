using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.PaymentMethods;

/// <summary>What happens when a card is attached and charged (https://docs.stripe.com/testing).</summary>
public enum CardBehavior
{
    /// <summary>Every charge succeeds.</summary>
    Succeeds,

    /// <summary>An issuer decline: refused on attach ("You can't attach cards that simulate issuer declines") and on every charge.</summary>
    Declines,

    /// <summary>Attaches, then every charge is declined (<c>pm_card_chargeCustomerFail</c>).</summary>
    AttachesThenFails,

    /// <summary>Every payment and every setup needs the customer to authenticate (3D Secure) first.</summary>
    RequiresAuthentication,

    /// <summary>Needs 3D Secure until the card is set up (authenticated once); then payments succeed without it.</summary>
    AuthenticationUnlessSetUp,

    /// <summary>Needs 3D Secure, and after authenticating the payment is still declined.</summary>
    DeclinesAfterAuthentication,
}

/// <summary>A test card: its wire data and how it behaves.</summary>
/// <param name="ErrorCode">The error's <c>code</c> when declined (<c>card_declined</c>, <c>expired_card</c>, ...).</param>
/// <param name="DeclineCode">The error's <c>decline_code</c>, where Stripe gives one.</param>
public sealed record TestCard(string Token, string Brand, string Last4, string Funding, CardBehavior Behavior, string? DeclineCode = null, string Label = "", string ErrorCode = "card_declined")
{
    /// <summary>Saving the card (a SetupIntent) needs 3D Secure first.</summary>
    public bool SetupRequiresAuthentication => Behavior is CardBehavior.RequiresAuthentication or CardBehavior.AuthenticationUnlessSetUp or CardBehavior.DeclinesAfterAuthentication;

    public string Fingerprint => $"Yx{Brand}{Last4}".PadRight(16, '0')[..16];

    /// <summary>Stripe's 402 card error for a declined charge of this card.</summary>
    public StripeErrorException Decline(string? param = null) => new(402, "card_error", ErrorCode, StripeErrors.DeclineMessage(DeclineCode ?? ErrorCode), param)
    {
        DeclineCode = ErrorCode == "card_declined" ? DeclineCode ?? "generic_decline" : DeclineCode,
    };

    /// <summary>The <c>last_payment_error</c> (or <c>last_setup_error</c>) of a declined attempt.</summary>
    public JsonObject LastError()
    {
        var error = Decline();
        return new JsonObject { ["code"] = error.Code, ["decline_code"] = error.DeclineCode, ["message"] = error.Message, ["type"] = "card_error" };
    }
}

/// <summary>
/// Stripe's documented test payment methods (<c>pm_card_*</c>), as the hosted pages offer them. Using one
/// (attaching it, paying with it) creates a new <c>pm_</c> object, as Stripe does. Each token, its card and its
/// outcome are from https://docs.stripe.com/testing (and, for 3D Secure, https://docs.stripe.com/payments/3d-secure/authentication-flow);
/// docs/stripe-emulator.md has the table.
/// </summary>
public static class TestCards
{
    public static IReadOnlyList<TestCard> All { get; } =
    [
        // Cards by brand: every charge succeeds.
        new("pm_card_visa", "visa", "4242", "credit", CardBehavior.Succeeds, Label: "Visa 4242 (succeeds)"),
        new("pm_card_visa_debit", "visa", "5556", "debit", CardBehavior.Succeeds, Label: "Visa debit 5556 (succeeds)"),
        new("pm_card_mastercard", "mastercard", "4444", "credit", CardBehavior.Succeeds, Label: "Mastercard 4444 (succeeds)"),
        new("pm_card_mastercard_debit", "mastercard", "8210", "debit", CardBehavior.Succeeds, Label: "Mastercard debit 8210 (succeeds)"),
        new("pm_card_mastercard_prepaid", "mastercard", "5100", "prepaid", CardBehavior.Succeeds, Label: "Mastercard prepaid 5100 (succeeds)"),
        new("pm_card_amex", "amex", "8431", "credit", CardBehavior.Succeeds, Label: "Amex 8431 (succeeds)"),
        new("pm_card_discover", "discover", "1117", "credit", CardBehavior.Succeeds, Label: "Discover 1117 (succeeds)"),
        new("pm_card_diners", "diners", "0004", "credit", CardBehavior.Succeeds, Label: "Diners Club 0004 (succeeds)"),
        new("pm_card_jcb", "jcb", "0505", "credit", CardBehavior.Succeeds, Label: "JCB 0505 (succeeds)"),
        new("pm_card_unionpay", "unionpay", "0005", "credit", CardBehavior.Succeeds, Label: "UnionPay 0005 (succeeds)"),
        new("pm_card_bypassPending", "visa", "0077", "credit", CardBehavior.Succeeds, Label: "Visa 0077 (succeeds, bypasses pending balance)"),
        new("pm_card_bypassPendingInternational", "visa", "0278", "credit", CardBehavior.Succeeds, Label: "Visa 0278 (succeeds, international)"),
        new("pm_card_riskLevelElevated", "visa", "9235", "credit", CardBehavior.Succeeds, Label: "Visa 9235 (elevated risk, succeeds)"),

        // Issuer declines: refused on attach and on every charge.
        new("pm_card_visa_chargeDeclined", "visa", "0002", "credit", CardBehavior.Declines, "generic_decline", "Visa 0002 (declined)"),
        new("pm_card_visa_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", CardBehavior.Declines, "insufficient_funds", "Visa 9995 (insufficient funds)"),
        new("pm_card_visa_chargeDeclinedLostCard", "visa", "9987", "credit", CardBehavior.Declines, "lost_card", "Visa 9987 (lost card)"),
        new("pm_card_visa_chargeDeclinedStolenCard", "visa", "9979", "credit", CardBehavior.Declines, "stolen_card", "Visa 9979 (stolen card)"),
        new("pm_card_chargeDeclinedExpiredCard", "visa", "0069", "credit", CardBehavior.Declines, null, "Visa 0069 (expired card)", "expired_card"),
        new("pm_card_chargeDeclinedIncorrectCvc", "visa", "0127", "credit", CardBehavior.Declines, null, "Visa 0127 (incorrect CVC)", "incorrect_cvc"),
        new("pm_card_chargeDeclinedProcessingError", "visa", "0119", "credit", CardBehavior.Declines, null, "Visa 0119 (processing error)", "processing_error"),
        new("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "visa", "6975", "credit", CardBehavior.Declines, "card_velocity_exceeded", "Visa 6975 (velocity limit exceeded)"),
        // Older names of the first two, which this repository's tests and operators use; not in the docs' current table.
        new("pm_card_chargeDeclined", "visa", "0002", "credit", CardBehavior.Declines, "generic_decline", "Visa 0002 (declined, older name)"),
        new("pm_card_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", CardBehavior.Declines, "insufficient_funds", "Visa 9995 (insufficient funds, older name)"),

        // Attaches, then declines: Stripe documents no decline code, the emulator gives the generic one.
        new("pm_card_chargeCustomerFail", "visa", "0341", "credit", CardBehavior.AttachesThenFails, "generic_decline", "Visa 0341 (attaches, charges fail)"),

        // 3D Secure.
        new("pm_card_authenticationRequired", "visa", "3184", "credit", CardBehavior.RequiresAuthentication, Label: "Visa 3184 (authentication on every payment)"),
        new("pm_card_threeDSecure2Required", "visa", "3220", "credit", CardBehavior.RequiresAuthentication, Label: "Visa 3220 (3D Secure 2 required)"),
        new("pm_card_authenticationRequiredOnSetup", "visa", "3155", "credit", CardBehavior.AuthenticationUnlessSetUp, Label: "Visa 3155 (authentication until set up)"),
        new("pm_card_threeDSecureRequiredChargeDeclined", "visa", "1629", "credit", CardBehavior.DeclinesAfterAuthentication, "generic_decline", "Visa 1629 (3D Secure, then declined)"),
        new("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "visa", "3178", "credit", CardBehavior.DeclinesAfterAuthentication, "insufficient_funds", "Visa 3178 (3D Secure, then insufficient funds)"),
        new("pm_card_threeDSecureOptional", "visa", "3055", "credit", CardBehavior.Succeeds, Label: "Visa 3055 (3D Secure optional, succeeds)"),
        new("pm_card_amex_threeDSecureNotSupported", "amex", "0005", "credit", CardBehavior.Succeeds, Label: "Amex 0005 (no 3D Secure, succeeds)"),
    ];

    public static bool IsToken(string id) => id.StartsWith("pm_card_", StringComparison.Ordinal);

    public static TestCard? Find(string token) => All.FirstOrDefault(c => c.Token == token);

    /// <summary>The behaviour of a stored payment method (kept in its metadata-free internal field).</summary>
    public static TestCard Of(JsonObject paymentMethod) =>
        Find(paymentMethod[PaymentMethodResource.TokenField]?.GetValue<string>() ?? "pm_card_visa") ?? All[0];

    /// <summary>The customer authenticated the card (a payment's or a setup's 3D Secure step): a card that needs it only until then is set up.</summary>
    public static void Authenticated(StoreTransaction tx, JsonObject paymentMethod)
    {
        if (Of(paymentMethod).Behavior == CardBehavior.AuthenticationUnlessSetUp)
        {
            paymentMethod[PaymentMethodResource.SetUpField] = true;
            tx.Update(paymentMethod);
        }
    }

    /// <summary>What charging the payment method does now: succeed, decline, or wait for 3D Secure.</summary>
    public static PaymentOutcome Outcome(JsonObject paymentMethod) => Of(paymentMethod).Behavior switch
    {
        CardBehavior.Succeeds => PaymentOutcome.Succeeded,
        CardBehavior.RequiresAuthentication or CardBehavior.DeclinesAfterAuthentication => PaymentOutcome.RequiresAction,
        CardBehavior.AuthenticationUnlessSetUp => paymentMethod[PaymentMethodResource.SetUpField]?.GetValue<bool>() == true
            ? PaymentOutcome.Succeeded
            : PaymentOutcome.RequiresAction,
        _ => PaymentOutcome.Declined,
    };
}
