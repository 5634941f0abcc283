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
/// and stop the service, as a background service's should. With several workers, one at a time runs a scheduled
/// pass: each takes the pass's session advisory lock first and skips the turn when another worker holds it, so
/// Stripe is not read (and its rate limit not spent) twice for the same work.
/// </summary>
public abstract class ScheduledStripePass(NpgsqlDataSource database, TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The clock of the schedule, for the pass's own times too.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>Read at every turn, so a changed setting applies from the next pass.</summary>
    protected abstract IPassSchedule Schedule { get; }

    /// <summary>What the pass does, for the log: "Backfill of Stripe events".</summary>
    protected abstract string Name { get; }

    /// <summary>The pass's advisory lock key, one per kind of pass.</summary>
    protected abstract long LeaderLockKey { get; }

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
                    await RunAsLeaderAsync(stoppingToken).ConfigureAwait(false);
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

    private async Task RunAsLeaderAsync(CancellationToken cancellationToken)
    {
        // A connection of its own for the pass's length: the session lock lives as long as it does, and goes with it
        // if this worker dies.
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await AdvisoryLockAsync(connection, "pg_try_advisory_lock", cancellationToken).ConfigureAwait(false))
        {
            logger.LogInformation("{Pass} skipped this turn: another worker is running it", Name);
            return;
        }
        try
        {
            await RunPassAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await AdvisoryLockAsync(connection, "pg_advisory_unlock", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<bool> AdvisoryLockAsync(NpgsqlConnection connection, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LeaderLockKey });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }
}
