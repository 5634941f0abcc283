using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.PromotionCodes;

/// <summary><c>/v1/promotion_codes</c>. Promotion codes are never deleted, only deactivated.</summary>
public static class PromotionCodesApi
{
    public static ResourceApi Resource { get; } = new()
    {
        Definition = PromotionCodeResource.Definition,
        Path = "/v1/promotion_codes",
        Create = (PromotionCodeResource.CreateSchema, c => PromotionCodeResource.Create(c.Tx, c.Params)),
        Update = (PromotionCodeResource.UpdateSchema, c => PromotionCodeResource.Update(c.Tx, c.Id, c.Params)),
        List = [
            ListFilter.Bool("active"),
            // Codes are matched ignoring case, as Stripe does.
            ListFilter.Custom("code", P.String, (promo, code) => string.Equals(promo.Data["code"]!.GetValue<string>(), code.GetValue<string>(), StringComparison.OrdinalIgnoreCase)),
            ListFilter.String("coupon", "promotion.coupon"),
            ListFilter.Created,
            ListFilter.String("customer"),
        ],
    };
}
