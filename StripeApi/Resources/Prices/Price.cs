using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Products;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Resources.Prices;

/// <summary>A price (<c>price_...</c>): amount, currency and recurrence are immutable once created.</summary>
public sealed class Price : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "price";
    public bool Active { get; init; }

    /// <summary><c>per_unit</c> or <c>tiered</c>.</summary>
    public string? BillingScheme { get; init; }
    public DateTimeOffset Created { get; init; }
    public string Currency { get; init; } = string.Empty;
    public bool Livemode { get; init; }
    public string? LookupKey { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = [];
    public string? Nickname { get; init; }
    public Expandable<Product>? Product { get; init; }
    public PriceRecurring? Recurring { get; init; }

    /// <summary><c>exclusive</c>, <c>inclusive</c> or <c>unspecified</c>.</summary>
    public string? TaxBehavior { get; init; }
    public string? TiersMode { get; init; }

    /// <summary><c>one_time</c> or <c>recurring</c>.</summary>
    public string Type { get; init; } = string.Empty;
    public long? UnitAmount { get; init; }
    public decimal? UnitAmountDecimal { get; init; }
}

public sealed class PriceRecurring
{
    /// <summary><c>day</c>, <c>week</c>, <c>month</c> or <c>year</c>.</summary>
    public string Interval { get; set; } = string.Empty;
    public long? IntervalCount { get; set; }
    public string? Meter { get; set; }
    public long? TrialPeriodDays { get; set; }

    /// <summary><c>licensed</c> or <c>metered</c>.</summary>
    public string? UsageType { get; set; }
}

public static class PriceTypes
{
    public const string OneTime = "one_time";
    public const string Recurring = "recurring";
}

public sealed class PriceCreateOptions : StripeOptions
{
    public required string Currency { get; set; }
    public bool? Active { get; set; }
    public string? BillingScheme { get; set; }
    public string? LookupKey { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Nickname { get; set; }
    public string? Product { get; set; }
    public PriceRecurring? Recurring { get; set; }
    public string? TaxBehavior { get; set; }

    /// <summary>Moves <see cref="LookupKey"/> from the price that holds it to this one, atomically.</summary>
    public bool? TransferLookupKey { get; set; }
    public long? UnitAmount { get; set; }
    public decimal? UnitAmountDecimal { get; set; }
}

public sealed class PriceUpdateOptions : StripeOptions
{
    public bool? Active { get; set; }

    /// <summary>An empty string removes the lookup key.</summary>
    public string? LookupKey { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Nickname { get; set; }
    public string? TaxBehavior { get; set; }
    public bool? TransferLookupKey { get; set; }
}

public sealed class PriceListOptions : ListOptions
{
    public bool? Active { get; set; }
    public DateRangeFilter? Created { get; set; }
    public string? Currency { get; set; }
    public List<string>? LookupKeys { get; set; }
    public string? Product { get; set; }
    public PriceRecurringFilter? Recurring { get; set; }
    public string? Type { get; set; }
}

public sealed class PriceRecurringFilter
{
    public string? Interval { get; set; }
    public string? Meter { get; set; }
    public string? UsageType { get; set; }
}
