using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Coupons;

public sealed class CouponService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<Coupon> CreateAsync(CouponCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Coupon>("/v1/coupons", options, requestOptions, cancellationToken);

    public Task<Coupon> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<Coupon>("/v1/coupons/{id}", options, requestOptions, cancellationToken, id);

    public Task<Coupon> UpdateAsync(string id, CouponUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Coupon>("/v1/coupons/{id}", options, requestOptions, cancellationToken, id);

    public Task<DeletedObject> DeleteAsync(string id, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeletedObject>("/v1/coupons/{id}", null, requestOptions, cancellationToken, id);

    public Task<StripeList<Coupon>> ListAsync(CouponListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<Coupon>>("/v1/coupons", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<Coupon> ListAutoPagingAsync(CouponListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<Coupon, CouponListOptions>("/v1/coupons", options ?? new(), requestOptions, cancellationToken);
}
