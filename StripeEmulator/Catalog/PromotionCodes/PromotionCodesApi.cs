using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.PromotionCodes;

/// <summary><c>/v1/promotion_codes</c>. Promotion codes are never deleted, only deactivated.</summary>
public static class PromotionCodesApi
{
    public static IEndpointRouteBuilder MapPromotionCodesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStripeGroup("/v1/promotion_codes");
        api.MapPost("", CreatePromotionCode);
        api.MapGet("", ListPromotionCodes);
        api.MapGet("/{id}", RetrievePromotionCode);
        api.MapPost("/{id}", UpdatePromotionCode);
        return app;
    }

    public static IResult CreatePromotionCode(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PromotionCodeResource.CreateSchema);
        return store.Write(request.Info, tx => request.Respond(tx, PromotionCodeResource.Create(tx, parameters)));
    }

    public static IResult RetrievePromotionCode(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx => request.Respond(tx, tx.Get(PromotionCodeResource.Type, id)));
    }

    public static IResult UpdatePromotionCode(string id, StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PromotionCodeResource.UpdateSchema);
        return store.Write(request.Info, tx => request.Respond(tx, PromotionCodeResource.Update(tx, id, parameters)));
    }

    public static IResult ListPromotionCodes(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PromotionCodeResource.ListSchema);
        return store.Read(tx => ListPage.Respond(tx, request, parameters, PromotionCodeResource.Type, "/v1/promotion_codes",
            p => PromotionCodeResource.Matches(p, parameters)));
    }
}
