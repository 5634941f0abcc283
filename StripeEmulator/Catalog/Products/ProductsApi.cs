using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Products;

/// <summary><c>/v1/products</c>.</summary>
public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStripeGroup("/v1/products");
        api.MapPost("", CreateProduct);
        api.MapGet("", ListProducts);
        api.MapGet("/{id}", RetrieveProduct);
        api.MapPost("/{id}", UpdateProduct);
        api.MapDelete("/{id}", DeleteProduct);
        return app;
    }

    public static IResult CreateProduct(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(ProductSchemas.Create);
        return store.Write(request.Info, tx => request.Respond(tx, ProductResource.Create(tx, parameters)));
    }

    public static IResult RetrieveProduct(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx => request.Respond(tx, tx.Get(ProductResource.Type, id)));
    }

    public static IResult UpdateProduct(string id, StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(ProductSchemas.Update);
        return store.Write(request.Info, tx => request.Respond(tx, ProductResource.Update(tx, id, parameters)));
    }

    public static IResult DeleteProduct(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Delete);
        return store.Write(request.Info, tx => StripeResults.Json(ProductResource.Delete(tx, id)));
    }

    public static IResult ListProducts(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(ProductSchemas.List);
        return store.Read(tx => ListPage.Respond(tx, request, parameters, ProductResource.Type, "/v1/products", p => ProductResource.Matches(p, parameters)));
    }
}
