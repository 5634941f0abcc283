using System.Diagnostics;
using Yapit.Bench.Shared;
using Yapit.Billing.Usage;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// Calls <see cref="UsageLedger.RecordAsync"/> as Yapit's services would: a random user of the seeded ones, a random
/// amount of tokens, a unique idempotency key. Every answered record's user and amount is kept, so the balances can
/// be checked to the unit afterwards; every latency is kept, so the percentiles are exact. With
/// <paramref name="recordsPerCall"/> above 1 each call is a batch of that many records (<see cref="UsageLedger.RecordManyAsync"/>,
/// or one <c>POST /v1/usage/records</c> with <c>records</c>), each for its own random user; rates count records,
/// latencies calls.
/// </summary>
public sealed class LedgerLoad(UsageLedger ledger, IReadOnlyList<string> users, int maxAmount, int recordsPerCall = 1)
{
    /// <summary>Applies records some way (the ledger in-process, or the gateway over HTTP); null when all were applied, else what went wrong.</summary>
    public delegate Task<string?> Sender(IReadOnlyList<UsageRecordRequest> requests, CancellationToken cancellationToken);

    private long _sequence;
    private long _records;
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
        var recordsBefore = Interlocked.Read(ref _records);
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
        var records = Interlocked.Read(ref _records) - recordsBefore;
        return new PhaseResult(name, "closed loop", callers, Math.Round(seconds, 3), records, failed, Math.Round(records / seconds, 1), null,
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
        var recordsBefore = Interlocked.Read(ref _records);
        var callRate = rate / recordsPerCall;
        var total = (long)(callRate * duration.TotalSeconds);
        var started = Stopwatch.GetTimestamp();
        var ticksPerRecord = Stopwatch.Frequency / callRate;
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
        var records = Interlocked.Read(ref _records) - recordsBefore;
        return new PhaseResult(name, "open loop", callers, Math.Round(seconds, 3), records, failed, Math.Round(records / seconds, 1), rate,
            LatencySummary.FromTimestamps(all), LatencySummary.FromTimestamps(services.SelectMany(l => l).ToList()), errors);
    }

    /// <returns>null when the records were applied; else what went wrong.</returns>
    private async Task<string?> SendAsync(Random random, Sender via, CancellationToken cancellationToken)
    {
        var picked = new int[recordsPerCall];
        var requests = new UsageRecordRequest[recordsPerCall];
        for (var i = 0; i < recordsPerCall; i++)
        {
            picked[i] = random.Next(users.Count);
            var key = $"bench-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid():N}";
            requests[i] = new UsageRecordRequest(users[picked[i]], "tokens", random.Next(1, maxAmount + 1), key, "bench-doc");
        }
        try
        {
            if (await via(requests, cancellationToken).ConfigureAwait(false) is { } error)
            {
                return error;
            }
            for (var i = 0; i < recordsPerCall; i++)
            {
                Interlocked.Add(ref _recordedPerUser[picked[i]], requests[i].Amount);
                Interlocked.Increment(ref _recordsPerUser[picked[i]]);
            }
            Interlocked.Add(ref _records, recordsPerCall);
            return null;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return $"{error.GetType().Name}: {error.Message}";
        }
    }

    private async Task<string?> ViaLedgerAsync(IReadOnlyList<UsageRecordRequest> requests, CancellationToken cancellationToken)
    {
        var results = requests.Count == 1
            ? [await ledger.RecordAsync(requests[0], cancellationToken).ConfigureAwait(false)]
            : await Task.WhenAll(await ledger.RecordManyAsync(requests, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            var (request, result) = (requests[i], results[i]);
            if (result.Replayed || result.Amount != request.Amount || result.Breakdown.Total != request.Amount)
            {
                return $"record {request.IdempotencyKey}: replayed {result.Replayed}, amount {result.Amount}, breakdown total {result.Breakdown.Total} (sent {request.Amount})";
            }
        }
        return null;
    }
}
