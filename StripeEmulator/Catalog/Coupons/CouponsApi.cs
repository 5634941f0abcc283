using Yapit.StripeEmulator.Resources;

namespace Yapit.StripeEmulator.Catalog.Coupons;

/// <summary><c>/v1/coupons</c>.</summary>
public static class CouponsApi
{
    public static ResourceApi Resource { get; } = new()
    {
        Definition = CouponResource.Definition,
        Path = "/v1/coupons",
        Create = (CouponResource.CreateSchema, c => CouponResource.Create(c.Tx, c.Params)),
        Update = (CouponResource.UpdateSchema, c => CouponResource.Update(c.Tx, c.Id, c.Params)),
        Delete = c => CouponResource.Delete(c.Tx, c.Id),
        List = [ListFilter.Created],
    };
}
