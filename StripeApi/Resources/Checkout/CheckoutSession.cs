using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Coupons;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Invoices;
using Yapit.StripeApi.Resources.Prices;
using Yapit.StripeApi.Resources.PromotionCodes;
using Yapit.StripeApi.Resources.Subscriptions;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Resources.Checkout;

/// <summary>
/// A Checkout Session (<c>cs_...</c>): a hosted page where the customer pays or subscribes. It is <c>open</c> until
/// completed or expired; on completion in <c>subscription</c> mode <see cref="Subscription"/> names what was created.
/// </summary>
public sealed class CheckoutSession : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "checkout.session";
    public bool? AllowPromotionCodes { get; init; }
    public long? AmountSubtotal { get; init; }
    public long? AmountTotal { get; init; }
    public string? CancelUrl { get; init; }
    public string? ClientReferenceId { get; init; }

    /// <summary>What the customer agreed to, when <see cref="ConsentCollection"/> asked.</summary>
    public CheckoutConsent? Consent { get; init; }
    public CheckoutConsentCollection? ConsentCollection { get; init; }
    public DateTimeOffset Created { get; init; }
    public string? Currency { get; init; }
    public Expandable<Customer>? Customer { get; init; }

    /// <summary><c>always</c> or <c>if_required</c>.</summary>
    public string? CustomerCreation { get; init; }

    /// <summary>What the customer entered on the page (email, name, address).</summary>
    public CheckoutCustomerDetails? CustomerDetails { get; init; }
    public string? CustomerEmail { get; init; }
    public List<CheckoutDiscount>? Discounts { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public Expandable<Invoice>? Invoice { get; init; }

    /// <summary>Returned only when expanded (<c>expand[]=line_items</c>).</summary>
    public StripeList<CheckoutLineItem>? LineItems { get; init; }
    public bool Livemode { get; init; }
    public string? Locale { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>See <see cref="CheckoutModes"/>.</summary>
    public string Mode { get; init; } = string.Empty;
    public Expandable<StripeObject>? PaymentIntent { get; init; }

    /// <summary><c>paid</c>, <c>unpaid</c> or <c>no_payment_required</c> (e.g. a trial).</summary>
    public string PaymentStatus { get; init; } = string.Empty;
    public string? ReturnUrl { get; init; }

    /// <summary><c>open</c>, <c>complete</c> or <c>expired</c>; see <see cref="CheckoutSessionStatuses"/>.</summary>
    public string? Status { get; init; }
    public Expandable<Subscription>? Subscription { get; init; }
    public string? SuccessUrl { get; init; }
    public CheckoutTotalDetails? TotalDetails { get; init; }

    /// <summary><c>hosted_page</c> (a Stripe-hosted page at <see cref="Url"/>), <c>embedded_page</c>, ...</summary>
    public string? UiMode { get; init; }

    /// <summary>The hosted page; null once the session is complete or expired.</summary>
    public string? Url { get; init; }
}

public static class CheckoutModes
{
    public const string Payment = "payment";
    public const string Setup = "setup";
    public const string Subscription = "subscription";
}

public static class CheckoutSessionStatuses
{
    public const string Open = "open";
    public const string Complete = "complete";
    public const string Expired = "expired";
}

public sealed class CheckoutConsent
{
    /// <summary><c>opt_in</c> or <c>opt_out</c>.</summary>
    public string? Promotions { get; init; }

    /// <summary><c>accepted</c>.</summary>
    public string? TermsOfService { get; init; }
}

/// <summary>What the page asks the customer to agree to.</summary>
public sealed class CheckoutConsentCollection
{
    public CheckoutPaymentMethodReuseAgreement? PaymentMethodReuseAgreement { get; set; }

    /// <summary><c>auto</c> or <c>none</c>.</summary>
    public string? Promotions { get; set; }

    /// <summary><c>required</c> or <c>none</c>.</summary>
    public string? TermsOfService { get; set; }
}

public sealed class CheckoutPaymentMethodReuseAgreement
{
    /// <summary><c>auto</c> or <c>hidden</c>.</summary>
    public string Position { get; set; } = "auto";
}

public sealed class CheckoutCustomerDetails
{
    public Address? Address { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Phone { get; init; }
    public string? TaxExempt { get; init; }
}

public sealed class CheckoutDiscount
{
    public Expandable<Coupon>? Coupon { get; init; }
    public Expandable<PromotionCode>? PromotionCode { get; init; }
}

public sealed class CheckoutTotalDetails
{
    public long AmountDiscount { get; init; }
    public long? AmountShipping { get; init; }
    public long AmountTax { get; init; }
}

/// <summary>A line of a session (object <c>item</c>).</summary>
public sealed class CheckoutLineItem : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "item";
    public long AmountDiscount { get; init; }
    public long AmountSubtotal { get; init; }
    public long AmountTax { get; init; }
    public long AmountTotal { get; init; }
    public string Currency { get; init; } = string.Empty;
    public string? Description { get; init; }
    public Price? Price { get; init; }
    public long? Quantity { get; init; }
}

/// <summary>A line to sell: a price id (or inline <see cref="PriceData"/>) and a quantity.</summary>
public sealed class CheckoutLineItemOptions
{
    public CheckoutAdjustableQuantity? AdjustableQuantity { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Price { get; set; }
    public CheckoutPriceData? PriceData { get; set; }
    public long? Quantity { get; set; }
}

public sealed class CheckoutAdjustableQuantity
{
    public bool Enabled { get; set; }
    public long? Maximum { get; set; }
    public long? Minimum { get; set; }
}

/// <summary>An inline price for one line, made when the session is created.</summary>
public sealed class CheckoutPriceData
{
    public required string Currency { get; set; }

    /// <summary>An existing product, or <see cref="ProductData"/> for a new one.</summary>
    public string? Product { get; set; }
    public CheckoutProductData? ProductData { get; set; }
    public CheckoutRecurring? Recurring { get; set; }

    /// <summary><c>exclusive</c>, <c>inclusive</c> or <c>unspecified</c>.</summary>
    public string? TaxBehavior { get; set; }
    public long? UnitAmount { get; set; }
    public decimal? UnitAmountDecimal { get; set; }
}

public sealed class CheckoutProductData
{
    public required string Name { get; set; }
    public string? Description { get; set; }
    public List<string>? Images { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? TaxCode { get; set; }
    public string? UnitLabel { get; set; }
}

public sealed class CheckoutRecurring
{
    /// <summary><c>day</c>, <c>week</c>, <c>month</c> or <c>year</c>.</summary>
    public required string Interval { get; set; }
    public long? IntervalCount { get; set; }
}

/// <summary>Settings of the subscription a <c>subscription</c>-mode session creates.</summary>
public sealed class CheckoutSubscriptionData
{
    /// <summary>The first full invoice's date (the period before it is prorated).</summary>
    public DateTimeOffset? BillingCycleAnchor { get; set; }
    public string? Description { get; set; }

    /// <summary>Copied to the subscription (the session's own metadata is not).</summary>
    public Dictionary<string, string?>? Metadata { get; set; }

    /// <summary><c>create_prorations</c> or <c>none</c> (with a billing cycle anchor).</summary>
    public string? ProrationBehavior { get; set; }
    public DateTimeOffset? TrialEnd { get; set; }
    public long? TrialPeriodDays { get; set; }
    public SubscriptionTrialSettings? TrialSettings { get; set; }
}

public sealed class CheckoutAutomaticTax
{
    public bool Enabled { get; set; }
}

/// <summary>Whether the session may update the customer's saved details (<c>auto</c> or <c>never</c>).</summary>
public sealed class CheckoutCustomerUpdate
{
    public string? Address { get; set; }
    public string? Name { get; set; }
    public string? Shipping { get; set; }
}

public sealed class CheckoutTaxIdCollection
{
    public bool Enabled { get; set; }

    /// <summary><c>if_supported</c> or <c>never</c>.</summary>
    public string? Required { get; set; }
}

public sealed class CheckoutSessionCreateOptions : StripeOptions
{
    /// <summary>See <see cref="CheckoutModes"/>.</summary>
    public required string Mode { get; set; }
    public List<CheckoutLineItemOptions>? LineItems { get; set; }

    /// <summary>Lets the customer enter a promotion code; not allowed together with <see cref="Discounts"/>.</summary>
    public bool? AllowPromotionCodes { get; set; }
    public CheckoutAutomaticTax? AutomaticTax { get; set; }

    /// <summary><c>auto</c> or <c>required</c>.</summary>
    public string? BillingAddressCollection { get; set; }
    public string? CancelUrl { get; set; }

    /// <summary>Your own reference (e.g. the user id), returned on the session and its events.</summary>
    public string? ClientReferenceId { get; set; }
    public CheckoutConsentCollection? ConsentCollection { get; set; }

    /// <summary>Required in <c>payment</c> mode when a line has <c>price_data</c> without a price's currency.</summary>
    public string? Currency { get; set; }

    /// <summary>An existing customer; otherwise <see cref="CustomerEmail"/> prefills the email of a new one.</summary>
    public string? Customer { get; set; }

    /// <summary><c>always</c> or <c>if_required</c> (payment mode only).</summary>
    public string? CustomerCreation { get; set; }
    public string? CustomerEmail { get; set; }
    public CheckoutCustomerUpdate? CustomerUpdate { get; set; }
    public List<DiscountOptions>? Discounts { get; set; }

    /// <summary>Between 30 minutes and 24 hours from now; 24 hours by default.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    public string? Locale { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }

    /// <summary><c>always</c> or <c>if_required</c> (e.g. skip card entry for a free trial).</summary>
    public string? PaymentMethodCollection { get; set; }

    /// <summary>For embedded sessions (instead of <see cref="SuccessUrl"/>).</summary>
    public string? ReturnUrl { get; set; }
    public CheckoutSubscriptionData? SubscriptionData { get; set; }

    /// <summary>Where the customer lands after paying; <c>{CHECKOUT_SESSION_ID}</c> is replaced by the session id.</summary>
    public string? SuccessUrl { get; set; }
    public CheckoutTaxIdCollection? TaxIdCollection { get; set; }

    /// <summary><c>hosted_page</c> (default), <c>embedded_page</c>, ...</summary>
    public string? UiMode { get; set; }
}

public sealed class CheckoutSessionListOptions : ListOptions
{
    public DateRangeFilter? Created { get; set; }
    public string? Customer { get; set; }
    public CheckoutCustomerDetailsFilter? CustomerDetails { get; set; }
    public string? PaymentIntent { get; set; }
    public string? PaymentLink { get; set; }

    /// <summary>See <see cref="CheckoutSessionStatuses"/>.</summary>
    public string? Status { get; set; }
    public string? Subscription { get; set; }
}

public sealed class CheckoutCustomerDetailsFilter
{
    public required string Email { get; set; }
}

public sealed class CheckoutSessionExpireOptions : StripeOptions;

public sealed class CheckoutLineItemListOptions : ListOptions;
