using Yapit.Billing.Inbox;

namespace Yapit.BillingWorker.Inbox;

/// <summary>
/// Keeps a run's claim on its event while the run lasts: renews the lease every third of its length, so a slow run
/// (a Stripe call stalling, retried) is never taken for a dead one and claimed a second time. When the claim turns
/// out to be gone (renewed by nobody in time, then claimed again, or replayed), the run is cancelled.
/// </summary>
internal sealed class LeaseKeeper(InboxStore inbox, ClaimedEvent claimed, TimeSpan lease, CancellationTokenSource run, TimeProvider time, ILogger logger)
{
    private readonly CancellationTokenSource _stop = new();
    private int _stopped;

    /// <summary>True once a renewal found the claim taken by another run.</summary>
    public bool Lost { get; private set; }

    public async Task KeepAsync()
    {
        var interval = lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, _stop.Token).ConfigureAwait(false);
                bool held;
                try
                {
                    held = await inbox.RenewAsync(claimed, lease, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception error) when (error is Npgsql.NpgsqlException or TimeoutException)
                {
                    // The next renewal may still come in time; if not, the completion's token check decides.
                    logger.LogWarning(error, "Could not renew the lease on event {EventId}", claimed.EventId);
                    continue;
                }
                if (!held)
                {
                    Lost = true;
                    await run.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops renewing (once) and waits for a renewal in flight.</summary>
    public async Task StopAsync(Task keeping)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        await keeping.ConfigureAwait(false);
        _stop.Dispose();
    }
}
