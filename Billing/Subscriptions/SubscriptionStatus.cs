namespace Yapit.Billing.Subscriptions;

/// <summary>
/// Stripe's subscription statuses and what each means for access. Stripe may add statuses: an unknown one is kept as
/// it is and gives no access, never an error (an error would retry the event for days).
/// </summary>
public static class SubscriptionStatus
{
    public const string Trialing = "trialing";
    public const string Active = "active";
    public const string PastDue = "past_due";
    public const string Incomplete = "incomplete";
    public const string IncompleteExpired = "incomplete_expired";
    public const string Unpaid = "unpaid";
    public const string Paused = "paused";
    public const string Canceled = "canceled";

    /// <summary>
    /// The statuses that keep the subscribed tier: <c>past_due</c> while Stripe retries the payment. <c>unpaid</c>
    /// (retries exhausted) does not, unlike the reference system.
    /// </summary>
    public static bool KeepsTier(string? status) => status is Trialing or Active or PastDue;

    /// <summary>A subscription in these statuses can still change in Stripe (reconciliation keeps listing them).</summary>
    public static bool IsLive(string? status) => status is Trialing or Active or PastDue or Unpaid or Paused or Incomplete;

    /// <summary>The subscription is over: a new checkout may start.</summary>
    public static bool IsEnded(string? status) => status is Canceled or IncompleteExpired;
}
