using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Npgsql;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Bench.Shared;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// The intake load test: a durable Postgres (fsync and synchronous commit on: an acknowledged event must survive a
/// crash, so that is the cost to measure), a migrated database, the gateway as its own process, then warm-up, rounds
/// of peak (closed loop) each followed by pgbench's INSERT rate on the same server, half of peak (open loop, after a
/// short ramp at the same rate), a check that the inbox holds exactly the accepted events, and pgbench alone at the
/// half-peak rate. Each phase but the measured half-peak (which follows its ramp) starts after a VACUUM of its table
/// and a CHECKPOINT (see <see cref="CleanStartAsync"/>).
/// </summary>
public static class IntakeBenchmark
{
    private const string SecretKey = "sk_test_yapit_bench_intake";
    private const string WebhookSecret = "whsec_yapit_bench_intake_secret";

    /// <param name="GatewaySwitchesPerEvent">The gateway's context switches per request sent (<see cref="ContextSwitches"/>).</param>
    public sealed record Phase(IntakeLoad.PhaseResult Result, string LoadBefore, CpuMeter.Usage Cpu, double GatewaySwitchesPerEvent, WaitEventSampler.Summary ServerWaits, IReadOnlyList<string> PostgresLog);

    /// <summary>One round of the throughput comparison: the intake's peak, then pgbench's inbox-like INSERT right after it.</summary>
    public sealed record Round(int Number, Phase Intake, PgBenchPhase? PgBench, double? Ratio);

    public sealed record PgBenchPhase(PgBench.Result Result, string LoadBefore, CpuMeter.Usage Cpu, IReadOnlyList<string> PostgresLog);

    public sealed record Verification(long Accepted, long Unknown, long InboxRows, long DistinctIds, long Lost, long Unexpected, bool Exact, long InsertTransactions);

    public sealed record Targets(
        double PeakAcceptedPerSecond, double PgBenchInboxLikeTps, double RatioToInboxLike, IReadOnlyList<double> RoundRatios, double PgBenchPreparedTps, double RatioToPrepared, double PgBenchMinimalTps, double RatioToMinimal,
        bool ThroughputMet, double HalfRate, double HalfP99Ms, bool LatencyMet, double? PgBenchAtHalfRateP99Ms);

    public sealed record Report(
        string? Label, string Source, DateTime MeasuredAtUtc, MachineInfo Machine, IReadOnlyDictionary<string, string> Postgres, string PostgresSource, string GatewayBuild,
        IntakeOptions Options, IReadOnlyList<int> BodySizes, Phase Warmup, IReadOnlyList<Round> Rounds, Phase HalfPeakRamp, Phase HalfPeak, Verification Inbox,
        IReadOnlyList<PgBenchPhase> PgBench, Targets? Targets, IReadOnlyList<string> GatewayLog);

    public static async Task<int> RunAsync(IntakeOptions options, CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Capture();
        var source = SourceVersion.Describe();
        Console.WriteLine($"machine: {machine}");
        Console.WriteLine($"source: {source}");

        await using var postgres = await BenchPostgres.StartAsync(durable: true, cancellationToken);
        var settings = await postgres.SettingsAsync(cancellationToken);
        if (!postgres.IsExternal)
        {
            await postgres.LogBackgroundWorkAsync(cancellationToken);
        }
        Console.WriteLine($"postgres: {string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))}");
        var database = await postgres.CreateDatabaseAsync("intake", migrated: true, cancellationToken);
        if (options.InboxStorage is { Length: > 0 } storage)
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(cancellationToken);
            await using var alter = new NpgsqlCommand($"ALTER TABLE billing.webhook_inbox SET ({storage})", connection);
            await alter.ExecuteNonQueryAsync(cancellationToken);
            Console.WriteLine($"inbox: ALTER TABLE billing.webhook_inbox SET ({storage})");
        }

