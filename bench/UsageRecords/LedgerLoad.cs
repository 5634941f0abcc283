using System.Diagnostics;
using Yapit.Bench.Shared;
using Yapit.Billing.Usage;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// Calls <see cref="UsageLedger.RecordAsync"/> as Yapit's services would: a random user of the seeded ones, a random
/// amount of tokens, a unique idempotency key. Every answered record's user and amount is kept, so the balances can
/// be checked to the unit afterwards; every latency is kept, so the percentiles are exact.
/// </summary>
public sealed class LedgerLoad(UsageLedger ledger, IReadOnlyList<string> users, int maxAmount)
{
    /// <summary>Applies one record some way (the ledger in-process, or the gateway over HTTP); null when applied, else what went wrong.</summary>
    public delegate Task<string?> Sender(UsageRecordRequest request, CancellationToken cancellationToken);

    private long _sequence;
    private readonly long[] _recordedPerUser = new long[users.Count];
    private readonly long[] _recordsPerUser = new long[users.Count];

    public sealed record PhaseResult(string Name, string Mode, int Callers, double Seconds, long Records, long Failed, double RecordsPerSecond, double? TargetRate,
        LatencySummary Latency, LatencySummary? ServiceTime, IReadOnlyList<string> Errors);

    /// <summary>Sum of the amounts the ledger answered for, per user index (replays excluded: none are sent).</summary>
    public IReadOnlyList<long> RecordedPerUser => _recordedPerUser;

    public IReadOnlyList<long> RecordsPerUser => _recordsPerUser;

    /// <summary>Each caller sends its next record when the previous one is answered.</summary>
    public async Task<PhaseResult> ClosedLoopAsync(string name, int callers, TimeSpan duration, CancellationToken cancellationToken, Sender? via = null)
    {
        var latencies = new List<long>[callers];
        var errors = new List<string>();
        long failed = 0;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<long>(65536);
            var random = new Random(c * 7919 + (int)Interlocked.Read(ref _sequence));
            while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                if (await SendAsync(random, via ?? ViaLedgerAsync, cancellationToken).ConfigureAwait(false) is { } error)
                {
                    Interlocked.Increment(ref failed);
                    lock (errors) { if (errors.Count < 10) { errors.Add(error); } }
                    continue;
                }
                mine.Add(Stopwatch.GetTimestamp() - sent);
            }
        }, cancellationToken))).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        return new PhaseResult(name, "closed loop", callers, Math.Round(seconds, 3), all.Count, failed, Math.Round(all.Count / seconds, 1), null,
            LatencySummary.FromTimestamps(all), null, errors);
    }

    /// <summary>
    /// Open loop: record i is due at start + i / rate, whatever the answers do. Each of the callers takes the next due
    /// record, waits for its time if it is early, and sends it; latency counts from the due time (so a stall that
    /// keeps every caller busy shows in the records that wait behind it), service time from the actual send.
    /// </summary>
    public async Task<PhaseResult> OpenLoopAsync(string name, int callers, double rate, TimeSpan duration, CancellationToken cancellationToken, Sender? via = null)
    {
        var latencies = new List<long>[callers];
        var services = new List<long>[callers];
        var errors = new List<string>();
        long failed = 0;
        long next = -1;
        var total = (long)(rate * duration.TotalSeconds);
        var started = Stopwatch.GetTimestamp();
        var ticksPerRecord = Stopwatch.Frequency / rate;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<long>(65536);
            var service = services[c] = new List<long>(65536);
            var random = new Random(c * 104729 + (int)Interlocked.Read(ref _sequence));
            while (!cancellationToken.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= total)
                {
                    break;
                }
                var due = started + (long)(index * ticksPerRecord);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                }
                var sent = Stopwatch.GetTimestamp();
                if (await SendAsync(random, via ?? ViaLedgerAsync, cancellationToken).ConfigureAwait(false) is { } error)
                {
                    Interlocked.Increment(ref failed);
                    lock (errors) { if (errors.Count < 10) { errors.Add(error); } }
                    continue;
                }
                var done = Stopwatch.GetTimestamp();
                mine.Add(done - due);
                service.Add(done - sent);
            }
        }, cancellationToken))).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        return new PhaseResult(name, "open loop", callers, Math.Round(seconds, 3), all.Count, failed, Math.Round(all.Count / seconds, 1), rate,
            LatencySummary.FromTimestamps(all), LatencySummary.FromTimestamps(services.SelectMany(l => l).ToList()), errors);
    }

    /// <returns>null when the record was applied; else what went wrong.</returns>
    private async Task<string?> SendAsync(Random random, Sender via, CancellationToken cancellationToken)
    {
        var user = random.Next(users.Count);
        var amount = random.Next(1, maxAmount + 1);
        var key = $"bench-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid():N}";
        try
        {
            if (await via(new UsageRecordRequest(users[user], "tokens", amount, key, "bench-doc"), cancellationToken).ConfigureAwait(false) is { } error)
            {
                return error;
            }
            Interlocked.Add(ref _recordedPerUser[user], amount);
            Interlocked.Increment(ref _recordsPerUser[user]);
            return null;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return $"{error.GetType().Name}: {error.Message}";
        }
    }

    private async Task<string?> ViaLedgerAsync(UsageRecordRequest request, CancellationToken cancellationToken)
    {
        var result = await ledger.RecordAsync(request, cancellationToken).ConfigureAwait(false);
        return result.Replayed || result.Amount != request.Amount || result.Breakdown.Total != request.Amount
            ? $"record {request.IdempotencyKey}: replayed {result.Replayed}, amount {result.Amount}, breakdown total {result.Breakdown.Total} (sent {request.Amount})"
            : null;
    }
}
