using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Yapit.Bench.Shared;
using Yapit.Billing.Stripe;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// Sends signed events to the gateway the way Stripe does (one POST per event, JSON body, Stripe-Signature) and
/// records every request: closed loop (N senders back to back: the peak rate) or open loop (requests started on a
/// fixed schedule whatever the answers do: latency at a given rate, measured from the scheduled start so a stall is
/// not hidden by the senders waiting for it). Each sender is a thread with its own keep-alive connection
/// (<see cref="WebhookConnection"/>), as each pgbench client is one connection.
/// </summary>
public sealed class IntakeLoad(IPEndPoint gateway, string path, string secret, StripeEventBodies bodies, string runTag) : IDisposable
{
    /// <summary>Open-loop senders: more than the half-peak phase ever had in flight (30-90 in a stall), so a stall
    /// delays requests only as much as the gateway does, not for want of a sender.</summary>
    public const int OpenLoopSenders = 256;

    private readonly ConcurrentBag<WebhookConnection> _connections = [];
    private long _sequence;

    /// <summary>Every event the gateway answered 200 "accepted" for, in any phase: what the inbox must hold.</summary>
    public ConcurrentBag<string> Accepted { get; } = [];

    /// <summary>Events whose fate is unknown (timeout, connection error): they may or may not be in the inbox.</summary>
    public ConcurrentBag<string> Unknown { get; } = [];

    public sealed record PhaseResult(
        string Name, double Seconds, long Sent, long Accepted, long Duplicates, long Failed, double AcceptedPerSecond,
        LatencySummary Latency, LatencySummary? ServiceLatency, IReadOnlyDictionary<string, long> Failures, double? TargetRate, long MaxInFlight,
        IReadOnlyList<Stall> Stalls, ClientGc ClientGc);

    /// <summary>A run of slow requests (over <see cref="StallThresholdMs"/>) started close together: when, how many, how slow.</summary>
    public sealed record Stall(double AtSeconds, int Requests, double MaxMs);

    /// <summary>The load generator's own garbage collections during the phase: its pauses delay the answers it times.</summary>
    public sealed record ClientGc(int Gen0, int Gen1, int Gen2, double PauseMs);

    public const double StallThresholdMs = 50;

    private sealed class Recorder
    {
        /// <summary>When each request started (or was scheduled to), parallel to <see cref="Latencies"/>.</summary>
        public List<long> Starts { get; } = new(65_536);
        public List<long> Latencies { get; } = new(65_536);
        public List<long> ServiceLatencies { get; } = new(65_536);
        public long Accepted;
        public long Duplicates;
        public long Failed;
        public Dictionary<string, long> Failures { get; } = new(StringComparer.Ordinal);
    }

