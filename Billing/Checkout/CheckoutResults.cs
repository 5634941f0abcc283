namespace Yapit.Billing.Checkout;

/// <summary>What starting a Checkout came to.</summary>
public abstract record CheckoutResult;

/// <summary>A session to send the user to.</summary>
public sealed record CheckoutCreated(string CheckoutUrl, string SessionId, string CustomerId, int TrialDays) : CheckoutResult;

/// <summary>The request names something that is not for sale: <paramref name="Field"/> is the request's field.</summary>
public sealed record CheckoutNotForSale(string Field, string Message) : CheckoutResult;

/// <summary>The user already has a subscription that is not canceled (as Stripe says now).</summary>
public sealed record CheckoutAlreadySubscribed(string SubscriptionId, string Status, string Tier) : CheckoutResult;

/// <summary>What opening the portal came to.</summary>
public abstract record PortalResult;

public sealed record PortalCreated(string PortalUrl, string SessionId) : PortalResult;

/// <summary>The user has no Stripe customer (never bought anything, or Stripe deleted it).</summary>
public sealed record PortalNoCustomer : PortalResult;

/// <summary>No portal configuration of the catalog has this key.</summary>
public sealed record PortalUnknownConfiguration(string Key, IReadOnlyList<string> Known) : PortalResult;

/// <summary>The flow needs a subscription that is not canceled, and the user has none.</summary>
public sealed record PortalNoSubscription(string Flow) : PortalResult;
