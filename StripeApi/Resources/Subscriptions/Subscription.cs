using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Invoices;
using Yapit.StripeApi.Resources.SubscriptionItems;
using Yapit.StripeApi.Resources.TestHelpers;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Resources.Subscriptions;

/// <summary>
/// A subscription (<c>sub_...</c>). Its billing period is on each item (<c>items.data[].current_period_start/end</c>)
/// since the 2025 API versions; the subscription itself no longer carries one.
/// </summary>
public sealed class Subscription : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "subscription";
    public DateTimeOffset BillingCycleAnchor { get; init; }

    /// <summary>When the subscription is set to end (set by <c>cancel_at</c>, or the period end with <c>cancel_at_period_end</c>).</summary>
    public DateTimeOffset? CancelAt { get; init; }
    public bool CancelAtPeriodEnd { get; init; }

    /// <summary>When cancellation was requested (the end may be later, see <see cref="CancelAt"/>).</summary>
    public DateTimeOffset? CanceledAt { get; init; }
    public SubscriptionCancellationDetails? CancellationDetails { get; init; }

    /// <summary><c>charge_automatically</c> or <c>send_invoice</c>.</summary>
    public string? CollectionMethod { get; init; }
    public DateTimeOffset Created { get; init; }
    public string Currency { get; init; } = string.Empty;
    public Expandable<Customer>? Customer { get; init; }
    public long? DaysUntilDue { get; init; }
    public Expandable<StripeObject>? DefaultPaymentMethod { get; init; }
    public string? Description { get; init; }

    /// <summary>When the subscription ended, if it has.</summary>
    public DateTimeOffset? EndedAt { get; init; }
    public StripeList<SubscriptionItem> Items { get; init; } = new();
    public Expandable<Invoice>? LatestInvoice { get; init; }
    public bool Livemode { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = [];
    public SubscriptionPauseCollection? PauseCollection { get; init; }

    /// <summary>Changes waiting for a payment (made with <c>payment_behavior=pending_if_incomplete</c>).</summary>
    public SubscriptionPendingUpdate? PendingUpdate { get; init; }
    public Expandable<StripeObject>? Schedule { get; init; }
    public DateTimeOffset StartDate { get; init; }

    /// <summary>See <see cref="SubscriptionStatuses"/>; unknown values are kept as they are.</summary>
    public string Status { get; init; } = string.Empty;
    public Expandable<TestClock>? TestClock { get; init; }
    public DateTimeOffset? TrialEnd { get; init; }
    public SubscriptionTrialSettings? TrialSettings { get; init; }
    public DateTimeOffset? TrialStart { get; init; }
}

public static class SubscriptionStatuses
{
    public const string Incomplete = "incomplete";
    public const string IncompleteExpired = "incomplete_expired";
    public const string Trialing = "trialing";
    public const string Active = "active";
    public const string PastDue = "past_due";
    public const string Canceled = "canceled";
    public const string Unpaid = "unpaid";
    public const string Paused = "paused";
}

public sealed class SubscriptionCancellationDetails
{
    public string? Comment { get; init; }

    /// <summary>
    /// The customer's reason: <c>customer_service</c>, <c>low_quality</c>, <c>missing_features</c>, <c>other</c>,
    /// <c>switched_service</c>, <c>too_complex</c>, <c>too_expensive</c>, <c>unused</c>.
    /// </summary>
    public string? Feedback { get; init; }

    /// <summary>Why it was canceled: <c>cancellation_requested</c>, <c>payment_disputed</c>, <c>payment_failed</c>.</summary>
    public string? Reason { get; init; }
}

/// <summary>What the customer said about a cancellation; an empty string clears a field.</summary>
public sealed class SubscriptionCancellationDetailsOptions
{
    public string? Comment { get; set; }

    /// <summary>See <see cref="SubscriptionCancellationDetails.Feedback"/>.</summary>
    public string? Feedback { get; set; }
}

public sealed class SubscriptionPauseCollection
{
    /// <summary><c>keep_as_draft</c>, <c>mark_uncollectible</c> or <c>void</c>.</summary>
    public string? Behavior { get; set; }
    public DateTimeOffset? ResumesAt { get; set; }
}

public sealed class SubscriptionPendingUpdate
{
    public DateTimeOffset? BillingCycleAnchor { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public List<SubscriptionItem>? SubscriptionItems { get; init; }
    public DateTimeOffset? TrialEnd { get; init; }
}

public sealed class SubscriptionTrialSettings
{
    public SubscriptionTrialEndBehavior EndBehavior { get; set; } = new();
}

public sealed class SubscriptionTrialEndBehavior
{
    /// <summary>When a trial ends without a payment method: <c>cancel</c>, <c>create_invoice</c> or <c>pause</c>.</summary>
    public string MissingPaymentMethod { get; set; } = string.Empty;
}

/// <summary>An item of a new subscription.</summary>
public sealed class SubscriptionItemOptions
{
    public string? Price { get; set; }
    public SubscriptionItemPriceData? PriceData { get; set; }
    public long? Quantity { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
}

/// <summary>
/// A change to a subscription's items: with <see cref="Id"/> it changes (or, with <see cref="Deleted"/>, removes)
/// that item; without, it adds one.
/// </summary>
public sealed class SubscriptionItemChange
{
    public string? Id { get; set; }
    public bool? Deleted { get; set; }

