using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Subscriptions;

public sealed class SubscriptionService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<Subscription> CreateAsync(SubscriptionCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Subscription>("/v1/subscriptions", options, requestOptions, cancellationToken);

    public Task<Subscription> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<Subscription>("/v1/subscriptions/{id}", options, requestOptions, cancellationToken, id);

    public Task<Subscription> UpdateAsync(string id, SubscriptionUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Subscription>("/v1/subscriptions/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Cancels at once (<c>DELETE</c>); to cancel at the period end, update <c>cancel_at_period_end</c> instead.</summary>
    public Task<Subscription> CancelAsync(string id, SubscriptionCancelOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<Subscription>("/v1/subscriptions/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Without a status filter Stripe leaves canceled subscriptions out; ask for <c>status=all</c> to include them.</summary>
    public Task<StripeList<Subscription>> ListAsync(SubscriptionListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<Subscription>>("/v1/subscriptions", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<Subscription> ListAutoPagingAsync(SubscriptionListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<Subscription, SubscriptionListOptions>("/v1/subscriptions", options ?? new(), requestOptions, cancellationToken);
}
