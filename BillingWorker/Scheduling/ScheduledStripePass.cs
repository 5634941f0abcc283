using Npgsql;
using Stripe;

namespace Yapit.BillingWorker.Scheduling;

/// <summary>When a scheduled pass runs: not at all, or first after <see cref="InitialDelay"/> and then every <see cref="Interval"/>.</summary>
public interface IPassSchedule
{
    bool Enabled { get; }
    TimeSpan InitialDelay { get; }
    TimeSpan Interval { get; }
}

/// <summary>
/// A pass over Stripe and the database repeated on a schedule (backfill, reconciliation). A pass that fails on
/// Stripe, the network or the database is logged and tried again at the next interval; other exceptions are bugs
/// and stop the service, as a background service's should.
/// </summary>
public abstract class ScheduledStripePass(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The clock of the schedule, for the pass's own times too.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>Read at every turn, so a changed setting applies from the next pass.</summary>
    protected abstract IPassSchedule Schedule { get; }

    /// <summary>What the pass does, for the log: "Backfill of Stripe events".</summary>
    protected abstract string Name { get; }

    protected abstract Task RunPassAsync(CancellationToken cancellationToken);

    protected virtual void OnPassFailed()
    {
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Schedule.Enabled)
        {
            return;
        }
        try
        {
            await Task.Delay(Schedule.InitialDelay, Time, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunPassAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is StripeException or HttpRequestException or NpgsqlException or TimeoutException
                    || (error is OperationCanceledException && !stoppingToken.IsCancellationRequested))
                {
                    OnPassFailed();
                    logger.LogWarning(error, "{Pass} failed; trying again in {IntervalMinutes:0.#} min", Name, Schedule.Interval.TotalMinutes);
                }
                await Task.Delay(Schedule.Interval, Time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
