using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.SubscriptionItems;

public sealed class SubscriptionItemService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<SubscriptionItem> CreateAsync(SubscriptionItemCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<SubscriptionItem>("/v1/subscription_items", options, requestOptions, cancellationToken);

    public Task<SubscriptionItem> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<SubscriptionItem>("/v1/subscription_items/{id}", options, requestOptions, cancellationToken, id);

    public Task<SubscriptionItem> UpdateAsync(string id, SubscriptionItemUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<SubscriptionItem>("/v1/subscription_items/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Removes the item from its subscription; a subscription keeps at least one item.</summary>
    public Task<DeletedObject> DeleteAsync(string id, SubscriptionItemDeleteOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeletedObject>("/v1/subscription_items/{id}", options, requestOptions, cancellationToken, id);

    public Task<StripeList<SubscriptionItem>> ListAsync(SubscriptionItemListOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<SubscriptionItem>>("/v1/subscription_items", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<SubscriptionItem> ListAutoPagingAsync(SubscriptionItemListOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<SubscriptionItem, SubscriptionItemListOptions>("/v1/subscription_items", options, requestOptions, cancellationToken);
}
