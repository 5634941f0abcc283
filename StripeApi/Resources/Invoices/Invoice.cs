using System.Text.Json.Serialization;
using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Prices;
using Yapit.StripeApi.Resources.Subscriptions;
using Yapit.StripeApi.Resources.TestHelpers;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Resources.Invoices;

/// <summary>
/// An invoice (<c>in_...</c>). Since the 2025 API versions it names its subscription under
/// <c>parent.subscription_details.subscription</c> (see <see cref="SubscriptionId"/>), and its lines name their
/// price under <c>pricing.price_details.price</c>.
/// </summary>
public sealed class Invoice : IHasId
{
    /// <summary>On a preview (create_preview), which is never saved, the id starts with <c>upcoming_in</c>.</summary>
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "invoice";
    public long AmountDue { get; init; }
    public long AmountOverpaid { get; init; }
    public long AmountPaid { get; init; }
    public long AmountRemaining { get; init; }
    public long AttemptCount { get; init; }
    public bool Attempted { get; init; }
    public bool? AutoAdvance { get; init; }

    /// <summary>See <see cref="InvoiceBillingReasons"/>.</summary>
    public string? BillingReason { get; init; }

    /// <summary><c>charge_automatically</c> or <c>send_invoice</c>.</summary>
    public string? CollectionMethod { get; init; }
    public DateTimeOffset Created { get; init; }
    public string Currency { get; init; } = string.Empty;
    public Expandable<Customer>? Customer { get; init; }
    public string? CustomerEmail { get; init; }
    public string? CustomerName { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset? DueDate { get; init; }

    /// <summary>When the invoice took effect (finalized, or the date set for it).</summary>
    public DateTimeOffset? EffectiveAt { get; init; }
    public long? EndingBalance { get; init; }
    public string? HostedInvoiceUrl { get; init; }
    public string? InvoicePdf { get; init; }

    /// <summary>The first lines (usually up to 10); list them all with <c>InvoiceService.ListLineItemsAutoPagingAsync</c> when <c>HasMore</c>.</summary>
    public StripeList<InvoiceLineItem> Lines { get; init; } = new();
    public bool Livemode { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public DateTimeOffset? NextPaymentAttempt { get; init; }
    public string? Number { get; init; }

    /// <summary>What the invoice was made for: a subscription or a quote.</summary>
    public InvoiceParent? Parent { get; init; }
    public DateTimeOffset PeriodEnd { get; init; }
    public DateTimeOffset PeriodStart { get; init; }
    public long StartingBalance { get; init; }

    /// <summary>See <see cref="InvoiceStatuses"/>; null on a preview.</summary>
    public string? Status { get; init; }
    public InvoiceStatusTransitions? StatusTransitions { get; init; }
    public long Subtotal { get; init; }
    public Expandable<TestClock>? TestClock { get; init; }
    public long Total { get; init; }
    public DateTimeOffset? WebhooksDeliveredAt { get; init; }

    /// <summary>The subscription this invoice bills, from <c>parent.subscription_details.subscription</c>.</summary>
    [JsonIgnore]
    public string? SubscriptionId => Parent?.SubscriptionDetails?.Subscription?.Id;
}

public static class InvoiceStatuses
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Paid = "paid";
    public const string Uncollectible = "uncollectible";
    public const string Void = "void";
}

public static class InvoiceBillingReasons
{
    public const string SubscriptionCreate = "subscription_create";
    public const string SubscriptionCycle = "subscription_cycle";
    public const string SubscriptionUpdate = "subscription_update";
    public const string SubscriptionThreshold = "subscription_threshold";
    public const string Subscription = "subscription";
    public const string Manual = "manual";
    public const string Upcoming = "upcoming";
    public const string QuoteAccept = "quote_accept";
    public const string AutomaticPendingInvoiceItemInvoice = "automatic_pending_invoice_item_invoice";
}

public sealed class InvoiceParent
{
    /// <summary><c>subscription_details</c> or <c>quote_details</c>.</summary>
    public string Type { get; init; } = string.Empty;
    public InvoiceSubscriptionDetails? SubscriptionDetails { get; init; }
    public InvoiceQuoteDetails? QuoteDetails { get; init; }
}

public sealed class InvoiceSubscriptionDetails
{
    /// <summary>The subscription's metadata when the invoice was made.</summary>
    public Dictionary<string, string>? Metadata { get; init; }
    public Expandable<Subscription>? Subscription { get; init; }
    public DateTimeOffset? SubscriptionProrationDate { get; init; }
}

public sealed class InvoiceQuoteDetails
{
    public string Quote { get; init; } = string.Empty;
}

public sealed class InvoiceStatusTransitions
{
    public DateTimeOffset? FinalizedAt { get; init; }
    public DateTimeOffset? MarkedUncollectibleAt { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
    public DateTimeOffset? VoidedAt { get; init; }
}

/// <summary>A line of an invoice (<c>il_...</c>, object <c>line_item</c>).</summary>
public sealed class InvoiceLineItem : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "line_item";

