using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Coupons;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Resources.PromotionCodes;

/// <summary>
/// A customer-facing code (<c>promo_...</c>). Since the 2025 API versions it points at its coupon through
/// <c>promotion.coupon</c> and is created with <c>promotion[type]=coupon&amp;promotion[coupon]=...</c>.
/// </summary>
public sealed class PromotionCode : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "promotion_code";
    public bool Active { get; init; }
    public string Code { get; init; } = string.Empty;
    public DateTimeOffset Created { get; init; }
    public string? Customer { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Livemode { get; init; }
    public long? MaxRedemptions { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public PromotionCodePromotion Promotion { get; init; } = new();
    public PromotionCodeRestrictions Restrictions { get; init; } = new();
    public long TimesRedeemed { get; init; }
}

public sealed class PromotionCodePromotion
{
    public Expandable<Coupon>? Coupon { get; init; }

    /// <summary><c>coupon</c>.</summary>
    public string Type { get; init; } = "coupon";
}

public sealed class PromotionCodeRestrictions
{
    public bool? FirstTimeTransaction { get; set; }
    public long? MinimumAmount { get; set; }
    public string? MinimumAmountCurrency { get; set; }
}

public sealed class PromotionCodeCreateOptions : StripeOptions
{
    public required PromotionInput Promotion { get; set; }
    public bool? Active { get; set; }
    public string? Code { get; set; }
    public string? Customer { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public long? MaxRedemptions { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public PromotionCodeRestrictions? Restrictions { get; set; }
}

public sealed class PromotionInput
{
    public string Type { get; set; } = "coupon";
    public string? Coupon { get; set; }
}

public sealed class PromotionCodeUpdateOptions : StripeOptions
{
    public bool? Active { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
}

public sealed class PromotionCodeListOptions : ListOptions
{
    public bool? Active { get; set; }
    public string? Code { get; set; }
    public string? Coupon { get; set; }
    public DateRangeFilter? Created { get; set; }
    public string? Customer { get; set; }
}
