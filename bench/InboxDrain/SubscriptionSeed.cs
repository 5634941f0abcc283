using System.Diagnostics;
using Stripe;

namespace Yapit.Bench.InboxDrain;

/// <summary>A subscription in the emulator, with the user it belongs to (in its metadata, as Checkout puts it there).</summary>
public sealed record SeededSubscription(string Id, string CustomerId, string UserId);

/// <summary>
/// The subscriptions the backlog's events are about: real ones in the emulator, so the worker's re-read finds them.
/// Trialing Plus monthly subscriptions of bare customers (two calls each, no card needed), made once per run of the
/// benchmark and shared by every backlog.
/// </summary>
public static class SubscriptionSeed
{
    public static async Task<(IReadOnlyList<SeededSubscription> Subscriptions, TimeSpan Took)> CreateAsync(StripeClient stripe, int count, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var plus = (await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_plus_monthly_v2"] }, cancellationToken: ct)).Single();
        var seeded = new SeededSubscription[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var userId = $"user_drain_{i:D6}";
            var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Metadata = new() { ["user_id"] = userId } }, cancellationToken: token);
            var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
            {
                Customer = customer.Id,
                Items = [new SubscriptionItemOptions { Price = plus.Id }],
                TrialPeriodDays = 30,
                Metadata = new Dictionary<string, string> { ["user_id"] = userId },
            }, cancellationToken: token);
            seeded[i] = new SeededSubscription(subscription.Id, customer.Id, userId);
        });
        return (seeded, Stopwatch.GetElapsedTime(started));
    }
}
