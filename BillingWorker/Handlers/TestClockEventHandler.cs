using Stripe;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// A test clock finished advancing (test mode): its time is kept for the usage ledger, so the users whose customers
/// live on it get their usage periods on the clock's time, also where no subscription event follows (the months of a
/// yearly plan). The clock is re-read from Stripe: a late or repeated event never takes the time back. The clock's
/// subscriptions whose grace ended by its time are synced again, which ends the grace and lowers the usage period's
/// tier (no Stripe event marks that moment).
/// </summary>
public sealed class TestClockEventHandler(IStripeClient stripe, UsageLedger usage, SubscriptionStore subscriptions, SubscriptionSync sync, ILogger<TestClockEventHandler> logger)
    : IStripeEventHandler
{
    public static readonly string[] EventTypes = ["test_helpers.test_clock.ready"];

    public bool ReadsAnyApiVersion => true;

    public async Task HandleAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        if (stripeEvent.Livemode || (stripeEvent.Data.Object as IHasId)?.Id is not { } clockId)
        {
            return;
        }
        Stripe.TestHelpers.TestClock clock;
        try
        {
            clock = await new Stripe.TestHelpers.TestClockService(stripe).GetAsync(clockId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException gone) when (gone.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            logger.LogInformation("Test clock {ClockId} of event {EventId} no longer exists; nothing to follow", clockId, stripeEvent.Id);
            return;
        }
        var frozen = new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
        await usage.SetClockTimeAsync(clockId, frozen, cancellationToken).ConfigureAwait(false);
        logger.LogDebug("Test clock {ClockId} is at {FrozenTime}", clockId, frozen);
        foreach (var subscriptionId in await subscriptions.GraceEndedOnClockAsync(clockId, frozen, cancellationToken).ConfigureAwait(false))
        {
            await sync.SyncAsync(subscriptionId, ChangeReason.Event(stripeEvent.Id, stripeEvent.Type), cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Subscription {SubscriptionId}: its grace ended by test clock {ClockId}'s time {FrozenTime}", subscriptionId, clockId, frozen);
        }
    }
}
