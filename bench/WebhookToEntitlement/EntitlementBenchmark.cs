using System.Diagnostics;
using System.Globalization;
using Yapit.Bench.Shared;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Subscriptions;

namespace Yapit.Bench.WebhookToEntitlement;

/// <summary>
/// Seeds the users, runs a warm-up and then the measured phase of steady changes, and reports the latency from the
/// emulator's answer to the update (the event exists from then on) to the gateway first showing the new state.
/// </summary>
public static class EntitlementBenchmark
{
    public static async Task<int> RunAsync(EntitlementOptions options, CancellationToken ct)
    {
        var machine = MachineInfo.Capture();
        var source = SourceVersion.Describe();
        Console.WriteLine($"Webhook to entitlement, {source}");
        Console.WriteLine($"Machine: {machine}");
        Console.WriteLine($"Options: {options.Users} users, {options.Rate.ToString(CultureInfo.InvariantCulture)} changes/s, warm-up {options.WarmupSeconds} s, measured {options.DurationSeconds} s, mode {options.Mode}, poll every {options.PollMilliseconds} ms");

        var postgres = new PostgresServerFixture();
        await postgres.InitializeAsync();
        try
        {
            var started = Stopwatch.GetTimestamp();
            await using var stack = await BillingStackHarness.StartAsync(postgres, new Dictionary<string, string?>
            {
                // An information line per event on the console would cost the two cores more than the work measured.
                ["Logging:LogLevel:Default"] = "Warning",
            });
            using var gateway = stack.Pipeline.Gateway.CreateRealClient();
            var stackStart = Stopwatch.GetElapsedTime(started);
            Console.WriteLine($"Stack started in {stackStart.TotalSeconds:0.0} s (Postgres, emulator, gateway, worker, stripe-setup apply)");

            var (users, plus, max, seedTook) = await StackSeed.RunAsync(stack, gateway, options.Users, ct);
            Console.WriteLine($"Seeded {users.Count} users with active Plus subscriptions in {seedTook.TotalSeconds:0.0} s; load average {MachineInfo.Load()}");

            var load = new ChangeLoad(stack.Stripe, gateway, users, plus, max, options);
            var warmup = options.WarmupSeconds > 0 ? await load.RunAsync(options.WarmupSeconds, ct) : null;
            if (warmup is not null)
            {
                Console.WriteLine($"Warm-up: {Describe(warmup)}");
            }
            var loadBefore = MachineInfo.Load();
            var measured = await load.RunAsync(options.DurationSeconds, ct);
            var loadAfter = MachineInfo.Load();
            var report = Report.From(measured, options, machine, source, loadBefore, loadAfter, seedTook);
            Console.WriteLine($"Measured: {Describe(measured)}");
            Console.WriteLine($"Load average before {loadBefore}, after {loadAfter}");
            Console.WriteLine($"From the update's return to the gateway showing it: {report.FromReturn}");
            Console.WriteLine($"From sending the update (includes the emulator's own time): {report.FromSend}");
            Console.WriteLine($"Update call (send to return): {report.UpdateCall}");
            Console.WriteLine($"Target p99 < 1000 ms: {(report.FromReturn.P99Ms < 1000 && report.Failed == 0 ? "met" : "NOT met")} (p99 {report.FromReturn.P99Ms:0.0} ms, {report.Failed} failed)");
            var path = await ResultFile.WriteAsync(options.Label is { } label ? $"webhook-to-entitlement-{label}" : "webhook-to-entitlement", report, options.ResultsDirectory, ct);
            Console.WriteLine($"Written to {path}");
            return 0;
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    private static string Describe(LoadPhase phase)
    {
        var shown = phase.Changes.Count(c => c.SeenTicks is not null);
        var errors = phase.Changes.Where(c => c.Error is not null).GroupBy(c => c.Error).Select(g => $"{g.Count()} x {g.Key}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{phase.Issued} changes in {phase.ElapsedSeconds:0.0} s ({phase.Issued / phase.ElapsedSeconds:0.0}/s), {shown} shown, {phase.Skipped} skipped (no idle user), {phase.Changes.Sum(c => c.Polls)} polls{(errors.Any() ? "; failed: " + string.Join(", ", errors) : "")}");
    }
}

/// <summary>Latency percentiles in milliseconds (nearest rank), with p95 which the issue asks for.</summary>
public sealed record Latency(int Count, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static Latency From(IEnumerable<long> ticks)
    {
        var sorted = ticks.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Latency(0, 0, 0, 0, 0, 0);
        }
        static double Ms(double t) => Math.Round(t * 1000.0 / Stopwatch.Frequency, 1);
        double At(double p) => Ms(sorted[Math.Max(0, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)]);
        return new Latency(sorted.Length, At(50), At(95), At(99), Ms(sorted[^1]), Ms(sorted.Average()));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50Ms:0.0} ms, p95 {P95Ms:0.0} ms, p99 {P99Ms:0.0} ms, max {MaxMs:0.0} ms (mean {MeanMs:0.0} ms, n={Count})");
}

public sealed record Report(
    string Source, MachineInfo Machine, EntitlementOptions Options, string LoadBefore, string LoadAfter, double SeedSeconds,
    int Issued, int Skipped, int Failed, double AchievedRate, double PollsPerSecond, Latency FromReturn, Latency FromSend, Latency UpdateCall,
    IReadOnlyList<string> Errors)
{
    public static Report From(LoadPhase phase, EntitlementOptions options, MachineInfo machine, string source, string loadBefore, string loadAfter, TimeSpan seed)
    {
        var shown = phase.Changes.Where(c => c.SeenTicks is not null).ToList();
        return new Report(source, machine, options, loadBefore, loadAfter, Math.Round(seed.TotalSeconds, 1),
            phase.Issued, phase.Skipped, phase.Changes.Count(c => c.Error is not null),
            Math.Round(phase.Issued / phase.ElapsedSeconds, 2), Math.Round(phase.Changes.Sum(c => c.Polls) / phase.ElapsedSeconds, 1),
            Latency.From(shown.Select(c => c.SeenTicks!.Value - c.ReturnedTicks)),
            Latency.From(shown.Select(c => c.SeenTicks!.Value - c.SentTicks)),
            Latency.From(phase.Changes.Select(c => c.ReturnedTicks - c.SentTicks)),
            phase.Changes.Where(c => c.Error is not null).Select(c => c.Error!).Distinct().ToList());
    }
}
