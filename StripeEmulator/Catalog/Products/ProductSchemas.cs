using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Products;

/// <summary>The product endpoints' parameters, as stripe-node's <c>Products.d.ts</c> lists them.</summary>
internal static class ProductSchemas
{
    private static readonly Param PackageDimensions = P.Object(
        ("height", P.Decimal.Required()), ("length", P.Decimal.Required()), ("weight", P.Decimal.Required()), ("width", P.Decimal.Required()));

    public static readonly Param TaxDetails = P.Object(("performance_location", P.String), ("tax_code", P.String.Emptyable()));

    private static readonly Param MarketingFeatures = P.Array(P.Object(("name", P.Max(80).Required()))) with { MaxItems = 15 };

    private static readonly Param Images = P.Array(P.Max(2048)) with { MaxItems = 8 };

    public static ObjectParam Create { get; } = RequestSchema.Body(
        ("name", P.Max(250).Required()),
        ("active", P.Boolean),
        ("default_price_data", PriceSchemas.DefaultPriceData),
        ("description", P.Max(40000)),
        ("id", P.Max(250)),
        ("images", Images),
        ("marketing_features", MarketingFeatures),
        ("metadata", P.Metadata),
        ("package_dimensions", PackageDimensions),
        ("shippable", P.Boolean),
        ("statement_descriptor", P.Max(22)),
        ("tax_code", P.String),
        ("tax_details", TaxDetails),
        ("type", P.Enum("good", "service")),
        ("unit_label", P.Max(12)),
        ("url", P.Max(5000)));

    public static ObjectParam Update { get; } = RequestSchema.Body(
        ("active", P.Boolean),
        ("default_price", P.String),
        ("description", P.Max(40000).Emptyable()),
        ("images", Images.Emptyable()),
        ("marketing_features", MarketingFeatures.Emptyable()),
        ("metadata", P.Metadata.Emptyable()),
        ("name", P.Max(250)),
        ("package_dimensions", PackageDimensions.Emptyable()),
        ("shippable", P.Boolean),
        ("statement_descriptor", P.Max(22)),
        ("tax_code", P.String.Emptyable()),
        ("tax_details", TaxDetails.Emptyable()),
        ("unit_label", P.Max(12).Emptyable()),
        ("url", P.Max(5000).Emptyable()));
}
