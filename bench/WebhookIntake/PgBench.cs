using System.Globalization;
using Npgsql;
using Yapit.Bench.Shared;
using Yapit.Tests.Infrastructure.Postgres;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// The yardstick: what Postgres itself reaches for a single-row INSERT of an inbox-sized row, measured with
/// <c>pgbench</c> on the same server, at the same concurrency and for the same time as the intake. The payload
/// (~5 KB of event JSON) is a pgbench variable, so in extended protocol it travels as a parameter and Postgres parses
/// it as json on every insert, as it does for the gateway's insert.
/// </summary>
public static class PgBench
{
    /// <summary>
    /// What one pgbench run inserts into, whether the statement also notifies like InboxStore.InsertAsync did, and
    /// how it is sent: <c>extended</c> (parsed and planned every time, as by a client that does not prepare) or
    /// <c>prepared</c> (once per connection, as the gateway's Npgsql does since it auto-prepares).
    /// </summary>
    public sealed record Variant(string Name, string Table, bool Notify, string Description, string Protocol = "extended");

    public static readonly IReadOnlyList<Variant> Variants =
    [
        new("inbox-like", InboxLikeTable, Notify: false, "INSERT into LIKE billing.webhook_inbox INCLUDING ALL (primary key + 4 indexes)"),
        new("inbox-like prepared", InboxLikeTable, Notify: false, "the inbox-like INSERT prepared once per connection (-M prepared)", Protocol: "prepared"),
        new("minimal", MinimalTable, Notify: false, "INSERT into the same columns with a primary key only"),
        new("inbox-like+notify", InboxLikeTable, Notify: true, "the inbox INSERT with pg_notify in the same statement (how InboxStore.InsertAsync notified before InboxWakeUp)"),
    ];

    /// <summary>
    /// The latency yardstick: the inbox-like INSERT at a fixed rate (<c>-R</c>, open loop; pgbench then measures each
    /// latency from the scheduled start, as the intake's half-peak phase does), every latency logged (<c>-l</c>).
    /// </summary>
    public static readonly Variant InboxLikeAtRate =
        new("inbox-like at rate", AtRateTable, Notify: false, "the inbox-like INSERT at the intake's half-peak rate, open loop, every latency logged");

    /// <summary>Starts as a copy of the inbox as the half-peak phase found it, so autovacuum comes due alike.</summary>
    public const string AtRateTable = "bench_inbox_at_rate";

    /// <param name="Latency">Exact percentiles from pgbench's per-transaction log; only for runs at a fixed rate.</param>
    public sealed record Result(string Variant, string Description, int Clients, int Threads, int Seconds, string Protocol, long Transactions, double Tps, double LatencyAverageMs, double? LatencyStddevMs, long Failed,
        double? Rate = null, LatencySummary? Latency = null);

    /// <summary>A table like the inbox in everything (columns, defaults, checks, primary key and all four indexes).</summary>
    public const string InboxLikeTable = "bench_inbox_like";

    /// <summary>The bare minimum: the same columns but only the primary key.</summary>
    public const string MinimalTable = "bench_insert_minimal";

