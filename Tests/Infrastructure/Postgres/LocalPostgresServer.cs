using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using Yapit.Tests.Infrastructure.Processes;

namespace Yapit.Tests.Infrastructure.Postgres;

public sealed record LocalPostgresOptions
{
    /// <summary>The cluster directory (PGDATA). Created with initdb when it holds no cluster yet.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>False turns fsync and synchronous commit off: for throw-away test clusters only.</summary>
    public bool Durable { get; init; } = true;

    public int MaxConnections { get; init; } = 200;

    /// <summary>Receives the server's log lines.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// A PostgreSQL server of our own on 127.0.0.1, from the installed server binaries. As root it runs initdb and
/// postgres as the <c>postgres</c> OS user (initdb refuses root) in a directory that user owns. Used by the
/// AppHost's <c>postgres</c> resource and by the tests' fixture.
/// </summary>
public sealed class LocalPostgresServer(LocalPostgresOptions options) : IAsyncDisposable
{
    public const string Username = "postgres";
    private const string ServiceUser = "postgres";

    private ManagedProcess? _process;
    private readonly List<string> _recentLog = [];

    public string Host => "127.0.0.1";
    public int Port { get; private set; }
    public string Password { get; private set; } = string.Empty;
    public string DataDirectory => options.DataDirectory;
    public int? ProcessId => _process?.Id;
    public Task<int>? Exited => _process?.Exited;

    public string PasswordFile => options.DataDirectory.TrimEnd('/') + ".password";

    public string GetConnectionString(string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = Username,
            Password = Password,
        };
        if (database is not null)
        {
            builder.Database = database;
        }
        return builder.ConnectionString;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var installation = PostgresInstallation.Find() ?? throw new InvalidOperationException(PostgresInstallation.MissingMessage);
        await StopStaleServerAsync(options.DataDirectory, OnLog, cancellationToken).ConfigureAwait(false);
        await EnsureClusterAsync(installation, cancellationToken).ConfigureAwait(false);