    /// <summary>With <see cref="Deleted"/>: drop the item's metered usage of the period too.</summary>
    public bool? ClearUsage { get; set; }
    public string? Price { get; set; }
    public SubscriptionItemPriceData? PriceData { get; set; }
    public long? Quantity { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
}

public sealed class SubscriptionCreateOptions : StripeOptions
{
    public required string Customer { get; set; }
    public required List<SubscriptionItemOptions> Items { get; set; }
    public DateTimeOffset? BackdateStartDate { get; set; }
    public DateTimeOffset? BillingCycleAnchor { get; set; }

    /// <summary>A time, or <c>max_period_end</c> / <c>min_period_end</c>.</summary>
    public TimestampOrKeyword? CancelAt { get; set; }
    public bool? CancelAtPeriodEnd { get; set; }
    public string? CollectionMethod { get; set; }
    public string? Currency { get; set; }
    public long? DaysUntilDue { get; set; }
    public string? DefaultPaymentMethod { get; set; }
    public string? Description { get; set; }
    public List<DiscountOptions>? Discounts { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public bool? OffSession { get; set; }

    /// <summary>See <see cref="PaymentBehaviors"/>.</summary>
    public string? PaymentBehavior { get; set; }

    /// <summary>See <see cref="ProrationBehaviors"/>.</summary>
    public string? ProrationBehavior { get; set; }

    /// <summary>A time, or <see cref="TimestampOrKeyword.Now"/>.</summary>
    public TimestampOrKeyword? TrialEnd { get; set; }
    public bool? TrialFromPlan { get; set; }
    public long? TrialPeriodDays { get; set; }
    public SubscriptionTrialSettings? TrialSettings { get; set; }
}

public sealed class SubscriptionUpdateOptions : StripeOptions
{
    /// <summary><c>now</c> (restart the cycle now) or <c>unchanged</c>.</summary>
    public string? BillingCycleAnchor { get; set; }

    /// <summary>A time, a keyword (<c>max_period_end</c>, <c>min_period_end</c>) or <see cref="TimestampOrKeyword.Clear"/> to remove it.</summary>
    public TimestampOrKeyword? CancelAt { get; set; }
    public bool? CancelAtPeriodEnd { get; set; }
    public SubscriptionCancellationDetailsOptions? CancellationDetails { get; set; }
    public string? CollectionMethod { get; set; }
    public long? DaysUntilDue { get; set; }
    public string? DefaultPaymentMethod { get; set; }

    /// <summary>An empty string clears it.</summary>
    public string? Description { get; set; }

    /// <summary>An empty list removes every discount.</summary>
    public List<DiscountOptions>? Discounts { get; set; }
    public List<SubscriptionItemChange>? Items { get; set; }

    /// <summary>Keys set to null are removed.</summary>
    public Dictionary<string, string?>? Metadata { get; set; }
    public bool? OffSession { get; set; }

    /// <summary>Pauses payment collection; an instance with no <c>Behavior</c> sends <c>pause_collection=</c>, which resumes it.</summary>
    public SubscriptionPauseCollection? PauseCollection { get; set; }

    /// <summary>See <see cref="PaymentBehaviors"/>.</summary>
    public string? PaymentBehavior { get; set; }

    /// <summary>See <see cref="ProrationBehaviors"/>.</summary>
    public string? ProrationBehavior { get; set; }

    /// <summary>Prorate as if the change happened at this time (e.g. the time a preview was made).</summary>
    public DateTimeOffset? ProrationDate { get; set; }

    /// <summary>A time, or <see cref="TimestampOrKeyword.Now"/> to end the trial now.</summary>
    public TimestampOrKeyword? TrialEnd { get; set; }
    public bool? TrialFromPlan { get; set; }
    public SubscriptionTrialSettings? TrialSettings { get; set; }
}

/// <summary>Parameters of a cancel (<c>DELETE</c>, sent in the query string).</summary>
public sealed class SubscriptionCancelOptions : StripeOptions
{
    public SubscriptionCancellationDetailsOptions? CancellationDetails { get; set; }

    /// <summary>Invoice pending usage and prorations now instead of dropping them.</summary>
    public bool? InvoiceNow { get; set; }

    /// <summary>Credit the unused time as a proration.</summary>
    public bool? Prorate { get; set; }
}

public sealed class SubscriptionListOptions : ListOptions
{
    /// <summary><c>charge_automatically</c> or <c>send_invoice</c>.</summary>
    public string? CollectionMethod { get; set; }
    public DateRangeFilter? Created { get; set; }
    public DateRangeFilter? CurrentPeriodEnd { get; set; }
    public DateRangeFilter? CurrentPeriodStart { get; set; }
    public string? Customer { get; set; }
    public string? Price { get; set; }

    /// <summary>A status, or <c>all</c> (canceled ones included) or <c>ended</c>; without it, canceled ones are left out.</summary>
    public string? Status { get; set; }
    public string? TestClock { get; set; }
}
