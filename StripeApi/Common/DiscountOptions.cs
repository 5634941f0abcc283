namespace Yapit.StripeApi.Common;

/// <summary>One discount to apply (<c>discounts[0][coupon]=...</c>): a coupon, a promotion code or an existing discount.</summary>
public sealed class DiscountOptions
{
    public string? Coupon { get; set; }
    public string? Discount { get; set; }
    public string? PromotionCode { get; set; }
}
