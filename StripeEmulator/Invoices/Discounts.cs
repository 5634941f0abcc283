using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Coupons;
using Yapit.StripeEmulator.Catalog.PromotionCodes;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Invoices;

/// <summary>
/// Coupons and promotion codes applied to a subscription or a Checkout session: <c>discount</c> objects
/// (<c>source.coupon</c>, <c>promotion_code</c>, <c>start</c>/<c>end</c>), redemption counting with
/// <c>max_redemptions</c> and expiry enforced, and the amounts they take off an invoice's lines.
/// </summary>
internal static class Discounts
{
    public const string Type = "discount";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "discount",
        Expandable = new Dictionary<string, string> { ["promotion_code"] = PromotionCodeResource.Type, ["source.coupon"] = CouponResource.Type },
    };

    /// <summary><c>discounts[i][coupon|promotion_code]</c> as the SDKs send it.</summary>
    public static Param Schema { get; } = P.Array(P.Object(("coupon", P.String), ("discount", P.Unsupported), ("promotion_code", P.String))).Emptyable();

    /// <summary>Validates each requested discount and returns (coupon, promotion code id) pairs, not yet redeemed.</summary>
    public static List<(JsonObject Coupon, string? PromotionCode)> Resolve(StoreTransaction tx, JsonArray? requested, string? customerId, string param = "discounts")
    {
        var result = new List<(JsonObject, string?)>();
        for (var i = 0; requested is not null && i < requested.Count; i++)
        {
            var item = (JsonObject)requested[i]!;
            if (item["promotion_code"]?.GetValue<string>() is { } promoId)
            {
                result.Add(ResolvePromotionCode(tx, promoId, customerId, $"{param}[{i}][promotion_code]"));
            }
            else if (item["coupon"]?.GetValue<string>() is { } couponId)
            {
                var coupon = tx.Get(CouponResource.Type, couponId, $"{param}[{i}][coupon]", 400);
                EnsureValid(tx, coupon, $"{param}[{i}][coupon]");
                result.Add((coupon, null));
            }
        }
        return result;
    }

    public static (JsonObject Coupon, string? PromotionCode) ResolvePromotionCode(StoreTransaction tx, string promoId, string? customerId, string param)
    {
        var promo = tx.Get(PromotionCodeResource.Type, promoId, param, 400);
        if (promo["active"]?.GetValue<bool>() != true)
        {
            throw StripeErrors.Invalid($"This promotion code is inactive: {promo["code"]}.", param);
        }
        if (promo["expires_at"]?.GetValue<long>() is { } expiresAt && expiresAt <= tx.NowUnix)
        {
            throw StripeErrors.Invalid($"This promotion code has expired: {promo["code"]}.", param);
        }
        if (promo["max_redemptions"]?.GetValue<long>() is { } max && promo["times_redeemed"]!.GetValue<long>() >= max)
        {
            throw StripeErrors.Invalid($"This promotion code has been redeemed the maximum number of times: {promo["code"]}.", param);
        }
        if (promo["customer"]?.GetValue<string>() is { } only && only != customerId)
        {
            throw StripeErrors.Invalid($"This promotion code cannot be redeemed by this customer: {promo["code"]}.", param);
        }
        var coupon = tx.Get(CouponResource.Type, promo["promotion"]!["coupon"]!.GetValue<string>(), param, 400);
        EnsureValid(tx, coupon, param);
        return (coupon, promoId);
    }

    /// <summary>Finds an active promotion code by its customer-facing code (what a person types on the hosted page).</summary>
    public static string? FindCode(StoreTransaction tx, string code) =>
        tx.All(PromotionCodeResource.Type).FirstOrDefault(p => p.Data["active"]?.GetValue<bool>() == true
            && string.Equals(p.Data["code"]?.GetValue<string>(), code.Trim(), StringComparison.OrdinalIgnoreCase))?.Id;

    private static void EnsureValid(StoreTransaction tx, JsonObject coupon, string param)
    {
        if (!CouponResource.IsValid(coupon, tx.Now))
        {
            throw StripeErrors.Invalid($"Coupon is not valid: {coupon["id"]} (expired or redeemed the maximum number of times).", param);
        }
    }

    /// <summary>Counts a redemption on the coupon and the promotion code and stores the discount object.</summary>
    public static JsonObject Redeem(StoreTransaction tx, JsonObject coupon, string? promotionCode, string customerId, string? subscriptionId, string? checkoutSessionId)
    {
        Increment(tx, CouponResource.Type, coupon["id"]!.GetValue<string>());
        if (promotionCode is not null)
        {
            Increment(tx, PromotionCodeResource.Type, promotionCode);
        }
        var duration = coupon["duration"]!.GetValue<string>();
        var discount = new JsonObject
        {
            ["id"] = IdGenerator.New("di"),
            ["object"] = Type,
            ["checkout_session"] = checkoutSessionId,
            ["customer"] = customerId,
            ["end"] = duration == "repeating" ? tx.Now.AddMonths((int)coupon["duration_in_months"]!.GetValue<long>()).ToUnixTimeSeconds() : null,
            ["invoice"] = null,
            ["invoice_item"] = null,
            ["promotion_code"] = promotionCode,
            ["source"] = new JsonObject { ["coupon"] = coupon["id"]!.GetValue<string>(), ["type"] = "coupon" },
            ["start"] = tx.NowUnix,
            ["subscription"] = subscriptionId,
            ["subscription_item"] = null,
        };
        tx.Insert(discount);
        return discount;
    }

    private static void Increment(StoreTransaction tx, string type, string id)
    {
        var obj = tx.Get(type, id);
        obj["times_redeemed"] = obj["times_redeemed"]!.GetValue<long>() + 1;
        tx.Update(obj);
    }

    /// <summary>
    /// Takes each discount off the invoice's positive lines (percentages per line, fixed amounts spread in proportion,
    /// never below zero), writing <c>discount_amounts</c> on lines and <c>total_discount_amounts</c> on the invoice.
    /// Returns the total taken off.
    /// </summary>
    public static long Apply(StoreTransaction tx, JsonArray lines, IReadOnlyList<string> discountIds, string currency)
    {
        long total = 0;
        var totals = new JsonArray();
        foreach (var discountId in discountIds)
        {
            var discount = tx.Get(Type, discountId);
            var coupon = tx.Find(CouponResource.Type, discount["source"]!["coupon"]!.GetValue<string>());
            if (coupon is null || discount["end"]?.GetValue<long>() is { } end && end <= tx.NowUnix)
            {
                continue;
            }
            var positive = lines.Select(l => (JsonObject)l!).Where(l => Remaining(l) > 0).ToList();
            var amounts = new long[positive.Count];
            if (coupon["percent_off"]?.GetValue<decimal>() is { } percent)
            {
                for (var i = 0; i < positive.Count; i++)
                {
                    amounts[i] = (long)Math.Round(Remaining(positive[i]) * percent / 100m, MidpointRounding.AwayFromZero);
                }
            }
            else if (CouponResource.AmountOff(coupon, currency) is { } amountOff)
            {
                var base_ = positive.Sum(Remaining);
                var off = Math.Min(amountOff, base_);
                long given = 0;
                for (var i = 0; i < positive.Count; i++)
                {
                    amounts[i] = i == positive.Count - 1 ? off - given : off * Remaining(positive[i]) / Math.Max(1, base_);
                    given += amounts[i];
                }
            }
            long sum = 0;
            for (var i = 0; i < positive.Count; i++)
            {
                ((JsonArray)positive[i]["discount_amounts"]!).Add(new JsonObject { ["amount"] = amounts[i], ["discount"] = discountId });
                ((JsonArray)positive[i]["discounts"]!).Add(discountId);
                sum += amounts[i];
            }
            totals.Add(new JsonObject { ["amount"] = sum, ["discount"] = discountId });
            total += sum;
        }
        return total;

        static long Remaining(JsonObject line) =>
            line["amount"]!.GetValue<long>() - ((JsonArray)line["discount_amounts"]!).Sum(d => d!["amount"]!.GetValue<long>());
    }

    /// <summary>The invoice-level sums per discount, from the lines.</summary>
    public static JsonArray Totals(JsonArray lines, IReadOnlyList<string> discountIds) =>
        [.. discountIds.Select(id => new JsonObject
        {
            ["amount"] = lines.Sum(l => ((JsonArray)l!["discount_amounts"]!).Where(d => d!["discount"]!.GetValue<string>() == id).Sum(d => d!["amount"]!.GetValue<long>())),
            ["discount"] = id,
        })];
}
