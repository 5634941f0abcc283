using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.PaymentMethods;

/// <summary>
/// Card payment methods from Stripe's test tokens. A <c>pm_card_*</c> token can be read, and using it (attach, a
/// Checkout payment, a subscription's default) creates a new <c>pm_</c> object with the card's data, as Stripe does.
/// </summary>
internal static class PaymentMethodResource
{
    public const string Type = "payment_method";

    /// <summary>Which test card the object is (kept for charging, never returned).</summary>
    public const string TokenField = "emulator_test_card";

    /// <summary>Whether the card was authenticated once (set up for later payments), for cards that need 3D Secure only until then.</summary>
    public const string SetUpField = "emulator_set_up";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "PaymentMethod",
        Expandable = new Dictionary<string, string> { ["customer"] = CustomerResource.Type },
        Hidden = [TokenField, SetUpField],
        BuiltIn = id => TestCards.Find(id) is { } card ? New(card, id, 0, null) : null,
    };

    private static readonly Param BillingDetails = P.Object(
        ("address", P.Object(("city", P.String), ("country", P.String), ("line1", P.String), ("line2", P.String), ("postal_code", P.String), ("state", P.String)).Emptyable()),
        ("email", P.String.Emptyable()), ("name", P.String.Emptyable()), ("phone", P.String.Emptyable()), ("tax_id", P.String));

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("type", P.Enum("card").Required()),
        ("card", P.Object(("token", P.String.Required()))),
        ("billing_details", BillingDetails),
        ("allow_redisplay", P.Enum("always", "limited", "unspecified")),
        ("customer", P.String),
        ("payment_method", P.String),
        ("metadata", P.Metadata));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("allow_redisplay", P.Enum("always", "limited", "unspecified")),
        ("billing_details", BillingDetails),
        ("card", P.Object(("exp_month", P.Positive), ("exp_year", P.Positive))),
        ("metadata", P.Metadata.Emptyable()));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/payment_methods",
        Create = (CreateSchema, c => Create(c.Tx, c.Params)),
        Update = (UpdateSchema, c => Update(c.Tx, c.Id, c.Params)),
        List = [ListFilter.String("customer"), ListFilter.Equal("type", P.String), ListFilter.Custom("allow_redisplay", P.String, (pm, v) => true)],
        Actions =
        [
            new("POST", "/{id}/attach", RequestSchema.Body(("customer", P.String.Required())), Writes: true,
                c => Attach(c.Tx, c.Id, c.Params.String("customer")!, "id")),
            new("POST", "/{id}/detach", RequestSchema.Body(), Writes: true, c => Detach(c.Tx, c.Id)),
        ],
    };

    public static JsonObject New(TestCard card, string id, long created, string? customer) => new()
    {
        ["id"] = id,
        ["object"] = Type,
        ["allow_redisplay"] = "unspecified",
        ["billing_details"] = new JsonObject
        {
            ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
            ["email"] = null, ["name"] = null, ["phone"] = null, ["tax_id"] = null,
        },
        ["card"] = new JsonObject
        {
            ["brand"] = card.Brand,
            ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
            ["country"] = "US",
            ["display_brand"] = card.Brand,
            ["exp_month"] = 12L,
            ["exp_year"] = (long)(DateTimeOffset.FromUnixTimeSeconds(created).Year + 3),
            ["fingerprint"] = card.Fingerprint,
            ["funding"] = card.Funding,
            ["generated_from"] = null,
            ["last4"] = card.Last4,
            ["networks"] = new JsonObject { ["available"] = new JsonArray(card.Brand), ["preferred"] = null },
            ["regulated_status"] = "unregulated",
            ["three_d_secure_usage"] = new JsonObject { ["supported"] = true },
            ["wallet"] = null,
        },
        ["created"] = created,
        ["customer"] = customer,
        ["customer_account"] = null,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["type"] = "card",
        [TokenField] = card.Token,
    };

    /// <summary>How a page names a card: "Visa •••• 4242".</summary>
    public static string Describe(JsonObject paymentMethod)
    {
        var brand = paymentMethod["card"]?["brand"]?.GetValue<string>() ?? "card";
        var name = brand switch
        {
            "amex" => "American Express",
            "diners" => "Diners Club",
            "jcb" => "JCB",
            "unionpay" => "UnionPay",
            _ => brand.Length == 0 ? brand : char.ToUpperInvariant(brand[0]) + brand[1..],
        };
        return $"{name} •••• {paymentMethod["card"]?["last4"]?.GetValue<string>()}";
    }

    /// <summary>A new payment method from a test token (<c>pm_card_visa</c> or <c>tok_visa</c>); not attached.</summary>
    public static JsonObject FromToken(StoreTransaction tx, string token, string param)
    {
        var normalized = token.StartsWith("tok_", StringComparison.Ordinal) ? "pm_card_" + token[4..] : token;
        var card = TestCards.Find(normalized) ?? throw StripeErrors.ResourceMissing("PaymentMethod", token, param, 400);
        var pm = New(card, IdGenerator.New("pm"), tx.NowUnix, null);
        tx.Insert(pm);
        return pm;
    }

    public static JsonObject Create(StoreTransaction tx, Params p)
    {
        var token = p.Object("card")?.String("token") ?? throw StripeErrors.ParameterMissing("card[token]");
        var pm = FromToken(tx, token, "card[token]");
        JsonObjects.Merge(pm, p.Without("type", "card", "customer", "payment_method").Values);
        tx.Update(pm);
        return pm;
    }

    public static JsonObject Update(StoreTransaction tx, string id, Params p)
    {
        var before = tx.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        JsonObjects.Merge(after, p.Values);
        tx.UpdateAndEmit(before, after);
        return after;
    }

    /// <summary>
    /// Attaches to a customer (a test token first becomes a new payment method). A card that declines is refused
    /// here, as Stripe verifies a card when it is attached.
    /// </summary>
    public static JsonObject Attach(StoreTransaction tx, string id, string customerId, string param)
    {
        tx.Get(CustomerResource.Type, customerId, "customer", 400);
        var pm = TestCards.IsToken(id) ? FromToken(tx, id, param) : tx.Get(Type, id, param, param == "id" ? 404 : 400);
        if (pm["customer"]?.GetValue<string>() is { } owner)
        {
            if (owner == customerId)
            {
                return pm;
            }
            throw StripeErrors.Invalid($"The payment method you provided has already been attached to a customer.", param);
        }
        var card = TestCards.Of(pm);
        if (card.Behavior == CardBehavior.Declines)
        {
            throw card.Decline(param);
        }
        var before = (JsonObject)pm.DeepClone();
        pm["customer"] = customerId;
        tx.Update(pm);
        tx.Emit("payment_method.attached", pm, JsonObjects.PreviousAttributes(before, pm));
        return pm;
    }

    public static JsonObject Detach(StoreTransaction tx, string id)
    {
        var pm = tx.Get(Type, id);
        var customerId = pm["customer"]?.GetValue<string>() ?? throw StripeErrors.Invalid("The payment method you provided is not attached to a customer so detachment is impossible.");
        var before = (JsonObject)pm.DeepClone();
        pm["customer"] = null;
        tx.Update(pm);
        tx.Emit("payment_method.detached", pm, JsonObjects.PreviousAttributes(before, pm));
        if (tx.Find(CustomerResource.Type, customerId) is { } customer && customer["invoice_settings"]?["default_payment_method"]?.GetValue<string>() == id)
        {
            var after = (JsonObject)customer.DeepClone();
            after["invoice_settings"]!["default_payment_method"] = null;
            tx.UpdateAndEmit(customer, after);
        }
        return pm;
    }
}
