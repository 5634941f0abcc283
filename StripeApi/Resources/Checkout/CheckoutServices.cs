using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Checkout;

public sealed class CheckoutServices(StripeRequestPipeline pipeline)
{
    public CheckoutSessionService Sessions { get; } = new(pipeline);
}

public sealed class CheckoutSessionService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    private const string Path = "/v1/checkout/sessions";

    public Task<CheckoutSession> CreateAsync(CheckoutSessionCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<CheckoutSession>(Path, options, requestOptions, cancellationToken);

    public Task<CheckoutSession> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<CheckoutSession>(Path + "/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Closes an open session so it can no longer be completed (status becomes <c>expired</c>).</summary>
    public Task<CheckoutSession> ExpireAsync(string id, CheckoutSessionExpireOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<CheckoutSession>(Path + "/{id}/expire", options, requestOptions, cancellationToken, id);

    public Task<StripeList<CheckoutSession>> ListAsync(CheckoutSessionListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<CheckoutSession>>(Path, options, requestOptions, cancellationToken);

    public IAsyncEnumerable<CheckoutSession> ListAutoPagingAsync(CheckoutSessionListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<CheckoutSession, CheckoutSessionListOptions>(Path, options ?? new(), requestOptions, cancellationToken);

    public Task<StripeList<CheckoutLineItem>> ListLineItemsAsync(string sessionId, CheckoutLineItemListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<CheckoutLineItem>>(Path + "/{id}/line_items", options, requestOptions, cancellationToken, sessionId);

    public IAsyncEnumerable<CheckoutLineItem> ListLineItemsAutoPagingAsync(string sessionId, CheckoutLineItemListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<CheckoutLineItem, CheckoutLineItemListOptions>(Path + "/{id}/line_items", options ?? new(), requestOptions, cancellationToken, sessionId);
}
