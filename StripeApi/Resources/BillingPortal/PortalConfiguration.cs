using Yapit.StripeApi.Common;

namespace Yapit.StripeApi.Resources.BillingPortal;

/// <summary>
/// A customer portal configuration (<c>bpc_...</c>). Its <c>features.subscription_update.products</c> is returned
/// only when expanded (<c>expand[]=features.subscription_update.products</c>).
/// </summary>
public sealed class PortalConfiguration : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "billing_portal.configuration";
    public bool Active { get; init; }
    public PortalBusinessProfile BusinessProfile { get; init; } = new();
    public DateTimeOffset Created { get; init; }
    public string? DefaultReturnUrl { get; init; }
    public PortalFeatures Features { get; init; } = new();
    public bool IsDefault { get; init; }
    public bool Livemode { get; init; }
    public PortalLoginPage? LoginPage { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public string? Name { get; init; }
    public DateTimeOffset? Updated { get; init; }
}

// The nested types serve both as response objects and as request parameters: null members are left out of requests.

public sealed class PortalBusinessProfile
{
    public string? Headline { get; set; }
    public string? PrivacyPolicyUrl { get; set; }
    public string? TermsOfServiceUrl { get; set; }
}

public sealed class PortalLoginPage
{
    public bool Enabled { get; set; }
    public string? Url { get; set; }
}

public sealed class PortalFeatures
{
    public PortalCustomerUpdate? CustomerUpdate { get; set; }
    public PortalEnabled? InvoiceHistory { get; set; }
    public PortalPaymentMethodUpdate? PaymentMethodUpdate { get; set; }
    public PortalSubscriptionCancel? SubscriptionCancel { get; set; }
    public PortalEnabled? SubscriptionPause { get; set; }
    public PortalSubscriptionUpdate? SubscriptionUpdate { get; set; }
}

public sealed class PortalEnabled
{
    public bool Enabled { get; set; }
}

public sealed class PortalCustomerUpdate
{
    /// <summary><c>address</c>, <c>email</c>, <c>name</c>, <c>phone</c>, <c>shipping</c>, <c>tax_id</c>.</summary>
    public List<string>? AllowedUpdates { get; set; }
    public bool Enabled { get; set; }
}

public sealed class PortalPaymentMethodUpdate
{
    public bool Enabled { get; set; }
    public string? PaymentMethodConfiguration { get; set; }
}

public sealed class PortalSubscriptionCancel
{
    public PortalCancellationReason? CancellationReason { get; set; }
    public bool Enabled { get; set; }

    /// <summary><c>at_period_end</c> or <c>immediately</c>.</summary>
    public string? Mode { get; set; }
    public string? ProrationBehavior { get; set; }
}

public sealed class PortalCancellationReason
{
    public bool Enabled { get; set; }

    /// <summary><c>too_expensive</c>, <c>missing_features</c>, <c>switched_service</c>, <c>unused</c>, ...</summary>
    public List<string>? Options { get; set; }
}

public sealed class PortalSubscriptionUpdate
{
    public string? BillingCycleAnchor { get; set; }

    /// <summary><c>price</c>, <c>promotion_code</c>, <c>quantity</c>.</summary>
    public List<string>? DefaultAllowedUpdates { get; set; }
    public bool Enabled { get; set; }
    public List<PortalProduct>? Products { get; set; }

    /// <summary><c>always_invoice</c>, <c>create_prorations</c> or <c>none</c>.</summary>
    public string? ProrationBehavior { get; set; }
    public PortalScheduleAtPeriodEnd? ScheduleAtPeriodEnd { get; set; }
    public string? TrialUpdateBehavior { get; set; }
}

public sealed class PortalProduct
{
    public string Product { get; set; } = string.Empty;
    public List<string> Prices { get; set; } = [];
    public PortalAdjustableQuantity? AdjustableQuantity { get; set; }
}

public sealed class PortalAdjustableQuantity
{
    public bool Enabled { get; set; }
    public long? Maximum { get; set; }
    public long? Minimum { get; set; }
}

public sealed class PortalScheduleAtPeriodEnd
{
    /// <summary>An empty list clears them (changes then apply immediately).</summary>
    public List<PortalScheduleCondition>? Conditions { get; set; }
}

public sealed class PortalScheduleCondition
{
    /// <summary><c>decreasing_item_amount</c> or <c>shortening_interval</c>.</summary>
    public string Type { get; set; } = string.Empty;
}

public sealed class PortalConfigurationCreateOptions : StripeOptions
{
    public required PortalFeatures Features { get; set; }
    public PortalBusinessProfile? BusinessProfile { get; set; }
    public string? DefaultReturnUrl { get; set; }
    public PortalLoginPage? LoginPage { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }
}

public sealed class PortalConfigurationUpdateOptions : StripeOptions
{
    public bool? Active { get; set; }
    public PortalBusinessProfile? BusinessProfile { get; set; }

    /// <summary>An empty string clears it.</summary>
    public string? DefaultReturnUrl { get; set; }
    public PortalFeatures? Features { get; set; }
    public PortalLoginPage? LoginPage { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }
}

public sealed class PortalConfigurationListOptions : ListOptions
{
    public bool? Active { get; set; }
    public bool? IsDefault { get; set; }
}
