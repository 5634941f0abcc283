using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Yapit.Bench.Shared;
using Yapit.Billing.Subscriptions;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Setup;

namespace Yapit.Bench.InboxDrain;

/// <summary>
/// For each backlog size and worker count: a fresh database with the catalog applied, the backlog taken in through
/// the gateway while no worker runs, then the workers started; measured from their start until every event is done
/// (or <see cref="DrainOptions.MaxSeconds"/>): events per second, and the Stripe calls the emulator served.
/// </summary>
public static class DrainBenchmark
{
    public sealed record Run(int Backlog, int Workers, int Objects, double IntakeSeconds, double DrainSeconds, bool Cut, long Processed, long Dead,
        double EventsPerSecond, long StripeCalls, double StripeCallsPerEvent, IReadOnlyDictionary<string, long> StripeCallsByRoute, string LoadBefore, string LoadAfter);

    public sealed record Report(string Source, MachineInfo Machine, DrainOptions Options, IReadOnlyDictionary<string, string> Postgres,
        PgBenchProcess.Output PgBench, double SeedSeconds, IReadOnlyList<Run> Runs, IReadOnlyList<string> Ratios);

    public static async Task<int> RunAsync(DrainOptions options, CancellationToken ct)
    {
        var machine = MachineInfo.Capture();
        var source = SourceVersion.Describe();
        Console.WriteLine($"Inbox drain, {source}");
        Console.WriteLine($"Machine: {machine}");
        Console.WriteLine($"Options: backlogs {string.Join(", ", options.Backlogs)}; workers {string.Join(", ", options.Workers)}; {options.EventsPerObject} events per subscription; at most {options.MaxSeconds} s a drain; Stripe rate {options.StripeRate} req/s");

        await using var postgres = await BenchPostgres.StartAsync(durable: true, ct);
        var settings = await postgres.SettingsAsync(ct);
        Console.WriteLine($"Postgres {settings["server_version"]}, fsync {settings["fsync"]}, synchronous_commit {settings["synchronous_commit"]}");
        var pgbench = await PgBenchAsync(postgres, options, ct);
        Console.WriteLine($"pgbench single-row UPDATE, 4 clients, {options.PgBenchSeconds} s: {pgbench.Tps:0} tps (latency average {pgbench.LatencyAverageMs:0.00} ms)");

        await using var stripe = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings());
        var stripeNet = stripe.StripeNet();
        // The catalog once in the emulator (every later apply only writes the plans table of its database).
        var catalogDatabase = await postgres.CreateDatabaseAsync("catalog", migrated: true, ct);
        await ApplyCatalogAsync(stripe, catalogDatabase);
        var objects = options.Backlogs.Max() / options.EventsPerObject;
        var (subscriptions, seedTook) = await SubscriptionSeed.CreateAsync(stripeNet, Math.Max(objects, 1), ct);
        Console.WriteLine($"Seeded {subscriptions.Count} trialing subscriptions in {seedTook.TotalSeconds:0.0} s");

