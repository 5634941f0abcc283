using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.BillingPortal;
using Yapit.Billing.Catalog;
using Yapit.Billing.Subscriptions;

namespace Yapit.Billing.Checkout;

/// <summary>The portal's deep links (Stripe's <c>flow_data.type</c>).</summary>
public static class PortalFlows
{
    public const string SubscriptionUpdate = "subscription_update";
    public const string SubscriptionCancel = "subscription_cancel";
    public const string PaymentMethodUpdate = "payment_method_update";

    public static readonly IReadOnlyList<string> All = [SubscriptionUpdate, SubscriptionCancel, PaymentMethodUpdate];
}

/// <summary>
/// Opens Stripe's customer portal for a user's customer with one of the catalog's portal configurations, chosen by
/// its catalog key. stripe-setup marks each configuration it manages with <c>managed_by</c> and <c>catalog_key</c>
/// metadata (<see cref="CatalogMarkers"/>); the key-to-id map is read from Stripe and kept for a few minutes.
/// </summary>
public sealed class PortalService(
    IStripeClient stripe,
    SubscriptionStore store,
    IOptionsMonitor<BillingOptions> options,
    TimeProvider time,
    ILogger<PortalService> logger)
{
    /// <summary>The configuration used when the request names none: the catalog's "Manage subscription" portal.</summary>
    public const string DefaultConfigurationKey = "manage";

    /// <summary>The product's page the portal returns to.</summary>
    public const string ReturnPath = "/subscription";

    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RefreshUnknownAfter = TimeSpan.FromSeconds(30);

    private readonly ConfigurationService _configurations = new(stripe);
    private readonly SessionService _sessions = new(stripe);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (DateTimeOffset ReadAt, IReadOnlyDictionary<string, string> IdsByKey)? _cache;

    public async Task<PortalResult> CreateAsync(string userId, string? configurationKey, string? flow, CancellationToken cancellationToken)
    {
        using var activity = SubscriptionTelemetry.Start("portal session", userId);
        activity?.SetTag("yapit.portal_configuration", configurationKey ?? DefaultConfigurationKey);
        activity?.SetTag("yapit.portal_flow", flow);
        var configurationId = await ConfigurationIdAsync(configurationKey ?? DefaultConfigurationKey, cancellationToken).ConfigureAwait(false);
        if (configurationId is null && configurationKey is not null)
        {
            return new PortalUnknownConfiguration(configurationKey, [.. (await IdsByKeyAsync(false, cancellationToken).ConfigureAwait(false)).Keys.Order(StringComparer.Ordinal)]);
        }
        // Canceled users keep their customer: invoices and payment methods stay reachable.
        var customerId = await store.FindCustomerAsync(userId, cancellationToken).ConfigureAwait(false);
        if (customerId is null)
        {
            return new PortalNoCustomer();
        }
        activity?.SetTag("stripe.customer_id", customerId);
        SessionFlowDataOptions? flowData = null;
        if (flow is PortalFlows.SubscriptionUpdate or PortalFlows.SubscriptionCancel)
        {
            var subscription = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
            if (subscription is null || SubscriptionStatus.IsEnded(subscription.Stripe.Status) || subscription.Stripe.CustomerId != customerId)
            {
                return new PortalNoSubscription(flow);
            }
            var id = subscription.Stripe.SubscriptionId;
            activity?.SetTag("stripe.subscription_id", id);
            flowData = flow == PortalFlows.SubscriptionUpdate
                ? new SessionFlowDataOptions { Type = flow, SubscriptionUpdate = new SessionFlowDataSubscriptionUpdateOptions { Subscription = id } }
                : new SessionFlowDataOptions { Type = flow, SubscriptionCancel = new SessionFlowDataSubscriptionCancelOptions { Subscription = id } };
        }
        else if (flow == PortalFlows.PaymentMethodUpdate)
        {
            flowData = new SessionFlowDataOptions { Type = flow };
        }
        Session session;
        try
        {
            session = await _sessions.CreateAsync(new SessionCreateOptions
            {
                Customer = customerId,
                Configuration = configurationId,
                FlowData = flowData,
                ReturnUrl = options.CurrentValue.AppOrigin.ToString().TrimEnd('/') + ReturnPath,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.NotFound || (e.StripeError?.Code == "resource_missing" && e.StripeError.Param == "customer"))
        {
            // Deleted in Stripe before customer.deleted reached us: the next checkout creates a new customer.
            logger.LogInformation("Stripe customer {CustomerId} of user {UserId} is gone; no portal", customerId, userId);
            await store.MarkCustomerDeletedAsync(customerId, ChangeReason.Request(activity?.TraceId.ToString() ?? "portal", "portal"), cancellationToken).ConfigureAwait(false);
            return new PortalNoCustomer();
        }
        activity?.SetTag("stripe.portal_session_id", session.Id);
        SubscriptionTelemetry.PortalSessions.Add(1, new KeyValuePair<string, object?>("configuration", configurationKey ?? DefaultConfigurationKey), new("flow", flow ?? "none"));
        return new PortalCreated(session.Url, session.Id);
    }

    /// <summary>The Stripe id of the catalog's configuration with this key, or null; an unknown key re-reads Stripe (at most every 30 s).</summary>
    public async Task<string?> ConfigurationIdAsync(string key, CancellationToken cancellationToken)
    {
        var ids = await IdsByKeyAsync(false, cancellationToken).ConfigureAwait(false);
        if (ids.TryGetValue(key, out var id))
        {
            return id;
        }
        if (_cache is { } cached && time.GetUtcNow() - cached.ReadAt < RefreshUnknownAfter)
        {
            return null;
        }
        return (await IdsByKeyAsync(true, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(key);
    }

    private async Task<IReadOnlyDictionary<string, string>> IdsByKeyAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && _cache is { } cached && time.GetUtcNow() - cached.ReadAt < CacheFor)
        {
            return cached.IdsByKey;
        }
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            await foreach (var configuration in _configurations.ListAutoPagingAsync(new ConfigurationListOptions { Active = true, Limit = 100 }, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (configuration.Metadata?.GetValueOrDefault(CatalogMarkers.ManagedByKey) == CatalogMarkers.ManagedByValue
                    && configuration.Metadata.GetValueOrDefault(CatalogMarkers.CatalogKey) is { Length: > 0 } key)
                {
                    ids[key] = configuration.Id;
                }
            }
            _cache = (time.GetUtcNow(), ids);
            return ids;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
