using Yapit.StripeApi.Webhooks;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// Turns one kind of Stripe event into billing state. Handlers must be idempotent (processing an event twice changes
/// nothing the second time) and must not trust event order: re-read the object from Stripe when its state matters.
/// A thrown exception means "try again later".
/// </summary>
public interface IStripeEventHandler
{
    Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken);
}
