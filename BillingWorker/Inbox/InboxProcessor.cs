using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Inbox;

namespace Yapit.BillingWorker.Inbox;

/// <summary>
/// Takes events out of the inbox and processes them, several at a time. Woken at once by Postgres NOTIFY (the gateway
/// notifies on every insert) and by its own completions, with a polling fallback that also picks up retries coming due
/// and events whose worker died (their lease expired). Any number of workers can run side by side.
/// </summary>
public sealed class InboxProcessor(
    InboxStore inbox,
    EventDispatcher dispatcher,
    NpgsqlDataSource dataSource,
    IOptionsMonitor<InboxOptions> options,
    ILogger<InboxProcessor> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private int _inFlight;

    public string WorkerId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Asks the loop to look for work now.</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Inbox processor {WorkerId} started", WorkerId);
        var listener = ListenAsync(stoppingToken);
        var running = new HashSet<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var settings = options.CurrentValue;
                var free = settings.MaxConcurrency - Volatile.Read(ref _inFlight);
                var claimedAll = false;
                if (free > 0)
                {
                    try
                    {
                        IReadOnlyList<ClaimedEvent> claimed;
                        var claimStarted = DateTimeOffset.UtcNow;
                        using (InboxTelemetry.Unrecorded("inbox claim"))
                        {
                            claimed = await inbox.ClaimAsync(WorkerId, free, settings.Lease, stoppingToken).ConfigureAwait(false);
                        }
                        InboxTelemetry.RecordClaim(claimStarted, WorkerId, claimed);
                        claimedAll = claimed.Count == free;
                        foreach (var item in claimed)
                        {
                            Interlocked.Increment(ref _inFlight);
                            var task = Task.Run(() => ProcessOneAsync(item, stoppingToken), CancellationToken.None);
                            lock (running)
                            {
                                running.Add(task);
                            }
                            _ = task.ContinueWith(t =>
                            {
                                lock (running)
                                {
                                    running.Remove(t);
                                }
                            }, TaskScheduler.Default);
                        }
                    }
                    catch (Exception error) when (error is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                    {
                        logger.LogWarning(error, "Could not claim inbox events; trying again in {PollSeconds} s", settings.PollInterval.TotalSeconds);
                    }
                }
                if (!claimedAll)
                {
                    await _wake.WaitAsync(settings.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        Task[] remaining;
        lock (running)
        {
            remaining = [.. running];
        }
        // In-flight events finish or, if shutdown cuts them off, come back to a worker when their lease expires.
        await Task.WhenAll(remaining).ConfigureAwait(false);
        await listener.ConfigureAwait(false);
        logger.LogInformation("Inbox processor {WorkerId} stopped", WorkerId);
    }

    private async Task ProcessOneAsync(ClaimedEvent claimed, CancellationToken stoppingToken)
    {
        try
        {
            await dispatcher.ProcessAsync(claimed, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // Recording the outcome failed (database gone, or shutdown): the lease expires and the event is retried.
            logger.LogWarning(error, "Could not record the outcome of event {EventId}; it will be retried after its lease", claimed.EventId);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Wake();
        }
    }

    /// <summary>LISTEN on the inbox channel with a dedicated connection, reconnecting if it drops.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {InboxStore.NotificationChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }
                Wake(); // anything inserted while we were not listening
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or System.IO.IOException)
            {
                logger.LogWarning(error, "Lost the inbox notification connection; polling until it is back");
                try
                {
                    await Task.Delay(options.CurrentValue.PollInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
