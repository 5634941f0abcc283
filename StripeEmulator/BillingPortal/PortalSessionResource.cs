using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Coupons;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>
/// Customer portal sessions: a link into the emulator's portal page for one customer, under a configuration (the
/// default one unless named), optionally opening at a <c>flow_data</c> step (see <see cref="PortalPages"/>).
/// </summary>
internal static class PortalSessionResource
{
    public const string Type = "billing_portal.session";
    public const string CustomerType = "customer";
    public const string SubscriptionType = "subscription";

    private static readonly string[] FlowTypes =
        ["customer_update", "payment_method_update", "subscription_cancel", "subscription_pause", "subscription_update", "subscription_update_confirm"];

    private static readonly string[] Locales =
    [
        "auto", "bg", "cs", "da", "de", "el", "en", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN", "en-NZ", "en-SG", "es", "es-419", "et", "fi",
        "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk",
        "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
    ];

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "session",
        Hidden = [PortalActions.FlowCompletedField],
        Expandable = new Dictionary<string, string> { ["configuration"] = PortalConfigurationResource.Type },
    };

    private static readonly Param Subscription = P.Object(("subscription", P.String.Required()));

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("after_expiration", P.Unsupported),
        ("configuration", P.String),
        ("customer", P.String),
        ("customer_account", P.Unsupported),
        ("flow_data", P.Object(
            ("after_completion", P.Object(
                ("hosted_confirmation", P.Object(("custom_message", P.Max(500)))),
                ("redirect", P.Object(("return_url", P.String.Required()))),
                ("type", P.Enum("hosted_confirmation", "portal_homepage", "redirect").Required()))),
            ("subscription_cancel", P.Object(
                ("retention", P.Object(
                    ("coupon_offer", P.Object(("coupon", P.String.Required())).Required()),
                    ("type", P.Enum("coupon_offer").Required()))),
                ("subscription", P.String.Required()))),
            ("subscription_pause", Subscription),
            ("subscription_update", Subscription),
            ("subscription_update_confirm", P.Object(
                ("discounts", P.Array(P.Object(("coupon", P.String), ("promotion_code", P.String)))),
                ("items", P.Array(P.Object(("id", P.String.Required()), ("price", P.String), ("quantity", P.NonNegative))).Required()),
                ("subscription", P.String.Required()))),
            ("type", P.Enum(FlowTypes).Required()))),
        ("locale", P.Enum(Locales)),
        ("on_behalf_of", P.Unsupported),
        ("return_url", P.String));

    public static JsonObject Create(StoreTransaction transaction, Params parameters, string baseUrl)
    {
        var customer = parameters.String("customer") ?? throw StripeErrors.ParameterMissing("customer");
        transaction.Get(CustomerType, customer, "customer", 400);
        var configuration = Configuration(transaction, parameters.String("configuration"));
        var flow = Flow(transaction, parameters.Object("flow_data"), configuration, customer);
        var id = IdGenerator.New("bps");
        var session = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["configuration"] = configuration["id"]!.GetValue<string>(),
            ["created"] = transaction.NowUnix,
            ["customer"] = customer,
            ["customer_account"] = null,
            ["flow"] = flow,
            ["livemode"] = false,
            ["locale"] = parameters.String("locale"),
            ["on_behalf_of"] = null,
            ["return_url"] = parameters.String("return_url") ?? configuration["default_return_url"]?.GetValue<string>(),
            ["url"] = $"{baseUrl}/p/session/{id}",
        };
        transaction.Insert(session);
        transaction.Emit("billing_portal.session.created", session);
        return session;
    }

    /// <summary>The named configuration (which must be active) or the default one, which must exist.</summary>
    private static JsonObject Configuration(StoreTransaction transaction, string? id)
    {
        if (id is not null)
        {
            var named = transaction.Get(PortalConfigurationResource.Type, id, "configuration", 400);
            return named["active"]!.GetValue<bool>()
                ? named
                : throw StripeErrors.Invalid($"The configuration `{id}` is not active.", "configuration");
        }
        return transaction.All(PortalConfigurationResource.Type).FirstOrDefault(c => c.Data["is_default"]!.GetValue<bool>())?.Data.DeepClone() as JsonObject
            ?? throw StripeErrors.Invalid(
                "No configuration provided and your test mode default configuration has not been created. Provide a configuration or create a default one (POST /v1/billing_portal/configurations).",
                "configuration");
    }

    /// <summary>The flow as Stripe returns it: every kind present, null unless it is the flow's own.</summary>
    private static JsonObject? Flow(StoreTransaction transaction, Params? given, JsonObject configuration, string customer)
    {
        if (given is null)
        {
            return null;
        }
        var type = given.String("type")!;
        // A flow needs its feature enabled in the configuration, as Stripe checks when the session is created.
        var feature = type == "subscription_update_confirm" ? "subscription_update" : type;
        if (configuration["features"]?[feature]?["enabled"]?.GetValue<bool>() != true)
        {
            throw StripeErrors.Invalid(
                $"The `{type}` flow cannot be used because the portal configuration `{configuration["id"]}` does not have `features[{feature}][enabled]` set to true.",
                "flow_data[type]");
        }
        if (type.StartsWith("subscription_", StringComparison.Ordinal))
        {
            var details = given.Object(type) ?? throw StripeErrors.ParameterMissing($"flow_data[{type}]");
            var subscription = transaction.Get(SubscriptionType, details.String("subscription")!, $"flow_data[{type}][subscription]", 400);
            if (subscription["customer"]?.GetValue<string>() != customer)
            {
                throw StripeErrors.Invalid($"The subscription `{subscription["id"]}` does not belong to the customer `{customer}`.", $"flow_data[{type}][subscription]");
            }
            if (details.Object("retention")?.Object("coupon_offer")?.String("coupon") is { } coupon)
            {
                transaction.Get(CouponResource.Type, coupon, $"flow_data[{type}][retention][coupon_offer][coupon]", 400);
            }
        }
        var completion = given.Object("after_completion");
        var completionType = completion?.String("type") ?? "portal_homepage";
        if (completionType == "redirect" && completion?.Object("redirect") is null)
        {
            throw StripeErrors.ParameterMissing("flow_data[after_completion][redirect]");
        }
        var flow = new JsonObject
        {
            ["after_completion"] = new JsonObject
            {
                ["hosted_confirmation"] = completionType == "hosted_confirmation"
                    ? new JsonObject { ["custom_message"] = completion?.Object("hosted_confirmation")?.String("custom_message") }
                    : null,
                ["redirect"] = completionType == "redirect" ? completion!.Copy("redirect") : null,
                ["type"] = completionType,
            },
        };
        foreach (var kind in FlowTypes.Where(k => k != "payment_method_update"))
        {
            flow[kind] = kind == type ? given.Copy(kind) ?? new JsonObject() : null;
        }
        if (flow["subscription_cancel"] is JsonObject cancel && !cancel.ContainsKey("retention"))
        {
            cancel["retention"] = null;
        }
        flow["type"] = type;
        return flow;
    }
}
