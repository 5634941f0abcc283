using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Products;

/// <summary><c>/v1/products</c>.</summary>
public static class ProductsApi
{
    public static ResourceApi Resource { get; } = new()
    {
        Definition = ProductResource.Definition,
        Path = "/v1/products",
        Create = (ProductSchemas.Create, c => ProductResource.Create(c.Tx, c.Params)),
        Update = (ProductSchemas.Update, c => ProductResource.Update(c.Tx, c.Id, c.Params)),
        Delete = c => ProductResource.Delete(c.Tx, c.Id),
        List = [ListFilter.Bool("active"), ListFilter.Created, ListFilter.Ids, ListFilter.Bool("shippable"),
            ListFilter.Equal("type", P.Enum("good", "service")), ListFilter.String("url")],
        Search = new(new Dictionary<string, string> { ["active"] = "active", ["description"] = "description", ["name"] = "name", ["shippable"] = "shippable", ["url"] = "url" }),
    };
}
