using Yapit.StripeApi.Common;

namespace Yapit.StripeApi.Resources.BillingPortal;

/// <summary>A short-lived link into the customer portal (<c>bps_...</c>).</summary>
public sealed class PortalSession : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "billing_portal.session";
    public string? Configuration { get; init; }
    public DateTimeOffset Created { get; init; }
    public string Customer { get; init; } = string.Empty;
    public bool Livemode { get; init; }
    public string? Locale { get; init; }
    public string? ReturnUrl { get; init; }
    public string Url { get; init; } = string.Empty;
}

public sealed class PortalSessionCreateOptions : StripeOptions
{
    public required string Customer { get; set; }
    public string? Configuration { get; set; }
    public PortalFlowData? FlowData { get; set; }
    public string? Locale { get; set; }
    public string? ReturnUrl { get; set; }
}

/// <summary>Opens the portal on one flow (e.g. <c>subscription_update</c> of a given subscription).</summary>
public sealed class PortalFlowData
{
    /// <summary><c>payment_method_update</c>, <c>subscription_cancel</c>, <c>subscription_update</c>, <c>subscription_update_confirm</c>.</summary>
    public string Type { get; set; } = string.Empty;
    public PortalFlowSubscription? SubscriptionCancel { get; set; }
    public PortalFlowSubscription? SubscriptionUpdate { get; set; }
    public PortalFlowAfterCompletion? AfterCompletion { get; set; }
}

public sealed class PortalFlowSubscription
{
    public string Subscription { get; set; } = string.Empty;
}

public sealed class PortalFlowAfterCompletion
{
    /// <summary><c>hosted_confirmation</c>, <c>portal_homepage</c> or <c>redirect</c>.</summary>
    public string Type { get; set; } = string.Empty;
    public PortalFlowRedirect? Redirect { get; set; }
}

public sealed class PortalFlowRedirect
{
    public string ReturnUrl { get; set; } = string.Empty;
}
