using System.Diagnostics;
using Npgsql;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// Samples what the server's active client backends are waiting on (pg_stat_activity, every 50 ms) during a phase:
/// when latency spikes, this says whether commits waited for the WAL flush (IO:WALSync, LWLock:WALWrite), for a lock,
/// or for buffers being written out.
/// </summary>
public sealed class WaitEventSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _samples;
    private (double AtSeconds, int Active, string Waits) _busiest = (0, 0, string.Empty);

    /// <summary>Wait events over all samples (share of active-backend observations), and the sample with the most active backends.</summary>
    public sealed record Summary(long Samples, IReadOnlyDictionary<string, double> WaitShares, double BusiestAtSeconds, int BusiestActive, string BusiestWaits);

    private WaitEventSampler(string connectionString) => _sampling = SampleAsync(connectionString, _stop.Token);

    public static WaitEventSampler Start(string connectionString) => new(connectionString);

    public async Task<Summary> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        var total = Math.Max(1, _counts.Values.Sum());
        return new Summary(
            _samples,
            _counts.OrderByDescending(c => c.Value).Take(6).ToDictionary(c => c.Key, c => Math.Round(100.0 * c.Value / total, 1), StringComparer.Ordinal),
            Math.Round(_busiest.AtSeconds, 2), _busiest.Active, _busiest.Waits);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private async Task SampleAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("""
                SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
                FROM pg_stat_activity
                WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                """, connection);
            while (!cancellationToken.IsCancellationRequested)
            {
                var waits = new List<string>();
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        waits.Add(reader.GetString(0));
                    }
                }
                _samples++;
                foreach (var wait in waits)
                {
                    _counts[wait] = _counts.GetValueOrDefault(wait) + 1;
                }
                if (waits.Count > _busiest.Active)
                {
                    var breakdown = string.Join(", ", waits.GroupBy(w => w).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} x{g.Count()}"));
                    _busiest = (Stopwatch.GetElapsedTime(_started).TotalSeconds, waits.Count, breakdown);
                }
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