        var gatewayAssembly = ProjectMetadata.For("Gateway").AssemblyPath;
        var gatewayBuild = gatewayAssembly.Contains("/release/", StringComparison.OrdinalIgnoreCase) ? "Release" : "Debug";
        var gatewayDatabase = options.NpgsqlSettings is { Length: > 0 } extra ? $"{database};{extra}" : database;
        var gatewayEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__billingdb"] = gatewayDatabase,
            ["Stripe__SecretKey"] = SecretKey,
            ["Stripe__WebhookSecrets__0"] = WebhookSecret,
            // Console logging of every request would measure the console, not the intake.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var setting in options.GatewayEnvironment)
        {
            var (key, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            gatewayEnvironment[key] = value;
        }
        var gatewayUrl = new Uri($"http://127.0.0.1:{LocalPostgresServer.FreePort().ToString(CultureInfo.InvariantCulture)}/");
        await using var gateway = await ChildService.StartAsync(
            "gateway",
            gatewayAssembly,
            [],
            new Dictionary<string, string>(gatewayEnvironment) { ["ASPNETCORE_URLS"] = gatewayUrl.ToString().TrimEnd('/') },
            new Uri(gatewayUrl, "health"),
            cancellationToken);
        Console.WriteLine($"gateway: {gatewayAssembly} ({gatewayBuild}) on {gatewayUrl}" +
            (options.GatewayEnvironment.Count + (options.NpgsqlSettings is null ? 0 : 1) > 0 ? $"; with {string.Join(", ", [.. options.GatewayEnvironment, .. options.NpgsqlSettings is null ? Array.Empty<string>() : [$"Npgsql: {options.NpgsqlSettings}"]])}" : string.Empty));

        var bodies = new StripeEventBodies(count: 512, options.MinBodyBytes, options.MaxBodyBytes, seed: 6);
        var runTag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        using var load = new IntakeLoad(new IPEndPoint(IPAddress.Loopback, gatewayUrl.Port), "/v1/billing/webhook", WebhookSecret, bodies, runTag);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["gateway"] = gateway.ProcessId,
            // This process: the load generator during the intake phases, pgbench (its child) during pgbench's.
            ["client"] = Environment.ProcessId,
        };
        if (postgres.ServerProcessId is { } postmaster)
        {
            groups["postgres"] = postmaster;
        }

        async Task<Phase> MeasureAsync(Func<Task<IntakeLoad.PhaseResult>> run, bool checkpoint = true)
        {
            var started = DateTime.UtcNow;
            if (checkpoint)
            {
                await CleanStartAsync(database, cancellationToken);
            }
            var loadBefore = MachineInfo.Load();
            var before = CpuMeter.Take(groups);
            var switches = ContextSwitches.Count(gateway.ProcessId);
            var waits = WaitEventSampler.Start(database);
            var result = await run();
            var usage = CpuMeter.Between(before, CpuMeter.Take(groups));
            var perEvent = Math.Round((ContextSwitches.Count(gateway.ProcessId) - switches) / (double)Math.Max(1, result.Sent), 1);
            var phase = new Phase(result, loadBefore, usage, perEvent, await waits.StopAsync(), BenchPostgres.LogBetween(started, DateTime.UtcNow));
            await waits.DisposeAsync();
            Console.WriteLine($"{result.Name}: {result.AcceptedPerSecond:0.0} accepted/s ({result.Accepted} accepted, {result.Failed} failed) in {result.Seconds:0.0} s; {result.Latency}");
            if (result.ServiceLatency is { } service)
            {
                Console.WriteLine($"  service time (from the actual send): {service}; at most {result.MaxInFlight} in flight");
            }
            Console.WriteLine($"  load before {loadBefore}; {phase.Cpu}; gateway: {phase.GatewaySwitchesPerEvent:0.0} context switches per event");
            Console.WriteLine($"  server waits (active backends, {phase.ServerWaits.Samples} samples): {string.Join(", ", phase.ServerWaits.WaitShares.Select(w => $"{w.Key} {w.Value:0}%"))}; " +
                $"busiest at {phase.ServerWaits.BusiestAtSeconds:0.0} s: {phase.ServerWaits.BusiestWaits}");
            Console.WriteLine($"  client GC: {result.ClientGc.Gen0}/{result.ClientGc.Gen1}/{result.ClientGc.Gen2} (gen 0/1/2), {result.ClientGc.PauseMs:0} ms paused; " +
                $"stalls (requests over {IntakeLoad.StallThresholdMs} ms): {(result.Stalls.Count == 0 ? "none" : string.Join(", ", result.Stalls.Select(s => $"{s.Requests} at {s.AtSeconds:0.0} s (max {s.MaxMs:0} ms)")))}");
            PrintPostgresLog(phase.PostgresLog);
            return phase;
        }

