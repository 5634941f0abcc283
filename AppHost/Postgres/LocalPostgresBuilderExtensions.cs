using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting;

/// <summary>
/// <c>postgres</c> without a container runtime: the installed PostgreSQL server binaries as an executable resource,
/// with what Aspire's <c>AddPostgres</c> gives a container (health check, databases created once it is ready).
/// </summary>
public static class LocalPostgresBuilderExtensions
{
    public const string MissingBinaries =
        "PostgreSQL server binaries (initdb, postgres) were not found in /usr/lib/postgresql/*/bin or on PATH. Install them " +
        "(apt-get install -y postgresql), run with a container runtime (Postgres:Mode=container), or set " +
        "ConnectionStrings__billingdb to an existing server.";

    /// <summary>The user initdb and postgres run as when the app host is root (initdb refuses to run as root).</summary>
    private const string ServiceUser = "postgres";

    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name,
        string dataDirectory, IResourceBuilder<ParameterResource> password, bool durable = true)
    {
        var bin = FindServerBinaries() ?? throw new DistributedApplicationException(MissingBinaries);
        var port = FreePort();
        var postgres = Path.Combine(bin, "postgres");
        var resource = new LocalPostgresResource(name, IsRoot ? "setpriv" : postgres, dataDirectory, port, password.Resource);

        List<string> args = [.. AsServiceUser(postgres), "-D", dataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=" + LocalPostgresResource.Host,
            // Unix socket paths are limited to ~107 bytes; a deep data directory gets TCP only.
            "-c", "unix_socket_directories=" + (dataDirectory.Length < 80 ? dataDirectory : string.Empty)];
        if (!durable)
        {
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (e, ct) =>
        {
            var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            await StopStaleServerAsync(dataDirectory, logger, ct).ConfigureAwait(false);
            var secret = await password.Resource.GetValueAsync(ct).ConfigureAwait(false) ?? string.Empty;
            await EnsureClusterAsync(bin, dataDirectory, secret, logger, ct).ConfigureAwait(false);
        });

        builder.Eventing.Subscribe<ResourceReadyEvent>(resource, async (e, ct) =>
        {
            await using var connection = new NpgsqlConnection(await AdminConnectionStringAsync(resource, ct).ConfigureAwait(false));
            await connection.OpenAsync(ct).ConfigureAwait(false);
            foreach (var database in resource.Databases.Values)
            {
                await CreateDatabaseIfMissingAsync(connection, database, ct).ConfigureAwait(false);
            }
            // Aspire hands a parent's state to its databases only for containers: here the databases run once created,
            // which starts their health checks (and so whatever waits for them).
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in builder.Resources.OfType<LocalPostgresDatabaseResource>().Where(d => d.Parent == resource))
            {
                await notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow }).ConfigureAwait(false);
            }
        });

        // Unpooled: a pooled connection kept by the app host would hold the server's smart shutdown open.
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(_ => AdminConnectionStringAsync(resource, default).AsTask().GetAwaiter().GetResult(), name: healthCheck);

        return builder.AddResource(resource)
            .WithArgs([.. args])
            .WithEndpoint(name: "tcp", scheme: "tcp", port: port, targetPort: port, isProxied: false)
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(healthCheck)
            .ExcludeFromManifest();
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(this IResourceBuilder<LocalPostgresResource> server, string name, string? databaseName = null)
    {
        var database = new LocalPostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases[name] = database.DatabaseName;
        var healthCheck = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(_ =>
            Unpooled(database.ConnectionStringExpression.GetValueAsync(default).AsTask().GetAwaiter().GetResult()!), name: healthCheck);
        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.Waiting, Properties = [] })
            .WithHealthCheck(healthCheck)
            .ExcludeFromManifest();
    }

    private static async ValueTask<string> AdminConnectionStringAsync(LocalPostgresResource server, CancellationToken ct) =>
        Unpooled(await server.ConnectionStringExpression.GetValueAsync(ct).ConfigureAwait(false) + ";Database=postgres");

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 }.ConnectionString;

    /// <summary>initdb once, as the service user when root, with the password in a file no other user can read.</summary>
    private static async Task EnsureClusterAsync(string bin, string dataDirectory, string password, ILogger logger, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return;
        }
        Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new DistributedApplicationException($"'{dataDirectory}' is not empty and holds no Postgres cluster; empty it or start with --fresh.");
        }
        // Created 0600 before anything is written to it, so the password is never readable by others.
        var passwordFile = Path.Combine(Path.GetDirectoryName(dataDirectory)!, $".initdb-{Guid.NewGuid():N}");
        await using (var stream = new FileStream(passwordFile, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(password), ct).ConfigureAwait(false);
        }
        try
        {
            if (IsRoot)
            {
                await RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", dataDirectory, passwordFile], logger, ct).ConfigureAwait(false);
            }
            logger.LogInformation("Creating the cluster in {DataDirectory} (initdb)", dataDirectory);
            await RunAsync(IsRoot ? "setpriv" : Path.Combine(bin, "initdb"),
            [
                .. AsServiceUser(Path.Combine(bin, "initdb")),
                "-D", dataDirectory, "-U", LocalPostgresResource.UserName, $"--pwfile={passwordFile}",
                "--auth-host=scram-sha-256", "--auth-local=peer", "--encoding=UTF8", "--locale=C", "--no-sync",
            ], logger, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>A postmaster left running by a killed run holds the directory; stop it (fast shutdown) first.</summary>
    private static async Task StopStaleServerAsync(string dataDirectory, ILogger logger, CancellationToken ct)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) || !Directory.Exists($"/proc/{pid}"))
        {
            return;
        }
        logger.LogWarning("Stopping a postgres (pid {Pid}) left running by an earlier run", pid);
        await RunAsync("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)], logger, ct).ConfigureAwait(false);
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static async Task CreateDatabaseIfMissingAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
        {
            return;
        }
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, ILogger logger, CancellationToken ct)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new DistributedApplicationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        foreach (var line in ((await output.ConfigureAwait(false)) + (await error.ConfigureAwait(false))).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            logger.LogInformation("{Line}", line);
        }
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{Path.GetFileName(arguments.FirstOrDefault(a => a.StartsWith('/')) ?? program)} failed with exit code {process.ExitCode}; its output is in the resource's log.");
        }
    }

    /// <summary>setpriv (util-linux) execs the program as the service user: no wrapper process that signals must pass through.</summary>
    private static string[] AsServiceUser(string program) =>
        IsRoot ? [$"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", "--", program] : [];

    private static bool IsRoot => Environment.UserName == "root";

    public static string? FindServerBinaries()
    {
        static bool Complete(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres"));
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(Complete);
        if (onPath is not null)
        {
            return Path.GetDirectoryName(new FileInfo(Path.Combine(onPath, "postgres")).ResolveLinkTarget(returnFinalTarget: true)?.FullName) ?? onPath;
        }
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(dir => decimal.TryParse(Path.GetFileName(dir), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : 0m)
                .Select(dir => Path.Combine(dir, "bin"))
                .FirstOrDefault(Complete)
            : null;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
