using Yapit.StripeApi;
using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.BillingPortal;
using Yapit.StripeApi.Resources.Coupons;
using Yapit.StripeApi.Resources.Prices;
using Yapit.StripeApi.Resources.Products;
using Yapit.StripeApi.Resources.PromotionCodes;
using Yapit.StripeApi.Resources.WebhookEndpoints;

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
    public static async Task<StripeState> ReadAsync(StripeClient stripe, CancellationToken cancellationToken)
    {
        var products = ToListAsync(stripe.Products.ListAutoPagingAsync(new ProductListOptions { Limit = ListOptions.MaxLimit }, cancellationToken: cancellationToken));
        var prices = ToListAsync(stripe.Prices.ListAutoPagingAsync(new PriceListOptions { Limit = ListOptions.MaxLimit }, cancellationToken: cancellationToken));
        var coupons = ToListAsync(stripe.Coupons.ListAutoPagingAsync(new CouponListOptions { Limit = ListOptions.MaxLimit }, cancellationToken: cancellationToken));
        var codes = ToListAsync(stripe.PromotionCodes.ListAutoPagingAsync(new PromotionCodeListOptions { Limit = ListOptions.MaxLimit }, cancellationToken: cancellationToken));
        var portals = ToListAsync(stripe.BillingPortal.Configurations.ListAutoPagingAsync(new PortalConfigurationListOptions
        {
            Limit = ListOptions.MaxLimit,
            Expand = ["data.features.subscription_update.products"],
        }, cancellationToken: cancellationToken));
        var webhooks = ToListAsync(stripe.WebhookEndpoints.ListAutoPagingAsync(new WebhookEndpointListOptions { Limit = ListOptions.MaxLimit }, cancellationToken: cancellationToken));
        await Task.WhenAll(products, prices, coupons, codes, portals, webhooks).ConfigureAwait(false);
        return new StripeState(products.Result, prices.Result, coupons.Result, codes.Result, portals.Result, webhooks.Result);
    }

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