        await PgBench.CreateTablesAsync(database, cancellationToken);
        var payload = StripeEventBodies.Sample((options.MinBodyBytes + options.MaxBodyBytes) / 2, seed: 1);
        var pgbench = new List<PgBenchPhase>();
        async Task<PgBenchPhase> MeasurePgBenchAsync(PgBench.Variant variant, bool cleanStart, double? rate = null)
        {
            var started = DateTime.UtcNow;
            if (cleanStart)
            {
                await CleanStartAsync(database, cancellationToken, $"public.{variant.Table}");
            }
            var loadBefore = MachineInfo.Load();
            var before = CpuMeter.Take(groups);
            var result = await PgBench.RunAsync(database, variant, payload, options.Concurrency, options.Duration, cancellationToken, rate);
            var phase = new PgBenchPhase(result, loadBefore, CpuMeter.Between(before, CpuMeter.Take(groups)), BenchPostgres.LogBetween(started, DateTime.UtcNow));
            if (rate is null)
            {
                Console.WriteLine($"pgbench {variant.Name} ({variant.Description}): {result.Tps:0.0} tps ({result.Transactions} inserts, {result.Failed} failed), " +
                    $"latency average {result.LatencyAverageMs:0.00} ms; payload {payload.Length} bytes, -c {result.Clients} -j {result.Threads} -T {result.Seconds} -M {result.Protocol}");
            }
            else
            {
                Console.WriteLine($"pgbench {result.Variant} ({rate:0.0}/s after a {options.Ramp.TotalSeconds:0} s ramp, -c {result.Clients} -j {result.Threads} -T {result.Seconds}): {result.Tps:0.0} tps; {result.Latency}");
            }
            Console.WriteLine($"  load before {phase.LoadBefore}; {phase.Cpu}");
            PrintPostgresLog(phase.PostgresLog);
            return phase;
        }

        var warmup = await MeasureAsync(() => load.ClosedLoopAsync("warm-up", options.PeakSenders, options.Warmup, cancellationToken));

        // The throughput target compares two rates measured minutes apart on a shared host whose steal time swings
        // from 0 to 25% within minutes; so each intake peak is paired with a pgbench run right after it, and the
        // target is judged on the median of the rounds' ratios.
        var rounds = new List<Round>();
        for (var number = 1; number <= (options.SkipPgBench ? 1 : options.Rounds); number++)
        {
            var intake = await MeasureAsync(() => load.ClosedLoopAsync($"round {number}: peak ({options.PeakSenders} closed-loop senders)", options.PeakSenders, options.Duration, cancellationToken));
            if (options.SkipPgBench)
            {
                rounds.Add(new Round(number, intake, null, null));
                break;
            }
            var yardstick = await MeasurePgBenchAsync(PgBench.Variants[0], cleanStart: true);
            var ratio = Math.Round(intake.Result.AcceptedPerSecond / yardstick.Result.Tps, 2);
            rounds.Add(new Round(number, intake, yardstick, ratio));
            Console.WriteLine($"round {number}: intake {intake.Result.AcceptedPerSecond:0.0}/s vs pgbench {yardstick.Result.Tps:0.0} tps => x{ratio:0.00} " +
                $"(CPU steal {intake.Cpu.StealPercent:0}% / {yardstick.Cpu.StealPercent:0}%)");
        }
        var peakRate = Median(rounds.Select(r => r.Intake.Result.AcceptedPerSecond));
        var halfRate = options.HalfRate ?? peakRate / 2;
        // The same rate unmeasured first: the step from closed to open loop (new client connections, the checkpoint's
        // full-page writes) is a transient of this benchmark, not the steady state the target is about. Reported too.
        var ramp = await MeasureAsync(() => load.OpenLoopAsync($"half of peak, ramp ({halfRate:0} events/s, open loop)", halfRate, options.Ramp, cancellationToken));
        var half = await MeasureAsync(() => load.OpenLoopAsync($"half of peak ({halfRate:0} events/s, open loop)", halfRate, options.Duration, cancellationToken), checkpoint: false);

