using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Prices;

/// <summary><c>/v1/prices</c>. Prices are never deleted, only deactivated.</summary>
public static class PricesApi
{
    public static IEndpointRouteBuilder MapPricesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStripeGroup("/v1/prices");
        api.MapPost("", CreatePrice);
        api.MapGet("", ListPrices);
        api.MapGet("/{id}", RetrievePrice);
        api.MapPost("/{id}", UpdatePrice);
        return app;
    }

    public static IResult CreatePrice(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PriceSchemas.Create);
        return store.Write(request.Info, tx => request.Respond(tx, PriceResource.Create(tx, parameters)));
    }

    public static IResult RetrievePrice(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx => request.Respond(tx, tx.Get(PriceResource.Type, id)));
    }

    public static IResult UpdatePrice(string id, StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PriceSchemas.Update);
        return store.Write(request.Info, tx => request.Respond(tx, PriceResource.Update(tx, id, parameters)));
    }

    public static IResult ListPrices(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PriceSchemas.List);
        return store.Read(tx => ListPage.Respond(tx, request, parameters, PriceResource.Type, "/v1/prices", p => PriceResource.Matches(p, parameters)));
    }
}
