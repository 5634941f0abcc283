using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.PaymentMethods;

/// <summary>What happens when a card is charged.</summary>
public enum CardBehavior
{
    /// <summary>Every charge succeeds.</summary>
    Succeeds,

    /// <summary>Declined on attach and on every charge (insufficient funds, a generic decline).</summary>
    Declines,

    /// <summary>Attaches, then every charge is declined (<c>pm_card_chargeCustomerFail</c>).</summary>
    AttachesThenFails,

    /// <summary>Every payment needs the customer to authenticate (3D Secure) first.</summary>
    RequiresAuthentication,
}

/// <summary>A test card: its wire data and how it behaves.</summary>
public sealed record TestCard(string Token, string Brand, string Last4, string Funding, CardBehavior Behavior, string? DeclineCode = null, string Label = "")
{
    /// <summary>Saving the card (a SetupIntent) needs 3D Secure first.</summary>
    public bool SetupRequiresAuthentication { get; init; } = Behavior == CardBehavior.RequiresAuthentication;

    public string Fingerprint => $"Yx{Brand}{Last4}".PadRight(16, '0')[..16];
}

/// <summary>
/// Stripe's documented test payment methods (<c>pm_card_*</c>), as the hosted pages offer them. Using one
/// (attaching it, paying with it) creates a new <c>pm_</c> object, as Stripe does.
/// </summary>
public static class TestCards
{
    public static IReadOnlyList<TestCard> All { get; } =
    [
        new("pm_card_visa", "visa", "4242", "credit", CardBehavior.Succeeds, Label: "Visa 4242 (succeeds)"),
        new("pm_card_mastercard", "mastercard", "4444", "credit", CardBehavior.Succeeds, Label: "Mastercard 4444 (succeeds)"),
        new("pm_card_amex", "amex", "8431", "credit", CardBehavior.Succeeds, Label: "Amex 8431 (succeeds)"),
        new("pm_card_visa_debit", "visa", "5556", "debit", CardBehavior.Succeeds, Label: "Visa debit 5556 (succeeds)"),
        new("pm_card_chargeDeclined", "visa", "0002", "credit", CardBehavior.Declines, "generic_decline", "Visa 0002 (declined)"),
        new("pm_card_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", CardBehavior.Declines, "insufficient_funds", "Visa 9995 (insufficient funds)"),
        new("pm_card_chargeCustomerFail", "visa", "0341", "credit", CardBehavior.AttachesThenFails, "generic_decline", "Visa 0341 (attaches, charges fail)"),
        new("pm_card_authenticationRequired", "visa", "3184", "credit", CardBehavior.RequiresAuthentication, Label: "Visa 3184 (authentication on every payment)"),
    ];

    public static bool IsToken(string id) => id.StartsWith("pm_card_", StringComparison.Ordinal);

    public static TestCard? Find(string token) => All.FirstOrDefault(c => c.Token == token);

    /// <summary>The behaviour of a stored payment method (kept in its metadata-free internal field).</summary>
    public static TestCard Of(JsonObject paymentMethod) =>
        Find(paymentMethod[PaymentMethodResource.TokenField]?.GetValue<string>() ?? "pm_card_visa") ?? All[0];
}
