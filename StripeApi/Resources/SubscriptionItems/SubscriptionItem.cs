using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Prices;

namespace Yapit.StripeApi.Resources.SubscriptionItems;

/// <summary>
/// One price on a subscription (<c>si_...</c>). Since the 2025 API versions the billing period lives here
/// (<see cref="CurrentPeriodStart"/>, <see cref="CurrentPeriodEnd"/>), not on the subscription.
/// </summary>
public sealed class SubscriptionItem : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "subscription_item";
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset CurrentPeriodStart { get; init; }
    public DateTimeOffset CurrentPeriodEnd { get; init; }

    /// <summary>True on what a delete returns.</summary>
    public bool? Deleted { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = [];

    /// <summary>The whole price, always (not an id).</summary>
    public Price? Price { get; init; }
    public long? Quantity { get; init; }
    public string Subscription { get; init; } = string.Empty;
}

/// <summary>An inline price (<c>price_data</c>) for a subscription item, instead of a price id.</summary>
public sealed class SubscriptionItemPriceData
{
    public required string Currency { get; set; }
    public required string Product { get; set; }
    public required SubscriptionItemRecurring Recurring { get; set; }

    /// <summary><c>exclusive</c>, <c>inclusive</c> or <c>unspecified</c>.</summary>
    public string? TaxBehavior { get; set; }
    public long? UnitAmount { get; set; }
    public decimal? UnitAmountDecimal { get; set; }
}

public sealed class SubscriptionItemRecurring
{
    /// <summary><c>day</c>, <c>week</c>, <c>month</c> or <c>year</c>.</summary>
    public required string Interval { get; set; }
    public long? IntervalCount { get; set; }
}

/// <summary>How a change is prorated: <c>create_prorations</c> (the default), <c>always_invoice</c> or <c>none</c>.</summary>
public static class ProrationBehaviors
{
    public const string CreateProrations = "create_prorations";
    public const string AlwaysInvoice = "always_invoice";
    public const string None = "none";
}

/// <summary>
/// What happens when a change needs a payment that fails: <c>allow_incomplete</c>, <c>default_incomplete</c>,
/// <c>error_if_incomplete</c> or <c>pending_if_incomplete</c>.
/// </summary>
public static class PaymentBehaviors
{
    public const string AllowIncomplete = "allow_incomplete";
    public const string DefaultIncomplete = "default_incomplete";
    public const string ErrorIfIncomplete = "error_if_incomplete";
    public const string PendingIfIncomplete = "pending_if_incomplete";
}

public sealed class SubscriptionItemCreateOptions : StripeOptions
{
    public required string Subscription { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }

    /// <summary>See <see cref="PaymentBehaviors"/>.</summary>
    public string? PaymentBehavior { get; set; }
    public string? Price { get; set; }
    public SubscriptionItemPriceData? PriceData { get; set; }

    /// <summary>See <see cref="ProrationBehaviors"/>.</summary>
    public string? ProrationBehavior { get; set; }

    /// <summary>Prorate as if the change happened at this time.</summary>
    public DateTimeOffset? ProrationDate { get; set; }
    public long? Quantity { get; set; }
}

public sealed class SubscriptionItemUpdateOptions : StripeOptions
{
    public Dictionary<string, string?>? Metadata { get; set; }
    public bool? OffSession { get; set; }
    public string? PaymentBehavior { get; set; }
    public string? Price { get; set; }
    public SubscriptionItemPriceData? PriceData { get; set; }
    public string? ProrationBehavior { get; set; }
    public DateTimeOffset? ProrationDate { get; set; }
    public long? Quantity { get; set; }
}

/// <summary>Parameters of a delete (sent in the query string).</summary>
public sealed class SubscriptionItemDeleteOptions : StripeOptions
{
    /// <summary>Deletes the metered usage of the period too (it is otherwise billed at the period end).</summary>
    public bool? ClearUsage { get; set; }
    public string? PaymentBehavior { get; set; }
    public string? ProrationBehavior { get; set; }
    public DateTimeOffset? ProrationDate { get; set; }
}

public sealed class SubscriptionItemListOptions : ListOptions
{
    public required string Subscription { get; set; }
}
