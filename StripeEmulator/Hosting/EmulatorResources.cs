using Yapit.StripeEmulator.Catalog.Coupons;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Catalog.PromotionCodes;
using Yapit.StripeEmulator.Resources;

namespace Yapit.StripeEmulator.Hosting;

/// <summary>The resources served through <see cref="ResourceApi"/>: each registers its definition and maps its routes.</summary>
public static class EmulatorResources
{
    public static IReadOnlyList<ResourceApi> All { get; } =
    [
        ProductsApi.Resource,
        PricesApi.Resource,
        CouponsApi.Resource,
        PromotionCodesApi.Resource,
    ];
}
