using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Prices;

public sealed class PriceService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<Price> CreateAsync(PriceCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Price>("/v1/prices", options, requestOptions, cancellationToken);

    public Task<Price> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<Price>("/v1/prices/{id}", options, requestOptions, cancellationToken, id);

    public Task<Price> UpdateAsync(string id, PriceUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Price>("/v1/prices/{id}", options, requestOptions, cancellationToken, id);

    public Task<StripeList<Price>> ListAsync(PriceListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<Price>>("/v1/prices", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<Price> ListAutoPagingAsync(PriceListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<Price, PriceListOptions>("/v1/prices", options ?? new(), requestOptions, cancellationToken);
}
