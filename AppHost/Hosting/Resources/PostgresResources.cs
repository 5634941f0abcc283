using Npgsql;
using Yapit.AppHost.Hosting.Postgres;

namespace Yapit.AppHost.Hosting.Resources;

/// <summary>A local PostgreSQL server (the AppHost's stand-in for Aspire's postgres container).</summary>
public sealed class PostgresServerResource(string name, LocalPostgresOptions options) : Resource(name, "postgres"), IResourceWithConnectionString
{
    private LocalPostgresServer? _server;

    public LocalPostgresOptions Options { get; } = options;
    public List<PostgresDatabaseResource> Databases { get; } = [];

    public LocalPostgresServer Server => _server ?? throw new InvalidOperationException($"Resource '{Name}' has not started.");

    public override bool HasHealthCheck => true;

    internal override Task<int>? Completion => _server?.Exited;

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(Server.GetConnectionString());

    internal override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        _server = new LocalPostgresServer(Options with { Log = line => context.Log(line) });
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    internal override async Task<bool> CheckHealthAsync(CancellationToken cancellationToken) =>
        _server is not null && await PostgresProbe.CanConnectAsync(_server.GetConnectionString("postgres"), cancellationToken).ConfigureAwait(false);

    internal override Task StopAsync() => _server?.StopAsync() ?? Task.CompletedTask;

    public override string? Describe() => _server is null ? null : $"127.0.0.1:{_server.Port}  data: {Options.DataDirectory}";
}

/// <summary>A database on a <see cref="PostgresServerResource"/>, created once the server is ready.</summary>
public sealed class PostgresDatabaseResource : Resource, IResourceWithConnectionString
{
    internal PostgresDatabaseResource(string name, PostgresServerResource parent, string databaseName) : base(name, "database")
    {
        Parent = parent;
        DatabaseName = databaseName;
        Waits.Add(new ResourceWait(parent, WaitType.UntilHealthy));
        DependsOn.Add(parent);
    }

    public PostgresServerResource Parent { get; }
    public string DatabaseName { get; }

    public override bool HasHealthCheck => true;

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(Parent.Server.GetConnectionString(DatabaseName));

    public ValueTask<IReadOnlyDictionary<string, string>> GetConnectionPropertiesAsync(CancellationToken cancellationToken)
    {
        var server = Parent.Server;
        var password = Uri.EscapeDataString(server.Password);
        return ValueTask.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>
        {
            ["HOST"] = server.Host,
            ["PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["USERNAME"] = LocalPostgresServer.Username,
            ["PASSWORD"] = server.Password,
            ["DATABASENAME"] = DatabaseName,
            ["URI"] = $"postgresql://{LocalPostgresServer.Username}:{password}@{server.Host}:{server.Port}/{DatabaseName}",
        });
    }

    internal override Task StartAsync(ResourceContext context, CancellationToken cancellationToken) =>
        Parent.Server.CreateDatabaseIfMissingAsync(DatabaseName, cancellationToken: cancellationToken);

    internal override Task<bool> CheckHealthAsync(CancellationToken cancellationToken) =>
        PostgresProbe.CanConnectAsync(Parent.Server.GetConnectionString(DatabaseName), cancellationToken);

    internal override Task StopAsync() => Task.CompletedTask;

    public override string? Describe() => $"database '{DatabaseName}' on {Parent.Name}";
}

internal static class PostgresProbe
{
    public static async Task<bool> CanConnectAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
