using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yapit.Billing.Subscriptions;

namespace Yapit.Billing.Checkout;

/// <summary>
/// Spans and metrics of Checkout and the portal, on the subscriptions' source and meter (<c>Yapit.Subscriptions</c>).
/// Tags carry the user id and Stripe ids on spans only; metrics are tagged by tier, interval, kind and reason, never by user.
/// </summary>
public static class CheckoutTelemetry
{
    public const string Name = "Yapit.Subscriptions";

    public static ActivitySource ActivitySource => SubscriptionSync.ActivitySource;

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CheckoutsStarted = Meter.CreateCounter<long>("yapit.subscriptions.checkouts_started", "{session}",
        "Checkout Sessions created (kind: subscription or credit_pack; tier, interval and trial for subscriptions; pack for credit packs).");

    public static readonly Counter<long> CheckoutsRefused = Meter.CreateCounter<long>("yapit.subscriptions.checkouts_refused", "{request}",
        "Checkouts refused before Stripe was asked for a session (reason: not_for_sale, already_subscribed).");

    public static readonly Counter<long> CheckoutsCompleted = Meter.CreateCounter<long>("yapit.subscriptions.checkouts_completed", "{session}",
        "Completed Checkout Sessions of Yapit's users processed by the worker (mode: subscription or payment).");

    public static readonly Counter<long> PortalSessions = Meter.CreateCounter<long>("yapit.subscriptions.portal_sessions", "{session}",
        "Customer portal sessions created (configuration key, flow).");

    internal static Activity? Start(string name, string userId)
    {
        var activity = ActivitySource.StartActivity(name);
        activity?.SetTag("yapit.user_id", userId);
        return activity;
    }
}
