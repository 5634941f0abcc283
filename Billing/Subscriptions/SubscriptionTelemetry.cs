using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Yapit.Billing.Subscriptions;

/// <summary>
/// The one source and meter of subscriptions (<c>Yapit.Subscriptions</c>): checkout, the portal, plan changes,
/// cancellations, payment trouble and reconciliation. Spans carry the user id and Stripe ids; metrics are tagged by
/// tier, interval, kind, direction or reason, never by user.
/// </summary>
public static class SubscriptionTelemetry
{
    public const string Name = "Yapit.Subscriptions";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CheckoutsStarted = Meter.CreateCounter<long>("yapit.subscriptions.checkouts_started", "{session}",
        "Checkout Sessions created (kind: subscription or credit_pack; tier, interval and trial for subscriptions; pack for credit packs).");

    public static readonly Counter<long> CheckoutsRefused = Meter.CreateCounter<long>("yapit.subscriptions.checkouts_refused", "{request}",
        "Checkouts refused before Stripe was asked for a session (reason: not_for_sale, already_subscribed).");

    public static readonly Counter<long> CheckoutsCompleted = Meter.CreateCounter<long>("yapit.subscriptions.checkouts_completed", "{session}",
        "Completed Checkout Sessions of Yapit's users processed by the worker (mode: subscription or payment).");

    public static readonly Counter<long> PortalSessions = Meter.CreateCounter<long>("yapit.subscriptions.portal_sessions", "{session}",
        "Customer portal sessions created (configuration key, flow).");

    public static readonly Counter<long> PlanChanges = Meter.CreateCounter<long>("yapit.subscriptions.plan_changes", "{change}",
        "Plan changes requested through the API (direction: upgrade, downgrade, interval_switch, no_op; timing: when it reaches Stripe).");

    public static readonly Counter<long> Cancellations = Meter.CreateCounter<long>("yapit.subscriptions.cancellations", "{cancellation}",
        "Cancellations requested through the API (when: at_period_end, now) and reactivations (when: reactivated).");

    public static readonly Counter<long> Dunning = Meter.CreateCounter<long>("yapit.subscriptions.dunning", "{subscription}",
        "Subscriptions entering dunning (a failed payment, past_due), recovering from it, or leaving it unpaid or canceled (step: entered, recovered, exhausted).");

    public static readonly Counter<long> RequiresAction = Meter.CreateCounter<long>("yapit.subscriptions.requires_action", "{subscription}",
        "Payments waiting for the customer's authentication, and those completed (step: entered, completed).");

    public static readonly Counter<long> ReconciliationRuns = Meter.CreateCounter<long>("yapit.subscriptions.reconciliation.runs", "{run}",
        "Reconciliation passes (outcome: completed, failed).");

    public static readonly Counter<long> ReconciliationCorrections = Meter.CreateCounter<long>("yapit.subscriptions.reconciliation.corrections", "{correction}",
        "Subscriptions whose stored state differed from Stripe's and was corrected by reconciliation.");

    public static readonly Counter<long> PendingApplied = Meter.CreateCounter<long>("yapit.subscriptions.pending_applied", "{change}",
        "Pending at-period-end plans applied to Stripe shortly before the period ended.");

    internal static Activity? Start(string name, string userId)
    {
        var activity = ActivitySource.StartActivity(name);
        activity?.SetTag("yapit.user_id", userId);
        return activity;
    }

    /// <summary>
    /// Counts a stored subscription's move into or out of payment trouble, once: the caller holds the row lock and
    /// has just applied <paramref name="after"/> over <paramref name="before"/> (null for a new subscription).
    /// </summary>
    internal static void CountPaymentTransition(StripeSubscriptionState? before, StripeSubscriptionState after)
    {
        foreach (var (instrument, step) in PaymentTransitions(before, after))
        {
            (instrument == "dunning" ? Dunning : RequiresAction).Add(1, new KeyValuePair<string, object?>("step", step));
        }
    }

    /// <summary>
    /// What a change of stored state means for payment trouble: <c>("dunning", entered|recovered|exhausted)</c> as
    /// the subscription enters or leaves <c>past_due</c>, <c>("requires_action", entered|completed)</c> as a
    /// payment starts or stops waiting for the customer's authentication.
    /// </summary>
    public static IEnumerable<(string Instrument, string Step)> PaymentTransitions(StripeSubscriptionState? before, StripeSubscriptionState after)
    {
        var from = before?.PaymentState ?? PaymentState.Ok;
        var to = after.PaymentState;
        if (from != PaymentState.RequiresAction && to == PaymentState.RequiresAction)
        {
            yield return ("requires_action", "entered");
        }
        else if (from == PaymentState.RequiresAction && to == PaymentState.Ok && SubscriptionStatus.KeepsTier(after.Status))
        {
            yield return ("requires_action", "completed");
        }
        var wasPastDue = before?.Status == SubscriptionStatus.PastDue;
        var isPastDue = after.Status == SubscriptionStatus.PastDue;
        if (!wasPastDue && isPastDue)
        {
            yield return ("dunning", "entered");
        }
        else if (wasPastDue && !isPastDue)
        {
            yield return ("dunning", SubscriptionStatus.KeepsTier(after.Status) ? "recovered" : "exhausted");
        }
    }
}