        // The latency target's yardstick, right after the half-peak phase (paired, as each round's peak is): Postgres
        // alone at the same rate, into a copy of the inbox as the ramp found it, with the same unmeasured ramp first,
        // so the table's size and its autovacuum debt match the half-peak phase.
        PgBenchPhase? atHalfRate = null;
        if (!options.SkipPgBench)
        {
            await PgBench.CreateAtRateTableAsync(database, warmup.Result.Accepted + rounds.Sum(r => r.Intake.Result.Accepted), cancellationToken);
            await PgBench.RunAsync(database, PgBench.InboxLikeAtRate, payload, options.Concurrency, options.Ramp, cancellationToken, halfRate);
            atHalfRate = await MeasurePgBenchAsync(PgBench.InboxLikeAtRate, cleanStart: false, halfRate);
            pgbench.Add(atHalfRate);
        }

        var verification = await VerifyAsync(database, load, cancellationToken);
        Console.WriteLine($"inbox: {verification.InboxRows} rows ({verification.DistinctIds} distinct) for {verification.Accepted} accepted events " +
            $"({verification.Unknown} of unknown fate): {verification.Lost} lost, {verification.Unexpected} unexpected => {(verification.Exact ? "exact" : "MISMATCH")}; " +
            $"committed by {verification.InsertTransactions} insert transactions ({(double)verification.InboxRows / Math.Max(1, verification.InsertTransactions):0.00} rows each)");

        // The other variants, once each, for scale: the insert prepared, the bare minimum, and the INSERT with the
        // notify InboxStore had. (Measured after the rounds, so not paired: context, not the target's yardstick.)
        foreach (var variant in options.SkipPgBench ? [] : PgBench.Variants.Skip(1))
        {
            pgbench.Add(await MeasurePgBenchAsync(variant, cleanStart: true));
        }

        Targets? targets = null;
        if (!options.SkipPgBench)
        {
            var inboxLike = Median(rounds.Select(r => r.PgBench!.Result.Tps));
            var ratios = rounds.Select(r => r.Ratio!.Value).ToList();
            var ratio = Median(ratios);
            var minimal = pgbench.Single(p => p.Result.Variant == "minimal").Result.Tps;
            var prepared = pgbench.Single(p => p.Result.Variant == "inbox-like prepared").Result.Tps;
            var pgbenchP99 = atHalfRate?.Result.Latency?.P99Ms;
            targets = new Targets(
                peakRate, inboxLike, ratio, ratios, prepared, Math.Round(peakRate / prepared, 2), minimal, Math.Round(peakRate / minimal, 2),
                ratio >= 0.5, Math.Round(halfRate, 1), half.Result.Latency.P99Ms, half.Result.Latency.P99Ms < 50, pgbenchP99);
            Console.WriteLine();
            Console.WriteLine($"target 1: intake >= 1/2 of pgbench: rounds x{string.Join(" / x", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}, median x{ratio:0.00} " +
                $"(medians {peakRate:0.0}/s vs {inboxLike:0.0} tps inbox-like; x{targets.RatioToPrepared:0.00} of the prepared insert's {prepared:0.0} tps, x{targets.RatioToMinimal:0.00} of the minimal table's {minimal:0.0}) => {(targets.ThroughputMet ? "met" : "NOT met")}");
        }
        Console.WriteLine($"target 2: p99 < 50 ms at half of peak ({halfRate:0.0}/s): p99 {half.Result.Latency.P99Ms:0.00} ms => {(half.Result.Latency.P99Ms < 50 ? "met" : "NOT met")}" +
            (atHalfRate?.Result.Latency is { } alone ? $"; Postgres alone (pgbench) at that rate: p99 {alone.P99Ms:0.00} ms, max {alone.MaxMs:0.00} ms" : ""));

