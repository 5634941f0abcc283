using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Prices;

/// <summary><c>/v1/prices</c>. Prices are never deleted, only deactivated.</summary>
public static class PricesApi
{
    public static ResourceApi Resource { get; } = new()
    {
        Definition = PriceResource.Definition,
        Path = "/v1/prices",
        Create = (PriceSchemas.Create, c => PriceResource.Create(c.Tx, c.Params)),
        Update = (PriceSchemas.Update, c => PriceResource.Update(c.Tx, c.Id, c.Params)),
        List = [
            ListFilter.Bool("active"), ListFilter.Created, ListFilter.Equal("currency", P.Currency),
            ListFilter.Custom("lookup_keys", P.Array(P.Max(200)) with { MaxItems = 10 },
                (price, keys) => price.Data["lookup_key"]?.GetValue<string>() is { } key && keys.AsArray().Any(k => k?.GetValue<string>() == key)),
            ListFilter.String("product"),
            ListFilter.Custom("recurring", P.Object(("interval", P.Enum(PriceSchemas.Intervals)), ("meter", P.String), ("usage_type", P.Enum("licensed", "metered"))),
                (price, wanted) => price.Data["recurring"] is JsonObject recurring
                    && wanted.AsObject().All(w => JsonNode.DeepEquals(recurring[w.Key], w.Value))),
            ListFilter.Equal("type", P.Enum("one_time", "recurring")),
        ],
        Search = new(new Dictionary<string, string> { ["active"] = "active", ["currency"] = "currency", ["lookup_key"] = "lookup_key", ["product"] = "product", ["type"] = "type" }),
    };
}
