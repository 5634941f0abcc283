using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Coupons;

/// <summary>
/// Coupons: a percentage or an amount off, for once, a number of months or forever. Only the name and metadata can
/// change. <c>applies_to</c> and <c>currency_options</c> are accepted on create and returned only when expanded, as
/// Stripe does (https://docs.stripe.com/api/coupons/object#coupon_object-currency_options: "includable").
/// </summary>
internal static class CouponResource
{
    public const string Type = "coupon";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "coupon",
        Includable = ["applies_to", "currency_options"],
        Derive = (coupon, now) => coupon["valid"] = IsValid(coupon, now),
    };

    /// <summary><c>currency_options[eur][amount_off]=500</c>: the amount off in other currencies (amount-based coupons only).</summary>
    private static readonly Param CurrencyOptionsParam = new CurrencyMapParam(P.Object(("amount_off", P.Positive.Required())));

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("amount_off", P.Positive),
        ("applies_to", P.Object(("products", P.Array(P.String)))),
        ("currency", P.Currency),
        ("currency_options", CurrencyOptionsParam),
        ("duration", P.Enum("forever", "once", "repeating")),
        ("duration_in_months", P.Positive),
        ("id", P.Max(200)),
        ("max_redemptions", P.Positive),
        ("metadata", P.Metadata.Emptyable()),
        ("name", P.Max(40)),
        ("percent_off", new DecimalParam { Min = 0, Max = 100 }),
        ("redeem_by", P.Timestamp));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("currency_options", CurrencyOptionsParam),
        ("metadata", P.Metadata.Emptyable()),
        ("name", P.Max(40)));

    public static JsonObject Create(StoreTransaction transaction, Params parameters)
    {
        var id = parameters.String("id") ?? IdGenerator.Code();
        if (transaction.Current(Type, id) is not null)
        {
            throw StripeErrors.ResourceAlreadyExists("Coupon already exists.", "id");
        }
        var percentOff = parameters.Decimal("percent_off");
        var amountOff = parameters.Long("amount_off");
        if (percentOff is not null && amountOff is not null)
        {
            throw StripeErrors.ParametersExclusive("percent_off", "amount_off");
        }
        if (percentOff is null && amountOff is null)
        {
            throw StripeErrors.Invalid("A coupon needs either percent_off or amount_off.", "percent_off");
        }
        if (percentOff is 0)
        {
            throw StripeErrors.InvalidValue("percent_off", "Invalid percent_off: must be greater than 0 and at most 100");
        }
        if (amountOff is not null && !parameters.Has("currency"))
        {
            throw StripeErrors.ParameterMissing("currency");
        }
        var duration = parameters.String("duration") ?? "once";
        if (duration == "repeating" && !parameters.Has("duration_in_months"))
        {
            throw StripeErrors.ParameterMissing("duration_in_months");
        }
        if (duration != "repeating" && parameters.Has("duration_in_months"))
        {
            throw StripeErrors.Invalid("duration_in_months is only allowed when duration is repeating.", "duration_in_months");
        }
        if (parameters.Long("redeem_by") is { } redeemBy && redeemBy <= transaction.NowUnix)
        {
            throw StripeErrors.Invalid("redeem_by must be in the future.", "redeem_by");
        }
        var currencyOptions = CurrencyOptions(parameters, amountOff is not null);
        var products = parameters.Object("applies_to")?.Strings("products");
        for (var i = 0; products is not null && i < products.Count; i++)
        {
            transaction.Get(ProductResource.Type, products[i], $"applies_to[products][{i}]", 400);
        }

        var coupon = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["amount_off"] = amountOff,
            ["applies_to"] = products is null ? null : new JsonObject { ["products"] = new JsonArray([.. products.Select(p => JsonValue.Create(p))]) },
            ["created"] = transaction.NowUnix,
            ["currency"] = amountOff is null ? null : parameters.String("currency"),
            // Amount-based coupons have a (possibly empty) map of other currencies; percentage ones have none.
            ["currency_options"] = amountOff is null ? null : currencyOptions ?? new JsonObject(),
            ["duration"] = duration,
            ["duration_in_months"] = parameters.Long("duration_in_months"),
            ["livemode"] = false,
            ["max_redemptions"] = parameters.Long("max_redemptions"),
            ["metadata"] = JsonObjects.NewMetadata(parameters["metadata"]),
            ["name"] = parameters.String("name"),
            ["percent_off"] = percentOff,
            ["redeem_by"] = parameters.Long("redeem_by"),
            ["times_redeemed"] = 0L,
            ["valid"] = true,
        };
        transaction.Insert(coupon);
        transaction.Emit("coupon.created", coupon);
        return coupon;
    }

    public static JsonObject Update(StoreTransaction transaction, string id, Params parameters)
    {
        var before = transaction.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        var currencyOptions = CurrencyOptions(parameters, before["amount_off"] is not null);
        JsonObjects.Merge(after, parameters.Without("currency_options").Values);
        if (currencyOptions is not null)
        {
            // Options are added or changed per currency; the others stay.
            var merged = (after["currency_options"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
            foreach (var (currency, option) in currencyOptions)
            {
                merged[currency] = option?.DeepClone();
            }
            after["currency_options"] = merged;
        }
        transaction.UpdateAndEmit("coupon.updated", before, after);
        return after;
    }

    public static JsonObject Delete(StoreTransaction transaction, string id)
    {
        var coupon = transaction.Get(Type, id);
        transaction.Delete(Type, id);
        transaction.Emit("coupon.deleted", coupon);
        return ObjectRenderer.Deleted(Type, id);
    }

    /// <summary>
    /// The <c>currency_options</c> sent, or null: only amount-based coupons have them ("only supported if amount_off is
    /// passed", Stripe's 400 otherwise).
    /// </summary>
    private static JsonObject? CurrencyOptions(Params parameters, bool amountBased)
    {
        if (parameters["currency_options"] is not JsonObject options)
        {
            return null;
        }
        if (!amountBased)
        {
            throw StripeErrors.Invalid("currency_options is only supported for coupons with amount_off.", "currency_options");
        }
        return (JsonObject)options.DeepClone();
    }

    /// <summary>The amount an amount-based coupon takes off in a currency: its own, or its option for that currency; null when it has neither.</summary>
    public static long? AmountOff(JsonObject coupon, string? currency) =>
        coupon["amount_off"]?.GetValue<long>() is not { } amountOff ? null
        : coupon["currency"]?.GetValue<string>() == currency ? amountOff
        : currency is null ? null
        : coupon["currency_options"]?[currency]?["amount_off"]?.GetValue<long>();

    /// <summary>Redeemable: not past <c>redeem_by</c> and not redeemed <c>max_redemptions</c> times.</summary>
    public static bool IsValid(JsonObject coupon, DateTimeOffset now) =>
        (coupon["redeem_by"]?.GetValue<long>() is not { } redeemBy || redeemBy > now.ToUnixTimeSeconds())
        && (coupon["max_redemptions"]?.GetValue<long>() is not { } max || coupon["times_redeemed"]!.GetValue<long>() < max);
}
