using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;

namespace Yapit.StripeEmulator.TestClocks;

/// <summary>
/// Time passing for objects on no test clock: once a second, the due work up to the store's clock (trial ends,
/// renewals, cancellations, retries) runs as a clock advance would run it.
/// </summary>
internal sealed class RealTimeBilling(StripeStore store, ILogger<RealTimeBilling> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var steps = store.Write(RequestInfo.None, tx => SubscriptionLifecycle.RunUntil(tx, clockId: null, tx.NowUnix));
                    if (steps.Count > 0)
                    {
                        logger.LogInformation("Ran {Count} due billing steps in real time", steps.Count);
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or Wire.StripeErrorException)
                {
                    // One broken object must not stop time for the others; the next tick tries again.
                    logger.LogWarning(e, "A due billing step failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
