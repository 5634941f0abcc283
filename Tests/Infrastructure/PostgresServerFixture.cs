using Npgsql;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Billing.Data;

[assembly: AssemblyFixture(typeof(Yapit.Tests.Infrastructure.PostgresServerFixture))]

namespace Yapit.Tests.Infrastructure;

/// <summary>
/// One Postgres for the whole test run: a local cluster started with <see cref="LocalPostgresServer"/>,
/// or the server named by <c>ConnectionStrings__billingdb</c> when that is set. Tests get fresh databases from it:
/// empty, or copied from a template that already holds every migration (fast: a file copy). The server starts with the
/// first database asked for, so a run of unit tests only (<c>--filter Category=Unit</c>) never starts Postgres.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private const string MigratedTemplate = "yapit_migrated_template";
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private LocalPostgresServer? _server;
    private string? _root;
    private string _adminConnectionString = string.Empty;
    private int _counter;
    private bool _started;

    /// <summary>A connection string to the server's maintenance database (once a database was created).</summary>
    public string AdminConnectionString => _adminConnectionString;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private async Task StartAsync()
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__billingdb") is { Length: > 0 } external)
        {
            _adminConnectionString = new NpgsqlConnectionStringBuilder(external) { Database = "postgres" }.ConnectionString;
        }
        else
        {
            _root = Path.Combine(Path.GetTempPath(), $"yapit-tests-{Guid.NewGuid():N}");
            _server = new LocalPostgresServer(new LocalPostgresOptions
            {
                DataDirectory = Path.Combine(_root, "postgres"),
                Durable = false,
                MaxConnections = 400,
            });
            await _server.StartAsync(CancellationToken.None);
            _adminConnectionString = _server.GetConnectionString("postgres");
        }

        await ExecuteAsync($"DROP DATABASE IF EXISTS {MigratedTemplate}");
        await ExecuteAsync($"CREATE DATABASE {MigratedTemplate} TEMPLATE template0");
        await using (var dataSource = NpgsqlDataSource.Create(ConnectionStringFor(MigratedTemplate)))
        {
            await new MigrationRunner(dataSource).ApplyAsync();
        }
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>A new database named after <paramref name="purpose"/>; <paramref name="migrated"/> gives it every migration.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose, bool migrated = true)
    {
        var safe = new string(purpose.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').ToArray());
        var name = $"t_{safe[..Math.Min(safe.Length, 40)]}_{Interlocked.Increment(ref _counter)}_{Guid.NewGuid().ToString("N")[..6]}";
        await _createLock.WaitAsync();
        try
        {
            if (!_started)
            {
                await StartAsync();
                _started = true;
            }
            await ExecuteAsync($"CREATE DATABASE {name} TEMPLATE {(migrated ? MigratedTemplate : "template0")}");
        }
        finally
        {
            _createLock.Release();
        }
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = database }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A fresh, migrated database for one test class.</summary>
public sealed class MigratedDatabase(PostgresServerFixture server) : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = string.Empty;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await server.CreateDatabaseAsync(GetType().Name);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();
}
