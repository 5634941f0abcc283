using Stripe;
using PortalConfiguration = Stripe.BillingPortal.Configuration;
using PortalConfigurationListOptions = Stripe.BillingPortal.ConfigurationListOptions;
using PortalConfigurationService = Stripe.BillingPortal.ConfigurationService;

namespace Yapit.StripeSetup.Planning;

/// <summary>What Stripe holds of the kinds the catalog manages, read with list calls only.</summary>
public sealed record StripeState(
    IReadOnlyList<Product> Products,
    IReadOnlyList<Price> Prices,
    IReadOnlyList<Coupon> Coupons,
    IReadOnlyList<PromotionCode> PromotionCodes,
    IReadOnlyList<PortalConfiguration> PortalConfigurations,
    IReadOnlyList<WebhookEndpoint> WebhookEndpoints)
{
    /// <summary>
    /// One paged list per resource type, 100 per page; never one call per resource. Portal configurations are read
    /// with their subscription_update products expanded, or every plan would see them as changed.
    /// </summary>
    public static async Task<StripeState> ReadAsync(IStripeClient stripe, CancellationToken cancellationToken)
    {
        var products = ToListAsync(new ProductService(stripe).ListAutoPagingAsync(new ProductListOptions { Limit = MaxLimit }, cancellationToken: cancellationToken));
        var prices = ToListAsync(new PriceService(stripe).ListAutoPagingAsync(new PriceListOptions { Limit = MaxLimit }, cancellationToken: cancellationToken));
        var coupons = ToListAsync(new CouponService(stripe).ListAutoPagingAsync(new CouponListOptions { Limit = MaxLimit }, cancellationToken: cancellationToken));
        var codes = ToListAsync(new PromotionCodeService(stripe).ListAutoPagingAsync(new PromotionCodeListOptions { Limit = MaxLimit }, cancellationToken: cancellationToken));
        var portals = ToListAsync(new PortalConfigurationService(stripe).ListAutoPagingAsync(new PortalConfigurationListOptions
        {
            Limit = MaxLimit,
            Expand = ["data.features.subscription_update.products"],
        }, cancellationToken: cancellationToken));
        var webhooks = ToListAsync(new WebhookEndpointService(stripe).ListAutoPagingAsync(new WebhookEndpointListOptions { Limit = MaxLimit }, cancellationToken: cancellationToken));
        await Task.WhenAll(products, prices, coupons, codes, portals, webhooks).ConfigureAwait(false);
        return new StripeState(products.Result, prices.Result, coupons.Result, codes.Result, portals.Result, webhooks.Result);
    }

    /// <summary>Stripe's largest page.</summary>
    public const int MaxLimit = 100;

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items.ConfigureAwait(false))
        {
            list.Add(item);
        }
        return list;
    }
}
