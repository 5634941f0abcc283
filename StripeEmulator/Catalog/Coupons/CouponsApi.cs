using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Coupons;

/// <summary><c>/v1/coupons</c>.</summary>
public static class CouponsApi
{
    public static IEndpointRouteBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStripeGroup("/v1/coupons");
        api.MapPost("", CreateCoupon);
        api.MapGet("", ListCoupons);
        api.MapGet("/{id}", RetrieveCoupon);
        api.MapPost("/{id}", UpdateCoupon);
        api.MapDelete("/{id}", DeleteCoupon);
        return app;
    }

    public static IResult CreateCoupon(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(CouponResource.CreateSchema);
        return store.Write(request.Info, tx => request.Respond(tx, CouponResource.Create(tx, parameters)));
    }

    public static IResult RetrieveCoupon(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx => request.Respond(tx, tx.Get(CouponResource.Type, id)));
    }

    public static IResult UpdateCoupon(string id, StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(CouponResource.UpdateSchema);
        return store.Write(request.Info, tx => request.Respond(tx, CouponResource.Update(tx, id, parameters)));
    }

    public static IResult DeleteCoupon(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Delete);
        return store.Write(request.Info, tx => StripeResults.Json(CouponResource.Delete(tx, id)));
    }

    public static IResult ListCoupons(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(CouponResource.ListSchema);
        return store.Read(tx => ListPage.Respond(tx, request, parameters, CouponResource.Type, "/v1/coupons",
            c => RangeParam.Matches(parameters["created"], c.Created)));
    }
}
