using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Coupons;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.PromotionCodes;

/// <summary>
/// Promotion codes: customer-facing codes for a coupon (<c>promotion[type]=coupon&amp;promotion[coupon]=...</c>),
/// unique, ignoring case, among active codes.
/// </summary>
internal static class PromotionCodeResource
{
    public const string Type = "promotion_code";
    public const string CustomerType = "customer";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "promotion code",
        Expandable = new Dictionary<string, string> { ["promotion.coupon"] = CouponResource.Type, ["customer"] = CustomerType },
    };

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("promotion", P.Object(("type", P.Enum("coupon").Required()), ("coupon", P.String)).Required()),
        ("active", P.Boolean),
        ("code", P.Max(500)),
        ("customer", P.String),
        ("customer_account", P.Unsupported),
        ("expires_at", P.Timestamp),
        ("max_redemptions", P.Positive),
        ("metadata", P.Metadata),
        ("restrictions", P.Object(
            ("currency_options", P.Unsupported),
            ("first_time_transaction", P.Boolean),
            ("minimum_amount", P.NonNegative),
            ("minimum_amount_currency", P.Currency))));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("active", P.Boolean),
        ("metadata", P.Metadata.Emptyable()),
        ("restrictions", P.Object(("currency_options", P.Unsupported))));

    public static JsonObject Create(StoreTransaction transaction, Params parameters)
    {
        var promotion = parameters.Object("promotion")!;
        var couponId = promotion.String("coupon") ?? throw StripeErrors.ParameterMissing("promotion[coupon]");
        var coupon = transaction.Get(CouponResource.Type, couponId, "promotion[coupon]", 400);
        if (parameters.String("customer") is { } customer)
        {
            transaction.Get(CustomerType, customer, "customer", 400);
        }
        if (parameters.Long("expires_at") is { } expiresAt)
        {
            if (expiresAt <= transaction.NowUnix)
            {
                throw StripeErrors.Invalid("expires_at must be in the future.", "expires_at");
            }
            if (coupon["redeem_by"]?.GetValue<long>() is { } redeemBy && expiresAt > redeemBy)
            {
                throw StripeErrors.Invalid("The promotion code cannot expire after its coupon's redeem_by date.", "expires_at");
            }
        }
        var restrictions = parameters.Object("restrictions");
        if (restrictions?.Has("minimum_amount") == true && !restrictions.Has("minimum_amount_currency"))
        {
            throw StripeErrors.ParameterMissing("restrictions[minimum_amount_currency]");
        }

        var code = parameters.String("code") ?? IdGenerator.Code();
        var active = parameters.Bool("active") ?? true;
        var promotionCode = new JsonObject
        {
            ["id"] = IdGenerator.New("promo"),
            ["object"] = Type,
            ["active"] = active,
            ["code"] = code,
            ["created"] = transaction.NowUnix,
            ["customer"] = parameters.String("customer"),
            ["customer_account"] = null,
            ["expires_at"] = parameters.Long("expires_at"),
            ["livemode"] = false,
            ["max_redemptions"] = parameters.Long("max_redemptions"),
            ["metadata"] = JsonObjects.NewMetadata(parameters["metadata"]),
            ["promotion"] = new JsonObject { ["coupon"] = couponId, ["type"] = "coupon" },
            ["restrictions"] = new JsonObject
            {
                ["first_time_transaction"] = restrictions?.Bool("first_time_transaction") ?? false,
                ["minimum_amount"] = restrictions?.Long("minimum_amount"),
                ["minimum_amount_currency"] = restrictions?.String("minimum_amount_currency"),
            },
            ["times_redeemed"] = 0L,
        };
        if (active)
        {
            EnsureCodeFree(transaction, promotionCode);
        }
        transaction.Insert(promotionCode);
        transaction.Emit("promotion_code.created", promotionCode);
        return promotionCode;
    }

    public static JsonObject Update(StoreTransaction transaction, string id, Params parameters)
    {
        var before = transaction.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        JsonObjects.Merge(after, parameters.Without("restrictions").Values);
        if (after["active"]!.GetValue<bool>() && !before["active"]!.GetValue<bool>())
        {
            EnsureCodeFree(transaction, after);
        }
        transaction.UpdateAndEmit("promotion_code.updated", before, after);
        return after;
    }

    /// <summary>Codes are unique, ignoring case, among active promotion codes.</summary>
    private static void EnsureCodeFree(StoreTransaction transaction, JsonObject promotionCode)
    {
        var id = promotionCode["id"]!.GetValue<string>();
        var code = promotionCode["code"]!.GetValue<string>();
        if (transaction.All(Type).Any(other => other.Id != id
            && other.Data["active"]!.GetValue<bool>()
            && string.Equals(other.Data["code"]!.GetValue<string>(), code, StringComparison.OrdinalIgnoreCase)))
        {
            throw StripeErrors.ResourceAlreadyExists($"An active promotion code with `code: {code}` already exists.", "code");
        }
    }
}