    /// <summary>In minor units, before discounts and taxes; negative for a credit (unused time of a proration).</summary>
    public long Amount { get; init; }
    public string Currency { get; init; } = string.Empty;
    public string? Description { get; init; }
    public bool Discountable { get; init; }
    public string? Invoice { get; init; }
    public bool Livemode { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = [];

    /// <summary>What made the line: a subscription item or an invoice item.</summary>
    public InvoiceLineItemParent? Parent { get; init; }
    public InvoiceLineItemPeriod Period { get; init; } = new();
    public InvoiceLineItemPricing? Pricing { get; init; }
    public long? Quantity { get; init; }
    public long Subtotal { get; init; }

    /// <summary>Whether the line is a proration, from whichever parent it has.</summary>
    [JsonIgnore]
    public bool IsProration => Parent?.SubscriptionItemDetails?.Proration ?? Parent?.InvoiceItemDetails?.Proration ?? false;

    /// <summary>The price's id, from <c>pricing.price_details.price</c>.</summary>
    [JsonIgnore]
    public string? PriceId => Pricing?.PriceDetails?.Price?.Id;
}

public sealed class InvoiceLineItemParent
{
    /// <summary><c>subscription_item_details</c> or <c>invoice_item_details</c>.</summary>
    public string Type { get; init; } = string.Empty;
    public InvoiceLineSubscriptionItemDetails? SubscriptionItemDetails { get; init; }
    public InvoiceLineInvoiceItemDetails? InvoiceItemDetails { get; init; }
}

public sealed class InvoiceLineSubscriptionItemDetails
{
    public string? InvoiceItem { get; init; }
    public bool Proration { get; init; }
    public string? Subscription { get; init; }
    public string SubscriptionItem { get; init; } = string.Empty;
}

public sealed class InvoiceLineInvoiceItemDetails
{
    public string InvoiceItem { get; init; } = string.Empty;
    public bool Proration { get; init; }
    public string? Subscription { get; init; }
}

public sealed class InvoiceLineItemPeriod
{
    public DateTimeOffset Start { get; init; }
    public DateTimeOffset End { get; init; }
}

public sealed class InvoiceLineItemPricing
{
    /// <summary><c>price_details</c>.</summary>
    public string Type { get; init; } = string.Empty;
    public InvoiceLinePriceDetails? PriceDetails { get; init; }
    public decimal? UnitAmountDecimal { get; init; }
}

public sealed class InvoiceLinePriceDetails
{
    public Expandable<Price>? Price { get; init; }
    public string Product { get; init; } = string.Empty;
}

public sealed class InvoiceListOptions : ListOptions
{
    /// <summary><c>charge_automatically</c> or <c>send_invoice</c>.</summary>
    public string? CollectionMethod { get; set; }
    public DateRangeFilter? Created { get; set; }
    public string? Customer { get; set; }
    public DateRangeFilter? DueDate { get; set; }

    /// <summary>See <see cref="InvoiceStatuses"/>.</summary>
    public string? Status { get; set; }
    public string? Subscription { get; set; }
}

public sealed class InvoiceLineItemListOptions : ListOptions;

/// <summary>
/// The invoice a customer would get (<c>POST /v1/invoices/create_preview</c>): the next one of a subscription, or the
/// one a proposed change (<see cref="SubscriptionDetails"/>) would make. Nothing is saved.
/// </summary>
public sealed class InvoiceCreatePreviewOptions : StripeOptions
{
    public string? Currency { get; set; }
    public string? Customer { get; set; }
    public List<DiscountOptions>? Discounts { get; set; }

    /// <summary><c>next</c> (the default) or <c>recurring</c>.</summary>
    public string? PreviewMode { get; set; }
    public string? Subscription { get; set; }
    public InvoicePreviewSubscriptionDetails? SubscriptionDetails { get; set; }
}

/// <summary>The subscription, or its change, to preview; the same fields as a subscription update.</summary>
public sealed class InvoicePreviewSubscriptionDetails
{
    public TimestampOrKeyword? CancelAt { get; set; }
    public bool? CancelAtPeriodEnd { get; set; }
    public bool? CancelNow { get; set; }
    public List<SubscriptionItemChange>? Items { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }

    /// <summary><c>create_prorations</c>, <c>always_invoice</c> or <c>none</c>.</summary>
    public string? ProrationBehavior { get; set; }

    /// <summary>Prorate as of this time; pass the same to the update so it bills what was previewed.</summary>
    public DateTimeOffset? ProrationDate { get; set; }
    public DateTimeOffset? StartDate { get; set; }
    public TimestampOrKeyword? TrialEnd { get; set; }
}
