using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.BillingPortal;

public sealed class BillingPortalServices(StripeRequestPipeline pipeline)
{
    public PortalConfigurationService Configurations { get; } = new(pipeline);
    public PortalSessionService Sessions { get; } = new(pipeline);
}

public sealed class PortalConfigurationService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    private const string Path = "/v1/billing_portal/configurations";

    public Task<PortalConfiguration> CreateAsync(PortalConfigurationCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<PortalConfiguration>(Path, options, requestOptions, cancellationToken);

    public Task<PortalConfiguration> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<PortalConfiguration>(Path + "/{id}", options, requestOptions, cancellationToken, id);

    public Task<PortalConfiguration> UpdateAsync(string id, PortalConfigurationUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<PortalConfiguration>(Path + "/{id}", options, requestOptions, cancellationToken, id);

    public Task<StripeList<PortalConfiguration>> ListAsync(PortalConfigurationListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<PortalConfiguration>>(Path, options, requestOptions, cancellationToken);

    public IAsyncEnumerable<PortalConfiguration> ListAutoPagingAsync(PortalConfigurationListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<PortalConfiguration, PortalConfigurationListOptions>(Path, options ?? new(), requestOptions, cancellationToken);
}

public sealed class PortalSessionService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<PortalSession> CreateAsync(PortalSessionCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<PortalSession>("/v1/billing_portal/sessions", options, requestOptions, cancellationToken);
}
