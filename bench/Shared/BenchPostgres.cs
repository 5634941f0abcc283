using System.Collections.Concurrent;
using Npgsql;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Billing.Data;

namespace Yapit.Bench.Shared;

/// <summary>
/// The Postgres a benchmark runs on: a throw-away local cluster (the tests' own <see cref="LocalPostgresServer"/>)
/// or, when <c>ConnectionStrings__billingdb</c> is set, that server. Either way each benchmark gets fresh, migrated
/// databases of its own, so nothing measured depends on what an earlier run left.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    private readonly LocalPostgresServer? _server;
    private readonly string? _root;
    private readonly string _adminConnectionString;
    private static readonly ConcurrentQueue<(DateTime At, string Line)> ServerLog = new();

    private BenchPostgres(LocalPostgresServer? server, string? root, string adminConnectionString, bool durable)
    {
        _server = server;
        _root = root;
        _adminConnectionString = adminConnectionString;
        Durable = durable;
    }

    /// <summary>The postmaster's process id when the cluster is ours (for CPU accounting).</summary>
    public int? ServerProcessId => _server?.ProcessId;

    public bool IsExternal => _server is null;

    public bool Durable { get; }

    /// <param name="durable">
    /// True keeps Postgres' defaults (fsync on, synchronous commit): a commit is on disk when it returns. False turns
    /// them off, for runs where durability is not what is measured.
    /// </param>
    public static async Task<BenchPostgres> StartAsync(bool durable, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__billingdb") is { Length: > 0 } external)
        {
            return new BenchPostgres(null, null, new NpgsqlConnectionStringBuilder(external) { Database = "postgres" }.ConnectionString, durable);
        }
        // Under the temp directory (world-searchable: the postgres OS user must reach it when we are root), on disk.
        var root = Path.Combine(Path.GetTempPath(), $"yapit-bench-{Guid.NewGuid():N}");
        var server = new LocalPostgresServer(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(root, "postgres"),
            Durable = durable,
            MaxConnections = 300,
            Log = line => ServerLog.Enqueue((DateTime.UtcNow, line)),
        });
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        return new BenchPostgres(server, root, server.GetConnectionString("postgres"), durable);
    }

    /// <summary>A new database, with every migration when <paramref name="migrated"/>; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose, bool migrated, CancellationToken cancellationToken)
    {
        var name = $"bench_{purpose}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var connectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
        if (!migrated)
        {
            return connectionString;
        }
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource).ApplyAsync(cancellationToken).ConfigureAwait(false);
        return connectionString;
    }

    /// <summary>
    /// Makes the server log what can stall commits (checkpoints, autovacuum runs, lock waits, new connections), so a latency spike can be
    /// matched with what the server was doing.
    /// </summary>
    public async Task LogBackgroundWorkAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var setting in new[] { "log_checkpoints = on", "log_autovacuum_min_duration = 0", "log_lock_waits = on", "log_connections = on" })
        {
            await using var alter = new NpgsqlCommand($"ALTER SYSTEM SET {setting}", connection);
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the server logged (our own cluster only) between two moments.</summary>
    public static IReadOnlyList<string> LogBetween(DateTime from, DateTime to) =>
        ServerLog.Where(l => l.At >= from && l.At <= to).Select(l => l.Line).ToList();

    /// <summary>Server version and the settings that decide commit cost, as <c>SHOW</c> reports them.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SettingsAsync(CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var name in new[] { "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "commit_delay", "shared_buffers", "max_connections", "max_wal_size" })
        {
            await using var show = new NpgsqlCommand($"SHOW {name}", connection);
            settings[name] = (string)(await show.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
