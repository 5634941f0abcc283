using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;
using Yapit.StripeApi.Webhooks;

namespace Yapit.StripeApi.Resources.Events;

public sealed class EventListOptions : ListOptions
{
    public DateRangeFilter? Created { get; set; }

    /// <summary>Only events whose delivery to every endpoint succeeded (true) or failed (false).</summary>
    public bool? DeliverySuccess { get; set; }

    /// <summary>One type, or a prefix pattern such as <c>price.*</c>.</summary>
    public string? Type { get; set; }
    public List<string>? Types { get; set; }
}

/// <summary>Events of the last 30 days, newest first.</summary>
public sealed class EventService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<StripeEvent> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeEvent>("/v1/events/{id}", options, requestOptions, cancellationToken, id);

    public Task<StripeList<StripeEvent>> ListAsync(EventListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<StripeEvent>>("/v1/events", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<StripeEvent> ListAutoPagingAsync(EventListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<StripeEvent, EventListOptions>("/v1/events", options ?? new(), requestOptions, cancellationToken);
}
