using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Inbox;

namespace Yapit.BillingWorker.Retention;

/// <summary>
/// Keeps the inbox tidy and observable: refreshes the depth gauge every few seconds, and prunes done and ignored rows
/// older than the retention period (dead letters stay until an operator deals with them).
/// </summary>
public sealed class InboxMaintenanceService(
    InboxStore inbox,
    IOptionsMonitor<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxMaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextPrune = time.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    InboxTelemetry.Record(await inbox.StatsAsync(stoppingToken).ConfigureAwait(false));
                    if (time.GetUtcNow() >= nextPrune)
                    {
                        await PruneAsync(stoppingToken).ConfigureAwait(false);
                        nextPrune = time.GetUtcNow() + options.CurrentValue.RetentionInterval;
                    }
                }
                catch (Exception error) when (error is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(error, "Inbox maintenance could not reach the database");
                }
                await Task.Delay(StatsInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.CurrentValue.Retention;
        var deleted = await inbox.PruneAsync(cutoff, batchSize: 5000, cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            logger.LogInformation("Pruned {Deleted} processed inbox events older than {Cutoff:o}", deleted, cutoff);
        }
        return deleted;
    }
}
