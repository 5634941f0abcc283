using Yapit.StripeApi.Common;

namespace Yapit.StripeApi.Resources.Coupons;

/// <summary>A coupon: its discount and duration are immutable; only name and metadata can change.</summary>
public sealed class Coupon : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "coupon";
    public long? AmountOff { get; init; }

    /// <summary>Returned only when expanded (<c>expand[]=applies_to</c>).</summary>
    public CouponAppliesTo? AppliesTo { get; init; }
    public DateTimeOffset Created { get; init; }
    public string? Currency { get; init; }

    /// <summary><c>once</c>, <c>repeating</c> or <c>forever</c>.</summary>
    public string Duration { get; init; } = string.Empty;
    public long? DurationInMonths { get; init; }
    public bool Livemode { get; init; }
    public long? MaxRedemptions { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public string? Name { get; init; }
    public decimal? PercentOff { get; init; }
    public DateTimeOffset? RedeemBy { get; init; }
    public long TimesRedeemed { get; init; }
    public bool Valid { get; init; }
}

public sealed class CouponAppliesTo
{
    public List<string> Products { get; set; } = [];
}

public static class CouponDurations
{
    public const string Once = "once";
    public const string Repeating = "repeating";
    public const string Forever = "forever";
}

public sealed class CouponCreateOptions : StripeOptions
{
    /// <summary>A custom id (e.g. <c>beta_100</c>); Stripe generates one when absent.</summary>
    public string? Id { get; set; }
    public long? AmountOff { get; set; }
    public CouponAppliesTo? AppliesTo { get; set; }
    public string? Currency { get; set; }
    public string? Duration { get; set; }
    public long? DurationInMonths { get; set; }
    public long? MaxRedemptions { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }
    public decimal? PercentOff { get; set; }
    public DateTimeOffset? RedeemBy { get; set; }
}

public sealed class CouponUpdateOptions : StripeOptions
{
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }
}

public sealed class CouponListOptions : ListOptions
{
    public DateRangeFilter? Created { get; set; }
}
