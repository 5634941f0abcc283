using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.PromotionCodes;

public sealed class PromotionCodeService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<PromotionCode> CreateAsync(PromotionCodeCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<PromotionCode>("/v1/promotion_codes", options, requestOptions, cancellationToken);

    public Task<PromotionCode> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<PromotionCode>("/v1/promotion_codes/{id}", options, requestOptions, cancellationToken, id);

    public Task<PromotionCode> UpdateAsync(string id, PromotionCodeUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<PromotionCode>("/v1/promotion_codes/{id}", options, requestOptions, cancellationToken, id);

    public Task<StripeList<PromotionCode>> ListAsync(PromotionCodeListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<PromotionCode>>("/v1/promotion_codes", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<PromotionCode> ListAutoPagingAsync(PromotionCodeListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<PromotionCode, PromotionCodeListOptions>("/v1/promotion_codes", options ?? new(), requestOptions, cancellationToken);
}
