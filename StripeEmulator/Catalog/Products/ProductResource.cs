using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Products;

/// <summary>Products: what they hold, how they change, and the events those changes emit.</summary>
internal static class ProductResource
{
    public const string Type = "product";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "product",
        Expandable = new Dictionary<string, string> { ["default_price"] = PriceResource.Type, ["tax_code"] = TaxCodes.Type },
    };

    /// <summary>Creates a product (and its default price when <c>default_price_data</c> is given).</summary>
    public static JsonObject Create(StoreTransaction transaction, Params parameters)
    {
        var id = parameters.String("id") ?? IdGenerator.New("prod", 14);
        if (transaction.Current(Type, id) is not null)
        {
            throw StripeErrors.ResourceAlreadyExists("Product already exists.", "id");
        }
        var product = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["active"] = parameters.Bool("active") ?? true,
            ["created"] = transaction.NowUnix,
            ["default_price"] = null,
            ["description"] = parameters.String("description"),
            ["images"] = parameters.Copy("images") ?? new JsonArray(),
            ["livemode"] = false,
            ["marketing_features"] = parameters.Copy("marketing_features") ?? new JsonArray(),
            ["metadata"] = JsonObjects.NewMetadata(parameters["metadata"]),
            ["name"] = parameters.String("name"),
            ["package_dimensions"] = parameters.Copy("package_dimensions"),
            ["shippable"] = parameters.Bool("shippable"),
            ["statement_descriptor"] = parameters.String("statement_descriptor"),
            ["tax_code"] = parameters.String("tax_code"),
            ["tax_details"] = TaxDetails(parameters.Object("tax_details")),
            ["type"] = parameters.String("type") ?? "service",
            ["unit_label"] = parameters.String("unit_label"),
            ["updated"] = transaction.NowUnix,
            ["url"] = parameters.String("url"),
        };
        transaction.Insert(product);
        if (parameters.Object("default_price_data") is { } priceData)
        {
            var price = PriceResource.Create(transaction, priceData, id, "default_price_data");
            product["default_price"] = price["id"]!.GetValue<string>();
            transaction.Update(product);
        }
        transaction.Emit("product.created", product);
        return product;
    }

    public static JsonObject Update(StoreTransaction transaction, string id, Params parameters)
    {
        var before = transaction.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        var changes = parameters.Without("tax_details", "package_dimensions");
        JsonObjects.Merge(after, changes.Values);
        if (parameters.Has("tax_details"))
        {
            after["tax_details"] = TaxDetails(parameters.Object("tax_details"));
        }
        if (parameters.Has("package_dimensions"))
        {
            after["package_dimensions"] = parameters.Copy("package_dimensions");
        }
        if (parameters.String("default_price") is { } defaultPrice)
        {
            var price = transaction.Get(PriceResource.Type, defaultPrice, "default_price", 400);
            if (price["product"]?.GetValue<string>() != id)
            {
                throw StripeErrors.Invalid($"The price `{defaultPrice}` does not belong to the product `{id}`.", "default_price");
            }
            if (price["active"]?.GetValue<bool>() != true)
            {
                throw StripeErrors.Invalid($"The price `{defaultPrice}` is not active; only an active price can be a product's default price.", "default_price");
            }
        }
        transaction.UpdateAndEmit("product.updated", before, after);
        return after;
    }

    /// <summary>Stripe deletes only a product no price uses; the others can only be deactivated.</summary>
    public static JsonObject Delete(StoreTransaction transaction, string id)
    {
        var product = transaction.Get(Type, id);
        if (transaction.All(PriceResource.Type).Any(price => price.Data["product"]?.GetValue<string>() == id))
        {
            throw StripeErrors.Invalid("This product cannot be deleted because it has one or more user-created prices.");
        }
        transaction.Delete(Type, id);
        transaction.Emit("product.deleted", product);
        return ObjectRenderer.Deleted(Type, id);
    }

    private static JsonObject? TaxDetails(Params? given) => given is null
        ? null
        : new JsonObject { ["performance_location"] = given.String("performance_location"), ["tax_code"] = given.String("tax_code") };
}
