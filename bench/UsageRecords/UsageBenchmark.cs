using System.Globalization;
using Npgsql;
using Yapit.Bench.Shared;
using Yapit.Billing.Data;
using Yapit.Billing.Usage;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// Records per second through <see cref="UsageLedger.RecordAsync"/> at a fixed concurrency on a durable Postgres,
/// against pgbench's single-row UPDATE at the same concurrency on the same server; then latency in an open loop at
/// half the peak; then every balance checked to the unit.
/// </summary>
public static class UsageBenchmark
{
    public const string PgBenchTable = "bench_balances";

    public sealed record Phase(LedgerLoad.PhaseResult Result, string LoadBefore, CpuMeter.Usage Cpu, double ServerTransactionsPerRecord, IReadOnlyList<string> PostgresLog);

    public sealed record PgBenchPhase(string Script, PgBenchProcess.Output Result, string LoadBefore, CpuMeter.Usage Cpu, bool BalanceExact, IReadOnlyList<string> PostgresLog);

    public sealed record Round(Phase Ledger, PgBenchPhase? PgBench, double? Ratio);

    public sealed record Targets(double PeakRecordsPerSecond, double PgBenchTps, IReadOnlyList<double> RoundRatios, double Ratio, bool ThroughputMet, double HalfRate, double HalfP99Ms, bool LatencyMet, bool BalancesExact);

    public sealed record Report(
        string? Label, string Source, DateTime MeasuredAtUtc, MachineInfo Machine, IReadOnlyDictionary<string, string> Postgres, string LedgerConnection, UsageOptions Options,
        string Seed, Phase Warmup, IReadOnlyList<Round> Rounds, Phase HalfPeakRamp, Phase HalfPeak, HttpPhases? Http, BalanceCheck.Result Balances, Targets Targets, string LoadAverageAfter);

    /// <summary>The same load through the gateway's POST /v1/usage/records; the ratio is to the rounds' median pgbench rate.</summary>
    public sealed record HttpPhases(Phase Warmup, Phase Peak, double? RatioToPgBench, Phase HalfPeakRamp, Phase HalfPeak);

    public static async Task<int> RunAsync(UsageOptions options, CancellationToken cancellationToken)
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
        var database = await postgres.CreateDatabaseAsync("usage", migrated: true, cancellationToken);

        // The data source as the gateway builds the ledger's (BillingDatabase.AddBillingDatabase: auto-prepare 32, its own pool without reset on reuse).
        var ledgerConnection = options.NpgsqlSettings is { Length: > 0 } extra ? $"{database};{extra}" : database;
        await using var dataSource = BillingDatabase.CreateDataSource(ledgerConnection, purpose: "usage ledger", statelessSessions: true);
        var catalogs = new MeterCatalogSource(dataSource, TimeProvider.System);
        var ledgerOptions = new UsageLedgerOptions();
        ledgerOptions.MaxConcurrentRecordWrites = options.RecordWriters ?? ledgerOptions.MaxConcurrentRecordWrites;
        ledgerOptions.MaxRecordBatch = options.RecordBatch ?? ledgerOptions.MaxRecordBatch;
        Console.WriteLine($"ledger: {ledgerOptions.MaxConcurrentRecordWrites} record writers, at most {ledgerOptions.MaxRecordBatch} records a statement");
        var ledger = new UsageLedger(dataSource, catalogs, TimeProvider.System, ledgerOptions);
        var users = Enumerable.Range(0, options.Users).Select(i => $"user_bench_{i.ToString("D4", CultureInfo.InvariantCulture)}").ToList();
        await UsageSeed.CatalogAsync(dataSource, cancellationToken);
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        await UsageSeed.UsersAsync(dataSource, ledger, users, cancellationToken);
        var before = await BalanceCheck.BalancesAsync(dataSource, cancellationToken);
        var renewalsBefore = await BalanceCheck.RenewalsAsync(dataSource, cancellationToken);
        var seed = $"{users.Count} users on plus (tokens {UsageSeed.PlusTokens} a period) in {seeding.Elapsed.TotalSeconds:0.0} s: " +
            $"rollover {before.Values.Sum(b => b.Rollover)} in {before.Values.Count(b => b.Rollover > 0)} users, purchased {before.Values.Sum(b => b.Purchased)} in {before.Values.Count(b => b.Purchased > 0)} users, {renewalsBefore} renewals";
        Console.WriteLine($"seed: {seed}");
        var limit = (await catalogs.GetAsync(cancellationToken)).Limit("plus", "tokens");

