using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.WebhookEndpoints;

public sealed class WebhookEndpointService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<WebhookEndpoint> CreateAsync(WebhookEndpointCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<WebhookEndpoint>("/v1/webhook_endpoints", options, requestOptions, cancellationToken);

    public Task<WebhookEndpoint> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<WebhookEndpoint>("/v1/webhook_endpoints/{id}", options, requestOptions, cancellationToken, id);

    public Task<WebhookEndpoint> UpdateAsync(string id, WebhookEndpointUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<WebhookEndpoint>("/v1/webhook_endpoints/{id}", options, requestOptions, cancellationToken, id);

    public Task<DeletedObject> DeleteAsync(string id, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeletedObject>("/v1/webhook_endpoints/{id}", null, requestOptions, cancellationToken, id);

    public Task<StripeList<WebhookEndpoint>> ListAsync(WebhookEndpointListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<WebhookEndpoint>>("/v1/webhook_endpoints", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<WebhookEndpoint> ListAutoPagingAsync(WebhookEndpointListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<WebhookEndpoint, WebhookEndpointListOptions>("/v1/webhook_endpoints", options ?? new(), requestOptions, cancellationToken);
}
