using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Yapit.Billing.Data;

/// <summary>
/// Applies the embedded SQL migrations: each once, in order, each in its own transaction, all under a Postgres
/// advisory lock so concurrent runners serialise. Every applied file is recorded with its checksum; a recorded file
/// whose content changed stops the run before anything is applied.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner>? logger = null, IReadOnlyList<Migration>? migrations = null)
{
    /// <summary>Advisory lock key shared by every runner of every version ("YAPITMIG").</summary>
    public const long AdvisoryLockKey = 0x594150_49544D4947;

    private static readonly ActivitySource ActivitySource = new("Yapit.Billing.Migrations");
    private readonly ILogger _logger = logger ?? NullLogger<MigrationRunner>.Instance;
    private readonly IReadOnlyList<Migration> _migrations = migrations ?? MigrationCatalog.Embedded;

    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public async Task<MigrationResult> ApplyAsync(CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity("migrate billingdb");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS public.schema_migrations (
                    version      integer     PRIMARY KEY,
                    file_name    text        NOT NULL,
                    checksum     text        NOT NULL,
                    applied_at   timestamptz NOT NULL DEFAULT now(),
                    execution_ms integer     NOT NULL
                )
                """, cancellationToken).ConfigureAwait(false);

            var applied = await ReadHistoryAsync(connection, cancellationToken).ConfigureAwait(false);
            Verify(applied);

            var newlyApplied = new List<string>();
            foreach (var migration in _migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                await ApplyOneAsync(connection, migration, cancellationToken).ConfigureAwait(false);
                newlyApplied.Add(migration.FileName);
            }

            activity?.SetTag("yapit.migrations.applied", newlyApplied.Count);
            _logger.LogInformation("Database schema at version {Version}: {Applied} migration(s) applied, {Skipped} already present",
                _migrations.Count == 0 ? 0 : _migrations[^1].Version, newlyApplied.Count, applied.Count);
            return new MigrationResult(newlyApplied, applied.Count);
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void Verify(Dictionary<int, (string FileName, string Checksum)> applied)
    {
        var known = _migrations.ToDictionary(m => m.Version);
        foreach (var (version, record) in applied.OrderBy(a => a.Key))
        {
            if (!known.TryGetValue(version, out var migration))
            {
                throw new MigrationException(
                    $"The database has migration '{record.FileName}' applied, which this build does not contain; " +
                    "it was migrated by a newer build. Run that build, or restore the file.");
            }
            if (!string.Equals(migration.Checksum, record.Checksum, StringComparison.Ordinal))
            {
                throw new MigrationException(
                    $"Migration '{migration.FileName}' was changed after it was applied (recorded checksum {record.Checksum[..12]}, " +
                    $"file now {migration.Checksum[..12]}). Applied migrations are immutable: revert the edit and add a new migration.");
            }
        }
    }

    private async Task ApplyOneAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var statement in SqlScript.Split(migration.Sql))
            {
                try
                {
                    await using var command = new NpgsqlCommand(statement.Text, connection, transaction) { CommandTimeout = 0 };
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException error)
                {
                    var line = statement.Line - 1 + SqlScript.LineAt(statement.Text, Math.Max(error.Position - 1, 0));
                    throw new MigrationStatementException(line, error);
                }
            }
            await using (var record = new NpgsqlCommand(
                "INSERT INTO public.schema_migrations (version, file_name, checksum, execution_ms) VALUES ($1, $2, $3, $4)",
                connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.FileName });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Checksum });
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)stopwatch.ElapsedMilliseconds });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MigrationStatementException failure)
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            var error = failure.Error;
            throw new MigrationException(
                $"Migration '{migration.FileName}' failed at line {failure.Line}: {error.MessageText} (SQLSTATE {error.SqlState}). Nothing of it was applied.", error);
        }
        _logger.LogInformation("Applied migration {Migration} in {ElapsedMs} ms", migration.FileName, stopwatch.ElapsedMilliseconds);
    }

    private async Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var waiting = false;
        while (true)
        {
            await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({AdvisoryLockKey})", connection);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return;
            }
            if (!waiting)
            {
                _logger.LogInformation("Another migration runner holds the lock; waiting for it to finish");
                waiting = true;
            }
            await Task.Delay(LockPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Dictionary<int, (string, string)>> ReadHistoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, (string, string)>();
        await using var command = new NpgsqlCommand("SELECT version, file_name, checksum FROM public.schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
        }
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class MigrationStatementException(int line, PostgresException error) : Exception(error.Message, error)
    {
        public int Line { get; } = line;
        public PostgresException Error { get; } = error;
    }
}

public sealed record MigrationResult(IReadOnlyList<string> Applied, int AlreadyApplied);
