using Stripe;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// Turns one kind of Stripe event into billing state. Handlers must be idempotent (processing an event twice changes
/// nothing the second time) and must not trust event order: re-read the object from Stripe when its state matters.
/// A thrown exception means "try again later".
/// </summary>
public interface IStripeEventHandler
{
    /// <summary>
    /// True when the handler reads only fields every API version has (ids, object type, metadata, the request's
    /// idempotency key) and re-reads the rest from Stripe at the pinned version: then an event written for another API
    /// version is still handled. Otherwise such an event is dead-lettered, never read into the wrong shape.
    /// </summary>
    bool ReadsAnyApiVersion => false;

    Task HandleAsync(Event stripeEvent, CancellationToken cancellationToken);

    /// <summary>
    /// After <see cref="HandleAsync"/> succeeded for <paramref name="handled"/>: the event types whose events of the
    /// same object this run has handled too, because the handler re-read the object from Stripe and would do nothing
    /// else for them (a backlog of one object then costs one re-read, not one per event). Empty (the default) when
    /// each event must be handled on its own.
    /// </summary>
    IReadOnlyCollection<string> HandledAlike(Event handled) => [];
}