    public static async Task CreateTablesAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var create = new NpgsqlCommand($"""
            DROP TABLE IF EXISTS public.{InboxLikeTable}, public.{MinimalTable};
            CREATE TABLE public.{InboxLikeTable} (LIKE billing.webhook_inbox INCLUDING ALL);
            CREATE TABLE public.{MinimalTable} (
                event_id text PRIMARY KEY, event_type text NOT NULL, api_version text, livemode boolean NOT NULL,
                stripe_created timestamptz NOT NULL, object_id text, object_type text, payload json NOT NULL,
                traceparent text, tracestate text, source text NOT NULL DEFAULT 'webhook', status text NOT NULL DEFAULT 'pending',
                attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(),
                received_at timestamptz NOT NULL DEFAULT now());
            """, connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The at-rate table as the intake's half-peak ramp found the inbox: the same first <paramref name="rows"/> rows,
    /// then vacuumed and checkpointed. Its insert-triggered autovacuum (20% growth) then comes due during the run,
    /// as the inbox's did during the half-peak phase; a fresh or larger table would spare pgbench that pass.
    /// </summary>
    public static async Task CreateAtRateTableAsync(string connectionString, long rows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sql in new[]
        {
            $"DROP TABLE IF EXISTS public.{AtRateTable}",
            $"CREATE TABLE public.{AtRateTable} (LIKE billing.webhook_inbox INCLUDING ALL)",
            $"INSERT INTO public.{AtRateTable} SELECT * FROM billing.webhook_inbox ORDER BY received_at LIMIT {rows.ToString(CultureInfo.InvariantCulture)}",
            $"VACUUM (ANALYZE) public.{AtRateTable}",
            "CHECKPOINT",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<Result> RunAsync(
        string connectionString, Variant variant, string payload, int clients, TimeSpan duration, CancellationToken cancellationToken, double? rate = null)
    {
        var workDirectory = Directory.CreateTempSubdirectory("yapit-pgbench-").FullName;
        // The same statement shape as InboxStore.InsertAsync: a fresh text id, a few columns, the payload; with or
        // without its pg_notify (on a channel nobody listens to).
        const string insert = """
            INSERT INTO public.{0} (event_id, event_type, api_version, livemode, stripe_created, object_id, object_type, payload, traceparent, tracestate, source)
                VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), 'invoice.paid', '2026-10-28.endive', false, now(), 'in_1QxBench7Invoice0000001', 'invoice',
                        :payload, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', NULL, 'webhook')
                ON CONFLICT (event_id) DO NOTHING
            """;
        var statement = string.Format(CultureInfo.InvariantCulture, insert, variant.Table);
        var sql = variant.Notify
            ? $"WITH inserted AS (\n{statement}\n    RETURNING event_id)\nSELECT pg_notify('bench_inbox', event_id) FROM inserted;\n"
            : statement + ";\n";
        try
        {
            var threads = Math.Min(clients, Environment.ProcessorCount);
            var arguments = new List<string>
            {
                "-n", "-M", variant.Protocol, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", threads.ToString(CultureInfo.InvariantCulture),
                "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-P", "5", "-D", "payload=" + payload,
            };
            if (rate is { } perSecond)
            {
                arguments.AddRange(["-R", perSecond.ToString("0.###", CultureInfo.InvariantCulture), "-l", "--log-prefix", Path.Combine(workDirectory, "latency")]);
            }
            var output = await PgBenchProcess.RunAsync(connectionString, workDirectory, sql, arguments, cancellationToken).ConfigureAwait(false);
            return new Result(variant.Name, variant.Description, clients, threads, (int)duration.TotalSeconds, variant.Protocol,
                output.Transactions, output.Tps, output.LatencyAverageMs, output.LatencyStddevMs, output.Failed,
                rate, rate is null ? null : ReadLatencyLogs(workDirectory));
        }
        finally
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }

    /// <summary>
    /// pgbench's per-transaction logs (one file per thread): <c>client_id transaction_no time script_no time_epoch
    /// time_us [schedule_lag]</c>, where <c>time</c> is the latency in microseconds (from the scheduled start under -R).
    /// </summary>
    private static LatencySummary ReadLatencyLogs(string directory)
    {
        var microseconds = new List<long>();
        foreach (var file in Directory.EnumerateFiles(directory, "latency.*"))
        {
            foreach (var line in File.ReadLines(file))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // "skipped" or "failed" in place of a time: none without --latency-limit, and failures are counted apart.
                if (fields.Length >= 3 && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var latency))
                {
                    microseconds.Add(latency);
                }
            }
        }
        return LatencySummary.FromMicroseconds(microseconds);
    }
}
