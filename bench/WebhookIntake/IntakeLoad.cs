using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Yapit.StripeApi.Webhooks;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// Sends signed events to the gateway the way Stripe does (one POST per event, JSON body, Stripe-Signature) and
/// records every request: closed loop (N senders back to back: the peak rate) or open loop (requests started on a
/// fixed schedule whatever the answers do: latency at a given rate, measured from the scheduled start so a stall is
/// not hidden by the senders waiting for it).
/// </summary>
public sealed class IntakeLoad(Uri webhookUrl, string secret, StripeEventBodies bodies, string runTag) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 512,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
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
        public ConcurrentDictionary<string, long> Failures { get; } = new(StringComparer.Ordinal);
    }

    /// <summary><paramref name="senders"/> loops, each sending its next event as soon as the previous one is answered.</summary>
    public async Task<PhaseResult> ClosedLoopAsync(string name, int senders, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorders = Enumerable.Range(0, senders).Select(_ => new Recorder()).ToArray();
        var gc = GcCounts();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(recorders.Select(recorder => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                await SendAsync(recorder, cancellationToken).ConfigureAwait(false);
                recorder.Starts.Add(begin);
                recorder.Latencies.Add(Stopwatch.GetTimestamp() - begin);
            }
        }, cancellationToken))).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Summarise(name, start, seconds, recorders, withServiceLatency: false, targetRate: null, maxInFlight: senders, gc);
    }

    /// <summary>Starts one request every 1/<paramref name="rate"/> s for <paramref name="duration"/>, without waiting for answers.</summary>
    public async Task<PhaseResult> OpenLoopAsync(string name, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new Recorder();
        var inFlight = new ConcurrentDictionary<long, Task>();
        long current = 0, maxInFlight = 0;
        var total = (long)Math.Floor(rate * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / rate;
        var gc = GcCounts();
        var start = Stopwatch.GetTimestamp();

        // A dedicated thread paces the schedule: waking every millisecond and starting whatever is due keeps the
        // schedule without spinning a core the gateway needs.
        var pacer = new Thread(() =>
        {
            for (long i = 0; i < total && !cancellationToken.IsCancellationRequested;)
            {
                var now = Stopwatch.GetTimestamp();
                for (; i < total && start + (long)(i * interval) <= now; i++)
                {
                    var scheduled = start + (long)(i * interval);
                    var key = i;
                    var running = Interlocked.Increment(ref current);
                    if (running > Volatile.Read(ref maxInFlight))
                    {
                        Interlocked.Exchange(ref maxInFlight, running);
                    }
                    inFlight[key] = Task.Run(async () =>
                    {
                        var begin = Stopwatch.GetTimestamp();
                        await SendAsync(recorder, cancellationToken).ConfigureAwait(false);
                        var done = Stopwatch.GetTimestamp();
                        lock (recorder)
                        {
                            recorder.Starts.Add(scheduled);
                            recorder.Latencies.Add(done - scheduled);
                            recorder.ServiceLatencies.Add(done - begin);
                        }
                        Interlocked.Decrement(ref current);
                        inFlight.TryRemove(key, out _);
                    }, cancellationToken);
                }
                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "open-loop pacer" };
        pacer.Start();
        await Task.Run(pacer.Join, cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(inFlight.Values).ConfigureAwait(false);
        return Summarise(name, start, seconds, [recorder], withServiceLatency: true, targetRate: rate, maxInFlight: Volatile.Read(ref maxInFlight), gc);
    }

    private async Task SendAsync(Recorder recorder, CancellationToken cancellationToken)
    {
        var body = bodies.Body(Interlocked.Increment(ref _sequence), runTag, out var eventId);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new ByteArrayContent(body), Version = System.Net.HttpVersion.Version11 };
        request.Content.Headers.ContentType = Json;
        request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Sign(body, DateTimeOffset.UtcNow, secret));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && answer.Contains("\"accepted\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref recorder.Accepted);
                Accepted.Add(eventId);
            }
            else if (response.IsSuccessStatusCode && answer.Contains("\"duplicate\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref recorder.Duplicates);
            }
            else
            {
                Interlocked.Increment(ref recorder.Failed);
                recorder.Failures.AddOrUpdate($"HTTP {(int)response.StatusCode}", 1, (_, n) => n + 1);
                if ((int)response.StatusCode >= 500)
                {
                    Unknown.Add(eventId);
                }
            }
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref recorder.Failed);
            recorder.Failures.AddOrUpdate(error.GetType().Name, 1, (_, n) => n + 1);
            Unknown.Add(eventId);
        }
    }

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

    public void Dispose() => _http.Dispose();
}