        var report = new Report(options.Label, source, DateTime.UtcNow, machine, settings,
            postgres.IsExternal ? "ConnectionStrings__billingdb" : "local throw-away cluster, durable (fsync on, synchronous_commit on)",
            gatewayBuild, options, bodies.Sizes.Order().ToArray() is var sizes ? [sizes[0], sizes[sizes.Length / 2], sizes[^1]] : [],
            warmup, rounds, ramp, half, verification, pgbench, targets, gateway.RecentLog());
        var path = await ResultFile.WriteAsync(options.Label is { Length: > 0 } label ? $"webhook-intake-{label}" : "webhook-intake", report, options.ResultsDirectory, cancellationToken);
        Console.WriteLine($"report: {path}");
        return verification.Exact ? 0 : 1;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The server's notable lines (checkpoints, autovacuum, lock waits); new connections only as a count.</summary>
    private static void PrintPostgresLog(IReadOnlyList<string> lines)
    {
        var connections = lines.Count(l => l.Contains("connection authenticated", StringComparison.Ordinal));
        // Only first lines (autovacuum reports continue on tab-indented lines; the JSON report keeps them all).
        foreach (var line in lines.Where(l => !l.StartsWith('\t') && !l.Contains("connection ", StringComparison.Ordinal)))
        {
            Console.WriteLine($"  postgres: {(line.Length > 160 ? line[..160] + "..." : line)}");
        }
        if (connections > 0)
        {
            Console.WriteLine($"  postgres: {connections} new connection(s)");
        }
    }

    /// <summary>
    /// A clean start for a measured phase: the inbox vacuumed and analysed (or the first autovacuum of a table that
    /// grew by 100,000 rows in a minute, which dirties every page, lands in some phase and not in others) and a
    /// checkpoint (so no phase inherits another's dirty buffers and each starts with the same full-page writes).
    /// </summary>
    private static async Task CleanStartAsync(string connectionString, CancellationToken cancellationToken, string table = "billing.webhook_inbox")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var sql in new[] { $"VACUUM (ANALYZE) {table}", "CHECKPOINT" })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Every accepted event is in the inbox once, and nothing else is (but events whose answer was lost may be).</summary>
    private static async Task<Verification> VerifyAsync(string connectionString, IntakeLoad load, CancellationToken cancellationToken)
    {
        var rows = new HashSet<string>(StringComparer.Ordinal);
        long total;
        long transactions;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // xmin is the inserting transaction: how many commits carried the rows, i.e. how much the gateway batched.
        await using (var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT xmin::text) FROM billing.webhook_inbox", connection))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (total, transactions) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        await using (var ids = new NpgsqlCommand("SELECT event_id FROM billing.webhook_inbox", connection))
        await using (var reader = await ids.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(reader.GetString(0));
            }
        }
        var accepted = load.Accepted.ToHashSet(StringComparer.Ordinal);
        var unknown = load.Unknown.ToHashSet(StringComparer.Ordinal);
        var lost = accepted.Count(id => !rows.Contains(id));
        var unexpected = rows.Count(id => !accepted.Contains(id) && !unknown.Contains(id));
        return new Verification(load.Accepted.Count, unknown.Count, total, rows.Count, lost, unexpected,
            lost == 0 && unexpected == 0 && total == rows.Count && accepted.Count == load.Accepted.Count && rows.Count == accepted.Count + rows.Count(unknown.Contains),
            transactions);
    }
}