        var runs = new List<Run>();
        foreach (var backlog in options.Backlogs)
        {
            foreach (var workers in options.Workers)
            {
                var run = await DrainAsync(postgres, stripe, subscriptions, backlog, workers, options, ct);
                runs.Add(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"backlog {run.Backlog,7}, {run.Workers} worker(s): {run.Processed} processed in {run.DrainSeconds:0.0} s{(run.Cut ? " (cut)" : "")} = {run.EventsPerSecond:0.0} events/s; {run.StripeCalls} Stripe calls ({run.StripeCallsPerEvent:0.00} per event); {run.Dead} dead; intake {run.IntakeSeconds:0.0} s; load {run.LoadBefore} -> {run.LoadAfter}"));
            }
        }

        var ratios = new List<string>();
        foreach (var workers in options.Workers)
        {
            var mine = runs.Where(r => r.Workers == workers).OrderBy(r => r.Backlog).ToList();
            if (mine.Count > 1)
            {
                ratios.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{workers} worker(s): rate at {mine[^1].Backlog} / rate at {mine[0].Backlog} = {mine[^1].EventsPerSecond / mine[0].EventsPerSecond:0.00} (target >= 0.8)"));
            }
        }
        foreach (var backlog in options.Backlogs)
        {
            var one = runs.FirstOrDefault(r => r.Backlog == backlog && r.Workers == 1);
            var two = runs.FirstOrDefault(r => r.Backlog == backlog && r.Workers == 2);
            if (one is not null && two is not null)
            {
                ratios.Add(string.Create(CultureInfo.InvariantCulture, $"backlog {backlog}: two workers / one = {two.EventsPerSecond / one.EventsPerSecond:0.00} (target > 1)"));
            }
        }
        ratios.ForEach(Console.WriteLine);
        var report = new Report(source, machine, options, settings, pgbench, Math.Round(seedTook.TotalSeconds, 1), runs, ratios);
        var path = await ResultFile.WriteAsync(options.Label is { } label ? $"inbox-drain-{label}" : "inbox-drain", report, options.ResultsDirectory, ct);
        Console.WriteLine($"Written to {path}");
        return 0;
    }

    private static async Task<Run> DrainAsync(BenchPostgres postgres, StripeEmulatorFixture stripe, IReadOnlyList<SeededSubscription> all,
        int backlog, int workerCount, DrainOptions options, CancellationToken ct)
    {
        var database = await postgres.CreateDatabaseAsync("drain", migrated: true, ct);
        await ApplyCatalogAsync(stripe, database);
        var subscriptions = all.Take(Math.Max(1, backlog / options.EventsPerObject)).ToList();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var store = new SubscriptionStore(dataSource);
        await Parallel.ForEachAsync(subscriptions, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (s, token) => await store.LinkCustomerAsync(s.UserId, s.CustomerId, new ChangeReason("benchmark setup"), token));

        var common = new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = database,
            ["Stripe:SecretKey"] = StripeEmulatorFixture.TestSecretKey,
            ["Stripe:ApiBase"] = stripe.BaseAddress.ToString(),
            ["Stripe:MaxRequestsPerSecond"] = options.StripeRate.ToString(CultureInfo.InvariantCulture),
            ["Billing:AppOrigin"] = "http://app.yapit.test",
            // An information line per event on the console would cost the two cores more than the work measured.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        TimeSpan intake;
        await using (var gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>(common)
        {
            ["Stripe:WebhookSecrets:0"] = stripe.WebhookSecret,
        }).Start())
        {
            using var client = gateway.CreateRealClient();
            intake = await BacklogIntake.PostAsync(client, stripe.WebhookSecret, subscriptions, backlog, options.IntakeConcurrency, ct);
        }
        var (pending, _, _) = await CountAsync(dataSource, ct);
        if (pending != backlog)
        {
            throw new InvalidOperationException($"{pending} events pending after the intake, not {backlog}");
        }
        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE billing.webhook_inbox"))
        {
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        await stripe.ResetStatsAsync(ct);
        var loadBefore = MachineInfo.Load();
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, workerCount).Select(_ => new ServiceFactory<Yapit.BillingWorker.TestingEntryPoint>(new Dictionary<string, string?>(common)
        {
            ["Backfill:Enabled"] = "false",
            ["Reconciliation:Enabled"] = "false",
        }).Start()).ToList();
        long finished, dead;
        var cut = false;
        while (true)
        {
            await Task.Delay(250, ct);
            (_, finished, dead) = await CountAsync(dataSource, ct);
            if (finished + dead >= backlog)
            {
                break;
            }
            if (Stopwatch.GetElapsedTime(started).TotalSeconds >= options.MaxSeconds)
            {
                cut = true;
                break;
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var loadAfter = MachineInfo.Load();
        var stats = await stripe.GetStatsAsync(ct);
        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        var byRoute = stats.Requests.GroupBy(r => $"{r.Method} {r.Path}").ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
        var processed = finished + dead;
        return new Run(backlog, workerCount, subscriptions.Count, Math.Round(intake.TotalSeconds, 1), Math.Round(elapsed, 1), cut, finished, dead,
            Math.Round(processed / elapsed, 1), stats.Total, processed == 0 ? 0 : Math.Round(stats.Total / (double)processed, 3), byRoute, loadBefore, loadAfter);
    }

    private static async Task ApplyCatalogAsync(StripeEmulatorFixture stripe, string database)
    {
        var applied = await new SetupHarness(stripe, database, SetupHarness.DefaultCatalog).ApplyAsync();
        if (applied.ExitCode != 0)
        {
            throw new InvalidOperationException($"stripe-setup failed: {applied}");
        }
    }

    private static async Task<(long Pending, long Finished, long Dead)> CountAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE status IN ('pending', 'processing')),
                   count(*) FILTER (WHERE status IN ('done', 'ignored')),
                   count(*) FILTER (WHERE status = 'dead')
            FROM billing.webhook_inbox WHERE event_id LIKE 'evt_drain_%'
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The yardstick: pgbench's single-row UPDATE (prepared, 4 clients) on the same server, before the drains.</summary>
    private static async Task<PgBenchProcess.Output> PgBenchAsync(BenchPostgres postgres, DrainOptions options, CancellationToken ct)
    {
        var database = await postgres.CreateDatabaseAsync("pgbench", migrated: false, ct);
        await using (var dataSource = NpgsqlDataSource.Create(database))
        await using (var create = dataSource.CreateCommand("CREATE TABLE bench_rows (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO bench_rows SELECT g, 0 FROM generate_series(1, 1000) g"))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        var work = Directory.CreateTempSubdirectory("yapit-pgbench-").FullName;
        try
        {
            return await PgBenchProcess.RunAsync(database, work, "\\set id random(1, 1000)\nUPDATE bench_rows SET n = n + 1 WHERE id = :id;\n",
                ["-n", "-M", "prepared", "-c", "4", "-j", "2", "-T", options.PgBenchSeconds.ToString(CultureInfo.InvariantCulture)], ct);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