        Port = options.Port != 0 ? options.Port : FreePort();
        var arguments = new List<string>
        {
            "-D", options.DataDirectory,
            "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            // Unix socket paths are limited to ~107 bytes; a deep data directory gets TCP only.
            "-c", $"unix_socket_directories={(options.DataDirectory.Length < 80 ? options.DataDirectory : string.Empty)}",
            "-c", $"max_connections={options.MaxConnections}",
        };
        if (!options.Durable)
        {
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        _process = ManagedProcess.Start(AsServiceUser(installation.Postgres, arguments) with { NewSession = true }, (line, _) => OnLog(line));
        await WaitUntilAcceptingAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CreateDatabaseIfMissingAsync(string name, string? template = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(GetConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }
        var templateClause = template is null ? string.Empty : $" TEMPLATE {QuoteIdentifier(template)}";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}{templateClause}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created concurrently by someone else: that is what we wanted.
        }
    }

    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }
        // SIGINT is Postgres' "fast" shutdown: it disconnects clients instead of waiting for them.
        await _process.StopAsync(Posix.SigInt, TimeSpan.FromSeconds(6)).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public IReadOnlyList<string> RecentLog()
    {
        lock (_recentLog)
        {
            return _recentLog.ToArray();
        }
    }

    private void OnLog(string line)
    {
        lock (_recentLog)
        {
            _recentLog.Add(line);
            if (_recentLog.Count > 200)
            {
                _recentLog.RemoveAt(0);
            }
        }
        options.Log?.Invoke(line);
    }

    private async Task EnsureClusterAsync(PostgresInstallation installation, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(options.DataDirectory, "PG_VERSION")))
        {
            Password = File.Exists(PasswordFile)
                ? (await File.ReadAllTextAsync(PasswordFile, cancellationToken).ConfigureAwait(false)).Trim()
                : throw new InvalidOperationException(
                    $"The Postgres cluster in '{options.DataDirectory}' has no password file '{PasswordFile}'. Delete the directory (or start with --fresh) to create a new cluster.");
            return;
        }

        Directory.CreateDirectory(options.DataDirectory);
        if (Directory.EnumerateFileSystemEntries(options.DataDirectory).Any())
        {
            throw new InvalidOperationException(
                $"'{options.DataDirectory}' is not empty and holds no Postgres cluster; choose another data directory or empty it.");
        }

        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(PasswordFile, Password, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // initdb reads the password from a file the service user can read; it is removed right after.
        var initPasswordFile = Path.Combine(options.DataDirectory, "..", $".initdb-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(initPasswordFile, Password, cancellationToken).ConfigureAwait(false);
        try
        {
            if (Posix.IsRoot)
            {
                await PrepareForServiceUserAsync([options.DataDirectory, initPasswordFile], cancellationToken).ConfigureAwait(false);
            }
            await Command.RunCheckedAsync(AsServiceUser(installation.InitDb,
            [
                "-D", options.DataDirectory,
                "-U", Username,
                $"--pwfile={Path.GetFullPath(initPasswordFile)}",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                "--encoding=UTF8",
                "--locale=C",
            ]), "initdb", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
    }

    private async Task PrepareForServiceUserAsync(string[] paths, CancellationToken cancellationToken)
    {
        var blocked = FirstUntraversableAncestor(options.DataDirectory);
        if (blocked is not null)
        {
            throw new InvalidOperationException(
                $"The '{ServiceUser}' user cannot reach '{options.DataDirectory}' because '{blocked}' is not searchable by others. " +
                "Choose a data directory under a world-searchable path (for example --data-dir /var/tmp/yapit).");
        }
        await Command.RunCheckedAsync(new ProcessSpec("chown", ["-R", $"{ServiceUser}:{ServiceUser}", .. paths]), "chown", cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(options.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The first ancestor of <paramref name="directory"/> that other users cannot enter, if any.</summary>
    public static string? FirstUntraversableAncestor(string directory)
    {
        for (var current = Directory.GetParent(Path.GetFullPath(directory)); current is not null; current = current.Parent)
        {
            if (OperatingSystem.IsWindows())
            {
                return null;
            }
            if (!current.Exists)
            {
                continue; // created by us, with the default (world-searchable) mode
            }
            var mode = File.GetUnixFileMode(current.FullName);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                return current.FullName;
            }
        }
        return null;
    }

    /// <summary>As root, the command runs as the postgres user through setpriv, which execs (no wrapper process to signal).</summary>
    private static ProcessSpec AsServiceUser(string program, IReadOnlyList<string> arguments) =>
        Posix.IsRoot
            ? new ProcessSpec("setpriv", [$"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", "--", program, .. arguments])
            : new ProcessSpec(program, arguments);

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var connectionString = new NpgsqlConnectionStringBuilder(GetConnectionString("postgres")) { Pooling = false, Timeout = 2 }.ConnectionString;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process!.HasExited)
            {
                throw new InvalidOperationException(
                    $"postgres exited with code {await _process.Exited.ConfigureAwait(false)} during start-up:{Environment.NewLine}{string.Join(Environment.NewLine, RecentLog().TakeLast(10))}");
            }
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception error) when (error is NpgsqlException or SocketException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"postgres did not accept connections on port {Port} within 60 s.", error);
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A postmaster left running by a crashed run holds the directory; stop it before starting ours.</summary>
    public static async Task StopStaleServerAsync(string dataDirectory, Action<string>? log, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse((await File.ReadAllLinesAsync(pidFile, cancellationToken).ConfigureAwait(false)).FirstOrDefault(), out var pid)
            || !Posix.IsAlive(pid))
        {
            return;
        }
        log?.Invoke($"stopping a postgres (pid {pid}) left running by an earlier run");
        Posix.Signal(pid, Posix.SigInt);
        for (var i = 0; i < 100 && Posix.IsAlive(pid); i++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        if (Posix.IsAlive(pid))
        {
            Posix.Signal(pid, Posix.SigKill);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
