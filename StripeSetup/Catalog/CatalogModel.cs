namespace Yapit.StripeSetup.Catalog;

/// <summary>
/// The catalog file, read and resolved for one environment: the single source of truth for Stripe's products,
/// prices, coupons, promotion codes, portal configurations and webhook endpoints, and for the plans table.
/// </summary>
public sealed record Catalog
{
    public required string Environment { get; init; }
    public required string Currency { get; init; }
    public IReadOnlyList<string> Environments { get; init; } = [];
    public IReadOnlyList<CatalogMeter> Meters { get; init; } = [];
    public IReadOnlyList<CatalogProduct> Products { get; init; } = [];
    public IReadOnlyList<CatalogPlan> Plans { get; init; } = [];
    public IReadOnlyList<CatalogCoupon> Coupons { get; init; } = [];
    public IReadOnlyList<CatalogPromotionCode> PromotionCodes { get; init; } = [];
    public IReadOnlyList<CatalogPortalConfiguration> PortalConfigurations { get; init; } = [];
    public IReadOnlyList<CatalogWebhookEndpoint> WebhookEndpoints { get; init; } = [];

    public IEnumerable<CatalogPrice> Prices => Products.SelectMany(p => p.Prices);
}

/// <summary>Where in the file a thing was written, for messages.</summary>
public readonly record struct SourceLocation(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>A usage meter; plans give a per-period allowance of it. Unused allowance rolls over up to the cap.</summary>
public sealed record CatalogMeter(string Name, long RolloverCap, string? Description, SourceLocation Location);

public sealed record CatalogProduct
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public bool Active { get; init; } = true;
    public string? TaxCode { get; init; }
    public string? UnitLabel { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<CatalogPrice> Prices { get; init; } = [];
    public SourceLocation Location { get; init; }
}

public sealed record CatalogPrice
{
    /// <summary>The price's identity in Stripe (prices are found by lookup key, never by id).</summary>
    public required string LookupKey { get; init; }
    public required string ProductId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }

    /// <summary><c>month</c> or <c>year</c> (or <c>week</c>, <c>day</c>); null for a one-time price (a credit pack).</summary>
    public string? Interval { get; init; }
    public long IntervalCount { get; init; } = 1;
    public bool Active { get; init; } = true;
    public string? Nickname { get; init; }

    /// <summary><c>exclusive</c>, <c>inclusive</c> or <c>unspecified</c>.</summary>
    public string TaxBehavior { get; init; } = "unspecified";
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>For a credit pack: what one purchase adds to the buyer's balance.</summary>
    public CreditGrant? Grants { get; init; }
    public SourceLocation Location { get; init; }

    public bool IsRecurring => Interval is not null;
}

public sealed record CreditGrant(string Meter, long Quantity);

/// <summary>A plan's entitlements: what a tier may use per billing period. The free plan has no product.</summary>
public sealed record CatalogPlan
{
    public required string Tier { get; init; }
    public required string Name { get; init; }
    public required int Rank { get; init; }
    public string? Product { get; init; }
    public string? MonthlyPrice { get; init; }
    public string? YearlyPrice { get; init; }
    public int TrialDays { get; init; }
    public bool Active { get; init; } = true;

    /// <summary>Per meter: null is unlimited, 0 is not included.</summary>
    public IReadOnlyDictionary<string, long?> Limits { get; init; } = new Dictionary<string, long?>();
    public SourceLocation Location { get; init; }
}

public sealed record CatalogCoupon
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public long? AmountOff { get; init; }
    public string? Currency { get; init; }
    public decimal? PercentOff { get; init; }

    /// <summary><c>once</c>, <c>repeating</c> or <c>forever</c>.</summary>
    public string Duration { get; init; } = "once";
    public long? DurationInMonths { get; init; }
    public long? MaxRedemptions { get; init; }
    public DateTimeOffset? RedeemBy { get; init; }

    /// <summary>Product ids the coupon is limited to; empty applies to all.</summary>
    public IReadOnlyList<string> AppliesTo { get; init; } = [];
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    public SourceLocation Location { get; init; }
}

public sealed record CatalogPromotionCode
{
    public required string Code { get; init; }
    public required string Coupon { get; init; }
    public bool Active { get; init; } = true;
    public long? MaxRedemptions { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool? FirstTimeTransaction { get; init; }
    public long? MinimumAmount { get; init; }
    public string? MinimumAmountCurrency { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    public SourceLocation Location { get; init; }
}

public sealed record CatalogPortalConfiguration
{
    /// <summary>The configuration's name in the catalog (Stripe has no natural key for it; kept in metadata).</summary>
    public required string Key { get; init; }
    public string? Name { get; init; }
    public string? Headline { get; init; }
    public string? PrivacyPolicyUrl { get; init; }
    public string? TermsOfServiceUrl { get; init; }
    public string? DefaultReturnUrl { get; init; }
    public bool Active { get; init; } = true;
    public bool InvoiceHistory { get; init; }
    public bool PaymentMethodUpdate { get; init; }

    /// <summary>What customers may edit (<c>email</c>, <c>name</c>, <c>address</c>, ...); empty turns the feature off.</summary>
    public IReadOnlyList<string> CustomerUpdate { get; init; } = [];
    public PortalCancellation? Cancellation { get; init; }
    public PortalPlanSwitching? PlanSwitching { get; init; }
    public SourceLocation Location { get; init; }
}

public sealed record PortalCancellation(string Mode, string? ProrationBehavior, IReadOnlyList<string> Reasons);

/// <summary>
/// Switching among the recurring prices of <see cref="Products"/>. <see cref="Downgrades"/> is <c>immediately</c>
/// (no schedule conditions: Stripe applies the change at once) or <c>at_period_end</c> (decreasing amounts and
/// shortening intervals wait for the period's end).
/// </summary>
public sealed record PortalPlanSwitching(
    IReadOnlyList<string> Products,
    string ProrationBehavior,
    string Downgrades,
    IReadOnlyList<string> AllowedUpdates);

public sealed record CatalogWebhookEndpoint
{
    public required string Key { get; init; }
    public required string Url { get; init; }
    public required IReadOnlyList<string> EnabledEvents { get; init; }
    public required string ApiVersion { get; init; }
    public string? Description { get; init; }
    public SourceLocation Location { get; init; }
}