    /// <summary><paramref name="senders"/> loops, each sending its next event as soon as the previous one is answered.</summary>
    public Task<PhaseResult> ClosedLoopAsync(string name, int senders, TimeSpan duration, CancellationToken cancellationToken)
    {
        var gc = GcCounts();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return RunSendersAsync(senders, (connection, recorder) =>
        {
            while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                Send(connection, recorder);
                recorder.Starts.Add(begin);
                recorder.Latencies.Add(Stopwatch.GetTimestamp() - begin);
            }
        }, recorders => Summarise(name, start, Stopwatch.GetElapsedTime(start).TotalSeconds, recorders, withServiceLatency: false, targetRate: null, maxInFlight: senders, gc));
    }

    /// <summary>
    /// Request number i is due at start + i/<paramref name="rate"/> s, for <paramref name="duration"/>: an idle sender
    /// takes the next number, waits for its time and sends, without regard to the answers of others.
    /// </summary>
    public Task<PhaseResult> OpenLoopAsync(string name, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        long next = -1, inFlight = 0, maxInFlight = 0;
        var total = (long)Math.Floor(rate * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / rate;
        var gc = GcCounts();
        var start = Stopwatch.GetTimestamp();
        return RunSendersAsync(OpenLoopSenders, (connection, recorder) =>
        {
            for (long i; (i = Interlocked.Increment(ref next)) < total && !cancellationToken.IsCancellationRequested;)
            {
                var scheduled = start + (long)(i * interval);
                // Sleep in whole milliseconds (the timer's grain) until less than one remains, then send: up to 1 ms
                // early rather than up to 1 ms late, and the latency counts from whichever came first.
                long remaining;
                while ((remaining = (scheduled - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency) >= 1)
                {
                    Thread.Sleep((int)remaining);
                }
                var running = Interlocked.Increment(ref inFlight);
                for (var seen = Volatile.Read(ref maxInFlight); running > seen; seen = Volatile.Read(ref maxInFlight))
                {
                    Interlocked.CompareExchange(ref maxInFlight, running, seen);
                }
                var begin = Stopwatch.GetTimestamp();
                Send(connection, recorder);
                var done = Stopwatch.GetTimestamp();
                Interlocked.Decrement(ref inFlight);
                recorder.Starts.Add(scheduled);
                recorder.Latencies.Add(done - Math.Min(scheduled, begin));
                recorder.ServiceLatencies.Add(done - begin);
            }
        }, recorders => Summarise(name, start, Stopwatch.GetElapsedTime(start).TotalSeconds, recorders, withServiceLatency: true, targetRate: rate, maxInFlight: Volatile.Read(ref maxInFlight), gc));
    }

    /// <summary>Runs <paramref name="loop"/> on <paramref name="senders"/> threads, each with its own connection and recorder.</summary>
    private async Task<PhaseResult> RunSendersAsync(int senders, Action<WebhookConnection, Recorder> loop, Func<Recorder[], PhaseResult> summarise)
    {
        var recorders = Enumerable.Range(0, senders).Select(_ => new Recorder()).ToArray();
        var connections = Enumerable.Range(0, senders).Select(_ => _connections.TryTake(out var open) ? open : new WebhookConnection(gateway, path)).ToArray();
        var threads = Enumerable.Range(0, senders).Select(i => new Thread(() => loop(connections[i], recorders[i]))
        {
            IsBackground = true,
            Name = $"sender {i}",
        }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        await Task.Run(() =>
        {
            foreach (var thread in threads)
            {
                thread.Join();
            }
        }).ConfigureAwait(false);
        var result = summarise(recorders);
        foreach (var connection in connections)
        {
            _connections.Add(connection);
        }
        return result;
    }

    private void Send(WebhookConnection connection, Recorder recorder)
    {
        var body = bodies.Body(Interlocked.Increment(ref _sequence), runTag, out var eventId);
        var signature = WebhookSignature.Sign(body, DateTimeOffset.UtcNow, secret);
        try
        {
            var answer = connection.Post(body, signature);
            if (answer.Status == 200 && answer.Body.Contains("\"accepted\"", StringComparison.Ordinal))
            {
                recorder.Accepted++;
                Accepted.Add(eventId);
            }
            else if (answer.Status == 200 && answer.Body.Contains("\"duplicate\"", StringComparison.Ordinal))
            {
                recorder.Duplicates++;
            }
            else
            {
                recorder.Failed++;
                Count(recorder, $"HTTP {answer.Status}");
                if (answer.Status >= 500)
                {
                    Unknown.Add(eventId);
                }
            }
        }
        catch (Exception error) when (error is IOException or SocketException)
        {
            recorder.Failed++;
            Count(recorder, error is SocketException socket ? $"socket {socket.SocketErrorCode}" : error.GetType().Name);
            Unknown.Add(eventId);
        }
    }

    private static void Count(Recorder recorder, string failure) =>
        recorder.Failures[failure] = recorder.Failures.GetValueOrDefault(failure) + 1;

    private static (int Gen0, int Gen1, int Gen2, TimeSpan Pause) GcCounts() =>
        (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    private static PhaseResult Summarise(
        string name, long start, double seconds, Recorder[] recorders, bool withServiceLatency, double? targetRate, long maxInFlight, (int Gen0, int Gen1, int Gen2, TimeSpan Pause) gc)
    {
        var now = GcCounts();
        var clientGc = new ClientGc(now.Gen0 - gc.Gen0, now.Gen1 - gc.Gen1, now.Gen2 - gc.Gen2, Math.Round((now.Pause - gc.Pause).TotalMilliseconds, 1));
        var latencies = recorders.SelectMany(r => r.Latencies).ToList();
        var accepted = recorders.Sum(r => r.Accepted);
        var failures = recorders.SelectMany(r => r.Failures).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Sum(f => f.Value), StringComparer.Ordinal);
        return new PhaseResult(
            name,
            Math.Round(seconds, 2),
            latencies.Count,
            accepted,
            recorders.Sum(r => r.Duplicates),
            recorders.Sum(r => r.Failed),
            Math.Round(accepted / seconds, 1),
            LatencySummary.FromTimestamps(latencies),
            withServiceLatency ? LatencySummary.FromTimestamps(recorders.SelectMany(r => r.ServiceLatencies).ToList()) : null,
            failures,
            targetRate is null ? null : Math.Round(targetRate.Value, 1),
            maxInFlight,
            Stalls(start, recorders),
            clientGc);
    }

    /// <summary>The five worst runs of slow requests, each a group of slow ones that started within 200 ms of the previous.</summary>
    private static List<Stall> Stalls(long start, Recorder[] recorders)
    {
        var threshold = (long)(StallThresholdMs / 1000 * Stopwatch.Frequency);
        var slow = recorders.SelectMany(r => r.Starts.Zip(r.Latencies)).Where(x => x.Second > threshold).OrderBy(x => x.First).ToList();
        var stalls = new List<Stall>();
        double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
        for (var i = 0; i < slow.Count;)
        {
            var first = i;
            var max = slow[i].Second;
            for (i++; i < slow.Count && Seconds(slow[i].First - slow[i - 1].First) < 0.2; i++)
            {
                max = Math.Max(max, slow[i].Second);
            }
            stalls.Add(new Stall(Math.Round(Seconds(slow[first].First - start), 2), i - first, Math.Round(Seconds(max) * 1000, 1)));
        }
        return stalls.OrderByDescending(s => s.MaxMs).Take(5).OrderBy(s => s.AtSeconds).ToList();
    }

    public void Dispose()
    {
        while (_connections.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
