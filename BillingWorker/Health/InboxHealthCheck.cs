using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Inbox;

namespace Yapit.BillingWorker.Health;

/// <summary>Degraded while dead letters wait for an operator, or when the oldest unprocessed event is too old.</summary>
public sealed class InboxHealthCheck(InboxStore inbox, IOptionsMonitor<InboxOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        InboxStats stats;
        try
        {
            stats = await inbox.StatsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("the inbox cannot be read", error);
        }
        InboxTelemetry.Record(stats);
        var problems = new List<string>();
        if (stats.Dead > 0)
        {
            problems.Add($"{stats.Dead} dead letter(s)");
        }
        if (stats.OldestUnprocessedReceivedAt is { } oldest && time.GetUtcNow() - oldest > options.CurrentValue.MaxPendingAge)
        {
            problems.Add($"the oldest unprocessed event waits since {oldest:o}");
        }
        return problems.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded(string.Join("; ", problems));
    }
}