        await CreatePgBenchTableAsync(database, options.Users, cancellationToken);
        var load = new LedgerLoad(ledger, users, options.MaxAmount, options.RecordsPerCall);
        Console.WriteLine($"callers: {options.Concurrency}, {options.RecordsPerCall} record(s) a call");
        var groups = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            // This process: the ledger and its callers during the ledger's phases, pgbench (its child) during pgbench's.
            ["bench"] = Environment.ProcessId,
        };
        if (postgres.ServerProcessId is { } postmaster)
        {
            groups["postgres"] = postmaster;
        }

        async Task<Phase> MeasureAsync(Func<Task<LedgerLoad.PhaseResult>> run, bool clean = true)
        {
            var started = DateTime.UtcNow;
            if (clean)
            {
                await CleanStartAsync(database, cancellationToken);
            }
            var loadBefore = MachineInfo.Load();
            var cpu = CpuMeter.Take(groups);
            var commits = await CommitsAsync(database, cancellationToken);
            var result = await run();
            var usage = CpuMeter.Between(cpu, CpuMeter.Take(groups));
            // Commits of the database per record (the statistics counters lag by up to 0.5 s: read after a pause).
            await Task.Delay(700, cancellationToken);
            var perRecord = Math.Round((await CommitsAsync(database, cancellationToken) - commits - 1) / (double)Math.Max(1, result.Records), 3);
            var phase = new Phase(result, loadBefore, usage, perRecord, BenchPostgres.LogBetween(started, DateTime.UtcNow));
            Console.WriteLine($"{result.Name}: {result.RecordsPerSecond:0.0} records/s ({result.Records} records, {result.Failed} failed) in {result.Seconds:0.0} s; {result.Latency}");
            if (result.ServiceTime is { } service)
            {
                Console.WriteLine($"  service time (from the actual send): {service}");
            }
            Console.WriteLine($"  load before {loadBefore}; {usage}; {perRecord:0.000} server commits per record");
            foreach (var error in result.Errors)
            {
                Console.WriteLine($"  error: {error}");
            }
            PrintPostgresLog(phase.PostgresLog);
            return phase;
        }

        async Task<PgBenchPhase> PgBenchAsync()
        {
            var started = DateTime.UtcNow;
            await CleanStartAsync(database, cancellationToken, $"public.{PgBenchTable}");
            var sumBefore = await PgBenchSumAsync(database, cancellationToken);
            var loadBefore = MachineInfo.Load();
            var cpu = CpuMeter.Take(groups);
            var script = $"\\set id random(1, {options.Users.ToString(CultureInfo.InvariantCulture)})\nUPDATE public.{PgBenchTable} SET balance = balance + 1 WHERE id = :id;\n";
            var workDirectory = Directory.CreateTempSubdirectory("yapit-pgbench-").FullName;
            PgBenchProcess.Output output;
            try
            {
                output = await PgBenchProcess.RunAsync(database, workDirectory, script,
                [
                    "-n", "-M", "prepared", "-c", options.Concurrency.ToString(CultureInfo.InvariantCulture),
                    "-j", Math.Min(options.Concurrency, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                    "-T", ((int)options.Duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-P", "5",
                ], cancellationToken);
            }
            finally
            {
                Directory.Delete(workDirectory, recursive: true);
            }
            var usage = CpuMeter.Between(cpu, CpuMeter.Take(groups));
            // Every committed UPDATE added exactly one: the table's sum moved by the transaction count.
            var exact = await PgBenchSumAsync(database, cancellationToken) - sumBefore == output.Transactions;
            var phase = new PgBenchPhase(script.Trim(), output, loadBefore, usage, exact, BenchPostgres.LogBetween(started, DateTime.UtcNow));
            Console.WriteLine($"pgbench: {output.Tps:0.0} tps ({output.Transactions} transactions, {output.Failed} failed, latency average {output.LatencyAverageMs:0.000} ms); sum exact: {exact}");
            Console.WriteLine($"  load before {loadBefore}; {usage}");
            PrintPostgresLog(phase.PostgresLog);
            return phase;
        }

        var warmup = await MeasureAsync(() => load.ClosedLoopAsync("warm-up", options.Concurrency, options.Warmup, cancellationToken), clean: false);
        var rounds = new List<Round>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            var ledgerPhase = await MeasureAsync(() => load.ClosedLoopAsync($"peak, round {round}", options.Concurrency, options.Duration, cancellationToken));
            var pgbench = options.SkipPgBench ? null : await PgBenchAsync();
            var ratio = pgbench is null ? (double?)null : Math.Round(ledgerPhase.Result.RecordsPerSecond / pgbench.Result.Tps, 3);
            if (ratio is { } r)
            {
                Console.WriteLine($"round {round}: ledger / pgbench = {r:0.000}");
            }
            rounds.Add(new Round(ledgerPhase, pgbench, ratio));
        }
        var peak = Median(rounds.Select(r => r.Ledger.Result.RecordsPerSecond));
        var halfRate = options.HalfRate ?? Math.Round(peak / 2, 1);
        var ramp = await MeasureAsync(() => load.OpenLoopAsync("half of peak, ramp", options.Concurrency, halfRate, options.Ramp, cancellationToken));
        var half = await MeasureAsync(() => load.OpenLoopAsync("half of peak", options.Concurrency, halfRate, options.Duration, cancellationToken), clean: false);

        HttpPhases? http = null;
        if (options.Http)
        {
            await using var gateway = await GatewayRecords.StartAsync(ledgerConnection, ledgerOptions, cancellationToken);
            groups["gateway"] = gateway.ProcessId;
            LedgerLoad.Sender via = gateway.SendAsync;
            var httpWarmup = await MeasureAsync(() => load.ClosedLoopAsync("http warm-up", options.Concurrency, options.Warmup, cancellationToken, via), clean: false);
            var httpPeak = await MeasureAsync(() => load.ClosedLoopAsync("http peak", options.Concurrency, options.Duration, cancellationToken, via));
            var pgbenchMedian = Median(rounds.Where(r => r.PgBench is not null).Select(r => r.PgBench!.Result.Tps));
            var httpRatio = pgbenchMedian > 0 ? Math.Round(httpPeak.Result.RecordsPerSecond / pgbenchMedian, 3) : (double?)null;
            Console.WriteLine($"http: gateway / pgbench (median of the rounds) = {httpRatio:0.000}");
            var httpRate = Math.Round(httpPeak.Result.RecordsPerSecond / 2, 1);
            var httpRamp = await MeasureAsync(() => load.OpenLoopAsync("http half of peak, ramp", options.Concurrency, httpRate, options.Ramp, cancellationToken, via));
            var httpHalf = await MeasureAsync(() => load.OpenLoopAsync("http half of peak", options.Concurrency, httpRate, options.Duration, cancellationToken, via), clean: false);
            http = new HttpPhases(httpWarmup, httpPeak, httpRatio, httpRamp, httpHalf);
            groups.Remove("gateway");
        }

        var balances = await BalanceCheck.VerifyAsync(dataSource, users, before, renewalsBefore, load, limit, cancellationToken);
        Console.WriteLine($"balances: {(balances.Exact ? "EXACT" : "MISMATCH")} for {balances.Users} users: {balances.Records} records of {balances.Amount} in the ledger, " +
            $"{balances.RecordsAnswered} records of {balances.AmountAnswered} answered; from allowance {balances.TotalFromAllowance}, rollover {balances.TotalFromRollover}, " +
            $"purchased {balances.TotalFromPurchased}, to debt {balances.TotalToDebt}; users in debt {balances.UsersInDebt}, with rollover left {balances.UsersWithRolloverLeft}, " +
            $"with purchased left {balances.UsersWithPurchasedLeft}; renewals during the run {balances.RenewalsDuringRun}");
        foreach (var mismatch in balances.FirstMismatches)
        {
            Console.WriteLine($"  mismatch: {mismatch}");
        }

        var ratios = rounds.Where(r => r.Ratio is not null).Select(r => r.Ratio!.Value).ToList();
        var pgbenchTps = rounds.Where(r => r.PgBench is not null).Select(r => r.PgBench!.Result.Tps).ToList();
        var ratioMedian = ratios.Count > 0 ? Median(ratios) : 0;
        var targets = new Targets(peak, pgbenchTps.Count > 0 ? Median(pgbenchTps) : 0, ratios, ratioMedian, ratioMedian >= 0.5, halfRate, half.Result.Latency.P99Ms,
            half.Result.Latency.P99Ms < 5 && half.Result.Failed == 0, balances.Exact);
        Console.WriteLine($"targets: ledger {peak:0.0}/s vs pgbench {targets.PgBenchTps:0.0} tps, ratio {ratioMedian:0.000} (rounds {string.Join(", ", ratios.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture)))}) " +
            $"-> {(targets.ThroughputMet ? "met" : "NOT met")} (>= 0.5); p99 at {halfRate:0.0}/s {half.Result.Latency.P99Ms:0.00} ms -> {(targets.LatencyMet ? "met" : "NOT met")} (< 5 ms); " +
            $"balances {(balances.Exact ? "exact" : "NOT exact")}");

        var report = new Report(options.Label, source, DateTime.UtcNow, machine, settings, options.NpgsqlSettings ?? "(BillingDatabase defaults)", options, seed,
            warmup, rounds, ramp, half, http, balances, targets, MachineInfo.Load());
        var name = options.Label is { Length: > 0 } label ? $"usage-records-{label}" : "usage-records";
        var path = await ResultFile.WriteAsync(name, report, options.ResultsDirectory, cancellationToken);
        Console.WriteLine($"results: {path}");
        return balances.Exact && rounds.All(r => r.PgBench?.BalanceExact ?? true) ? 0 : 1;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task CreatePgBenchTableAsync(string connectionString, int rows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"""
            CREATE TABLE public.{PgBenchTable} (id integer PRIMARY KEY, balance bigint NOT NULL DEFAULT 0);
            INSERT INTO public.{PgBenchTable} (id) SELECT generate_series(1, {rows.ToString(CultureInfo.InvariantCulture)});
            """, connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> PgBenchSumAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var sum = new NpgsqlCommand($"SELECT coalesce(sum(balance), 0)::bigint FROM public.{PgBenchTable}", connection);
        return (long)(await sum.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<long> CommitsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetInt64(0);
    }

    /// <summary>No phase inherits another's dirty buffers or dead rows.</summary>
    private static async Task CleanStartAsync(string connectionString, CancellationToken cancellationToken, string? table = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var vacuum = table is null ? "VACUUM (ANALYZE) billing.usage_accounts, billing.usage_balances, billing.usage_records" : $"VACUUM (ANALYZE) {table}";
        foreach (var sql in new[] { vacuum, "CHECKPOINT" })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static void PrintPostgresLog(IReadOnlyList<string> lines)
    {
        foreach (var line in lines.Where(l => l.Contains("checkpoint", StringComparison.OrdinalIgnoreCase) || l.Contains("automatic vacuum", StringComparison.OrdinalIgnoreCase)
            || l.Contains("lock", StringComparison.OrdinalIgnoreCase)).Take(8))
        {
            Console.WriteLine($"  postgres: {line}");
        }
    }
}
