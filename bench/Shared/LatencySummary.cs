using System.Diagnostics;

namespace Yapit.Bench.Shared;

/// <summary>
/// Exact percentiles over every recorded latency (nearest-rank: the smallest value with at least p% of the
/// samples at or below it), in milliseconds. No histogram buckets, no sampling.
/// </summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary FromTimestamps(List<long> stopwatchTicks)
    {
        if (stopwatchTicks.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        var sorted = stopwatchTicks.ToArray();
        Array.Sort(sorted);
        double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
        double At(double percentile) => Ms(sorted[Math.Max(0, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)]);
        return new LatencySummary(sorted.Length, Math.Round(sorted.Average(t => t * 1000.0 / Stopwatch.Frequency), 3), At(50), At(90), At(99), At(99.9), Ms(sorted[^1]));
    }

    public static LatencySummary FromMicroseconds(List<long> microseconds) =>
        FromTimestamps(microseconds.ConvertAll(us => (long)Math.Round(us * (Stopwatch.Frequency / 1_000_000.0))));

    public override string ToString() => $"p50 {P50Ms:0.00} ms, p90 {P90Ms:0.00} ms, p99 {P99Ms:0.00} ms, p99.9 {P999Ms:0.00} ms, max {MaxMs:0.00} ms (mean {MeanMs:0.00} ms, n={Count})";
}
