using Microsoft.Extensions.Options;
using Stripe;
using Yapit.Billing.Checkout;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;
using Yapit.BillingWorker.Inbox;
using CheckoutSession = Stripe.Checkout.Session;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// Subscription, Checkout, invoice and customer events. Each names the object to look at again; the state comes from
/// Stripe as it is now (<see cref="SubscriptionSync"/>), so duplicates and any order end in the same state. An event
/// about a customer or subscription no user is linked to yet is retried for <see cref="BillingOptions.LinkWait"/>
/// (Checkout can race its own events) and then recorded as ignored, never retried for days.
/// </summary>
public sealed class SubscriptionEventHandler(
    IStripeClient stripe,
    SubscriptionSync sync,
    SubscriptionStore store,
    UsageLedger usage,
    IOptionsMonitor<BillingOptions> options,
    TimeProvider time,
    ILogger<SubscriptionEventHandler> logger) : IStripeEventHandler
{
    public static readonly string[] EventTypes =
    [
        "checkout.session.completed", "checkout.session.async_payment_succeeded",
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
        "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
        "invoice.paid", "invoice.payment_failed", "invoice.payment_action_required", "customer.deleted",
    ];

    private static readonly string[] SubscriptionEventTypes = [.. EventTypes.Where(t => t.StartsWith("customer.subscription.", StringComparison.Ordinal))];

    /// <summary>Set when this run left an event unapplied (no user linked): later events of the object may still apply.</summary>
    private bool _leftUnapplied;

    /// <summary>Only ids and metadata are read from the event; the objects are re-read from Stripe at the pinned version.</summary>
    public bool ReadsAnyApiVersion => true;

    /// <summary>
    /// Every <c>customer.subscription.*</c> event is one re-read of the subscription (<see cref="SubscriptionSync"/>),
    /// so one run handles all of a subscription's pending ones. Checkout, invoice and customer events differ by type
    /// (a payment is recorded only for <c>invoice.paid</c>): only events of the same type go together.
    /// </summary>
    public IReadOnlyCollection<string> HandledAlike(Event handled) =>
        _leftUnapplied ? []
        : handled.Type.StartsWith("customer.subscription.", StringComparison.Ordinal) ? SubscriptionEventTypes
        : [handled.Type];

    public async Task HandleAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        var objectId = (stripeEvent.Data.Object as IHasId)?.Id ?? throw new PermanentEventFailureException($"Event {stripeEvent.Id} names no object.");
        var reason = ChangeReason.Event(stripeEvent.Id, stripeEvent.Type);
        switch (stripeEvent.Type)
        {
            case "customer.deleted":
                await store.MarkCustomerDeletedAsync(objectId, reason, cancellationToken).ConfigureAwait(false);
                return;
            case "checkout.session.completed" or "checkout.session.async_payment_succeeded":
                await CheckoutCompletedAsync(stripeEvent, objectId, reason, cancellationToken).ConfigureAwait(false);
                return;
            case "invoice.paid" or "invoice.payment_failed" or "invoice.payment_action_required":
                await InvoiceAsync(stripeEvent, objectId, reason, cancellationToken).ConfigureAwait(false);
                return;
            default:
                await SyncAsync(stripeEvent, objectId, reason, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private async Task CheckoutCompletedAsync(Event stripeEvent, string sessionId, ChangeReason reason, CancellationToken cancellationToken)
    {
        var session = await new Stripe.Checkout.SessionService(stripe).GetAsync(sessionId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var userId = UserOf(session);
        if (userId is null)
        {
            logger.LogInformation("Checkout Session {SessionId} was not started by Yapit (no user); ignored", sessionId);
            return;
        }
        if (stripeEvent.Type == "checkout.session.completed")
        {
            SubscriptionTelemetry.CheckoutsCompleted.Add(1, new KeyValuePair<string, object?>("mode", session.Mode));
        }
        if (session.CustomerId is { } customerId)
        {
            await store.LinkCustomerAsync(userId, customerId, reason, cancellationToken).ConfigureAwait(false);
        }
        if (session.Mode == "subscription" && session.SubscriptionId is { } subscriptionId)
        {
            await SyncAsync(stripeEvent, subscriptionId, reason, cancellationToken).ConfigureAwait(false);
        }
        else if (session.Mode == "payment" && session.PaymentStatus == "paid"
            && session.Metadata?.GetValueOrDefault("meter") is { Length: > 0 } meter
            && long.TryParse(session.Metadata.GetValueOrDefault("quantity"), System.Globalization.CultureInfo.InvariantCulture, out var quantity) && quantity > 0)
        {
            var grant = await usage.GrantCreditsAsync(session.Id, userId, meter, quantity, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Credit pack of Checkout Session {SessionId}: {Quantity} {Meter} for user {UserId} ({DebtRepaid} repaid debt){Again}",
                session.Id, quantity, meter, userId, grant.DebtRepaid, grant.AlreadyGranted ? " (granted before)" : "");
        }
    }

    private async Task InvoiceAsync(Event stripeEvent, string invoiceId, ChangeReason reason, CancellationToken cancellationToken)
    {
        var invoice = await new InvoiceService(stripe).GetAsync(invoiceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (stripeEvent.Type == "invoice.paid" && invoice.AmountPaid > 0
            && await store.FindUserByCustomerAsync(invoice.CustomerId, cancellationToken).ConfigureAwait(false) is { } userId)
        {
            await store.RecordPaymentAsync(userId, invoice.Id, invoice.AmountPaid, reason, cancellationToken).ConfigureAwait(false);
        }
        if (invoice.Parent?.SubscriptionDetails?.SubscriptionId is { } subscriptionId)
        {
            await SyncAsync(stripeEvent, subscriptionId, reason, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SyncAsync(Event stripeEvent, string subscriptionId, ChangeReason reason, CancellationToken cancellationToken)
    {
        var (outcome, userId) = await sync.SyncAsync(subscriptionId, reason, cancellationToken).ConfigureAwait(false);
        if (outcome != SyncOutcome.NotLinked)
        {
            logger.LogDebug("Subscription {SubscriptionId} of user {UserId}: {Outcome} ({EventType} {EventId})", subscriptionId, userId, outcome, stripeEvent.Type, stripeEvent.Id);
            return;
        }
        var age = time.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc));
        if (age < options.CurrentValue.LinkWait)
        {
            // Checkout's own events can arrive before the session that links the customer: look again shortly.
            throw new InvalidOperationException($"Subscription {subscriptionId} is not linked to a user yet; trying again");
        }
        _leftUnapplied = true;
        logger.LogInformation("Subscription {SubscriptionId} belongs to no Yapit user; event {EventId} ({EventType}) ignored", subscriptionId, stripeEvent.Id, stripeEvent.Type);
    }

    private static string? UserOf(CheckoutSession session) =>
        session.Metadata?.GetValueOrDefault("user_id") is { Length: > 0 } fromMetadata ? fromMetadata : session.ClientReferenceId;
}
