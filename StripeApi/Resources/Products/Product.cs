using Yapit.StripeApi.Common;

namespace Yapit.StripeApi.Resources.Products;

/// <summary>A product (<c>prod_...</c>, or an id chosen at creation).</summary>
public sealed class Product : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "product";
    public bool Active { get; init; }
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public string? DefaultPrice { get; init; }
    public string? Description { get; init; }
    public List<string> Images { get; init; } = [];
    public bool Livemode { get; init; }
    public List<MarketingFeature> MarketingFeatures { get; init; } = [];
    public Dictionary<string, string> Metadata { get; init; } = [];
    public string Name { get; init; } = string.Empty;
    public bool? Shippable { get; init; }
    public string? StatementDescriptor { get; init; }
    public string? TaxCode { get; init; }

    /// <summary><c>good</c> or <c>service</c>.</summary>
    public string? Type { get; init; }
    public string? UnitLabel { get; init; }
    public string? Url { get; init; }
}

public sealed class MarketingFeature
{
    public string? Name { get; set; }
}

public sealed class ProductCreateOptions : StripeOptions
{
    /// <summary>A custom id (e.g. <c>yapit_basic</c>); Stripe generates <c>prod_...</c> when absent.</summary>
    public string? Id { get; set; }
    public required string Name { get; set; }
    public bool? Active { get; set; }
    public string? Description { get; set; }
    public List<string>? Images { get; set; }
    public List<MarketingFeature>? MarketingFeatures { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public bool? Shippable { get; set; }
    public string? StatementDescriptor { get; set; }
    public string? TaxCode { get; set; }
    public string? Type { get; set; }
    public string? UnitLabel { get; set; }
    public string? Url { get; set; }
}

public sealed class ProductUpdateOptions : StripeOptions
{
    public bool? Active { get; set; }
    public string? DefaultPrice { get; set; }

    /// <summary>An empty string clears it.</summary>
    public string? Description { get; set; }
    public List<string>? Images { get; set; }
    public List<MarketingFeature>? MarketingFeatures { get; set; }

    /// <summary>Keys set to null are removed from the product's metadata.</summary>
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }
    public bool? Shippable { get; set; }
    public string? StatementDescriptor { get; set; }
    public string? TaxCode { get; set; }
    public string? UnitLabel { get; set; }
    public string? Url { get; set; }
}

public sealed class ProductListOptions : ListOptions
{
    public bool? Active { get; set; }
    public DateRangeFilter? Created { get; set; }
    public List<string>? Ids { get; set; }
    public bool? Shippable { get; set; }
    public string? Type { get; set; }
    public string? Url { get; set; }
}
