using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Yapit.Billing.Inbox;

public static class InboxStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Done = "done";
    public const string Ignored = "ignored";
    public const string Dead = "dead";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { Pending, Processing, Done, Ignored, Dead };
}

/// <summary>A verified Stripe event on its way into the inbox.</summary>
public sealed record IncomingEvent(
    string EventId,
    string EventType,
    string? ApiVersion,
    bool Livemode,
    DateTimeOffset StripeCreated,
    string? ObjectId,
    string? ObjectType,
    string Payload,
    string? TraceParent,
    string? TraceState,
    string Source = "webhook");

/// <summary>
/// An event a worker has claimed, with its lease. <paramref name="LeaseToken"/> is new with every claim: only the run
/// holding the current one may renew the lease, complete or fail the event, or write its effects.
/// <paramref name="ClaimedAt"/> is the database's time of the claim: every event received before it was created in
/// Stripe before the run's re-read of the object (see <see cref="InboxStore.CompleteAsync(ClaimedEvent, string, IReadOnlyCollection{string}?, CancellationToken)"/>).
/// </summary>
public sealed record ClaimedEvent(
    string EventId,
    string EventType,
    string? ObjectId,
    string Payload,
    string? TraceParent,
    string? TraceState,
    int Attempts,
    DateTimeOffset StripeCreated,
    DateTimeOffset ReceivedAt,
    Guid LeaseToken,
    DateTimeOffset ClaimedAt = default);

/// <summary>An event of the same object that a completed run handled too (its type was handled alike, and it was pending when the run claimed).</summary>
public sealed record HandledAlike(string EventId, string EventType, DateTimeOffset ReceivedAt);

/// <summary>An inbox row as operators see it.</summary>
public sealed record InboxEntry(
    string Id,
    string Type,
    string Status,
    int Attempts,
    string? LastError,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ProcessedAt,
    DateTimeOffset? NextAttemptAt,
    string? ObjectId,
    string Source);

public sealed record InboxStats(long Pending, long Processing, long Dead, DateTimeOffset? OldestUnprocessedReceivedAt);

/// <summary>
/// The durable inbox (<c>billing.webhook_inbox</c>), in SQL because it is the hot path: intake inserts, and the
/// worker's claim, completion, retry and dead-lettering, plus the operators' list and replay.
/// </summary>
public sealed class InboxStore(NpgsqlDataSource dataSource, ILogger<InboxStore>? logger = null)
{
    /// <summary>Postgres channel notified on every insert, so idle workers wake at once.</summary>
    public const string NotificationChannel = "billing_inbox";

    /// <summary>SQLSTATE unique_violation: two claims raced for two events of one object (webhook_inbox_one_in_flight).</summary>
    private const string UniqueViolation = "23505";

    /// <summary>
    /// Where this store's next claim starts walking the objects (the last object it claimed): claims go round the
    /// objects with work, so a busy object gets one event per round like any other and never holds the rest up.
    /// </summary>
    private string _cursor = string.Empty;

    /// <summary>
    /// The claim ($1 worker id, $2 batch size, $3 lease, $4 cursor: the object key after which to start). objects: the
    /// keys with work after the cursor, in index order, produced one at a time as the LIMIT pulls them (a recursive
    /// "loose index scan"). heads: per object, the expired run to take over, or nothing while a live run holds the
    /// object, or its first ready pending event. The row lock re-checks the row, so a claim that committed since this
    /// statement's snapshot is seen. Public so that its plan can be looked at (EXPLAIN), as the tests do.
    /// </summary>
    public const string ClaimStatement = """
            WITH RECURSIVE objects(key) AS (
                (SELECT coalesce(object_id, event_id) FROM billing.webhook_inbox
                 WHERE status IN ('pending', 'processing') AND coalesce(object_id, event_id) > $4
                 ORDER BY coalesce(object_id, event_id) LIMIT 1)
                UNION ALL
                SELECT (SELECT coalesce(i.object_id, i.event_id) FROM billing.webhook_inbox i
                        WHERE i.status IN ('pending', 'processing') AND coalesce(i.object_id, i.event_id) > o.key
                        ORDER BY coalesce(i.object_id, i.event_id) LIMIT 1)
                FROM objects o
                WHERE o.key IS NOT NULL
            ),
            heads AS (
                SELECT coalesce(
                    (SELECT CASE WHEN p.locked_until < now() THEN p.event_id ELSE '' END
                     FROM billing.webhook_inbox p
                     WHERE coalesce(p.object_id, p.event_id) = o.key AND p.status = 'processing'
                     LIMIT 1),
                    (SELECT q.event_id
                     FROM billing.webhook_inbox q
                     WHERE coalesce(q.object_id, q.event_id) = o.key AND q.status = 'pending' AND q.next_attempt_at <= now()
                     ORDER BY q.stripe_created, q.received_at, q.event_id
                     LIMIT 1)) AS event_id
                FROM objects o
                WHERE o.key IS NOT NULL
            ),
            free AS (
                SELECT i.event_id
                FROM heads h
                JOIN billing.webhook_inbox i ON i.event_id = h.event_id
                WHERE h.event_id <> ''
                  AND (i.status = 'pending' AND i.next_attempt_at <= now() OR i.status = 'processing' AND i.locked_until < now())
                LIMIT $2
                FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE billing.webhook_inbox t
            SET status = 'processing', locked_by = $1, locked_until = now() + $3, attempts = t.attempts + 1, lease_token = gen_random_uuid()
            FROM free
            WHERE t.event_id = free.event_id
            RETURNING t.event_id, t.event_type, t.object_id, t.payload::text, t.traceparent, t.tracestate, t.attempts, t.stripe_created, t.received_at, t.lease_token, now()
            """;

    private readonly InboxWakeUp _wakeUp = new(dataSource, logger);

    /// <summary>The workers' wake-up after inserts (see <see cref="InboxWakeUp"/>).</summary>
    public InboxWakeUp WakeUp => _wakeUp;

    /// <summary>
    /// Inserts the event unless its id is already there; true when it was new. Committed when this returns. The
    /// workers are notified right after the commit, not inside the transaction (see <see cref="InboxWakeUp"/>).
    /// </summary>
    public async Task<bool> InsertAsync(IncomingEvent incoming, CancellationToken cancellationToken) =>
        (await InsertManyAsync([incoming], cancellationToken).ConfigureAwait(false)).Count == 1;

    /// <summary>
    /// Inserts the events in one statement and one transaction, skipping ids already there (or repeated in the
    /// batch); returns the ids that were new. Committed when this returns, all or none: one commit and one WAL flush
    /// for the whole batch is what lets the intake keep up with bursts (see <c>WebhookInboxWriter</c>).
    /// </summary>
    public async Task<IReadOnlySet<string>> InsertManyAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return new HashSet<string>();
        }
        // One statement text for every batch size: the rows travel as one array per column.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO billing.webhook_inbox
                (event_id, event_type, api_version, livemode, stripe_created, object_id, object_type, payload, traceparent, tracestate, source)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[], $6::text[], $7::text[], $8::json[], $9::text[], $10::text[], $11::text[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, connection);
        AddColumn(command, events, e => e.EventId, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.EventType, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.ApiVersion, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.Livemode, NpgsqlDbType.Boolean);
        AddColumn(command, events, e => e.StripeCreated.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        AddColumn(command, events, e => e.ObjectId, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.ObjectType, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.Payload, NpgsqlDbType.Json);
        AddColumn(command, events, e => e.TraceParent, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.TraceState, NpgsqlDbType.Text);
        AddColumn(command, events, e => e.Source, NpgsqlDbType.Text);

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted.Add(reader.GetString(0));
            }
        }
        catch
        {
            // Whatever went wrong, this connection never serves another insert. A failed bind of an auto-prepared
            // statement (a NUL in text, SQLSTATE 22021) left Npgsql 10.0.x's connection out of step with the server:
            // its next command read the previous one's rows ("Received unexpected backend message DataRow"). Npgsql
            // offers no way to drop one pooled connection, so the pool is cleared: idle connections close now, and
            // this one (and any in use) closes instead of going back. Failures are rare; reconnecting is cheap. (The
            // data source's own Clear: NpgsqlConnection.ClearPool only knows pools made from connection strings.)
            dataSource.Clear();
            throw;
        }
        if (inserted.Count > 0)
        {
            _wakeUp.Signal();
        }
        return inserted;
    }

    private static void AddColumn<T>(NpgsqlCommand command, IReadOnlyList<IncomingEvent> events, Func<IncomingEvent, T> column, NpgsqlDbType type)
    {
        var values = new T[events.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = column(events[i]);
        }
        command.Parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | type });
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> ready events under a lease: pending ones whose retry time has come, and
    /// processing ones whose lease expired (their worker died). At most one event per Stripe object is claimed, the
    /// object's first in Stripe's order, and none of an object another run is processing.
    /// <para>
    /// The cost is the batch's, not the backlog's: the claim walks the objects with work from a cursor, one probe of
    /// <c>webhook_inbox_object_queue</c> per object, and stops as soon as it has <paramref name="max"/> events
    /// (<c>FOR UPDATE SKIP LOCKED</c>, so concurrent claims pass each other). No lock serialises claims: the unique
    /// index <c>webhook_inbox_one_in_flight</c> lets only one of two racing claims of one object commit, and the loser
    /// claims again.
    /// </para>
    /// </summary>
    public async Task<IReadOnlyList<ClaimedEvent>> ClaimAsync(string workerId, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var claimed = new List<ClaimedEvent>();
        if (max <= 0)
        {
            return claimed;
        }
        var cursor = Volatile.Read(ref _cursor);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ClaimFromAsync(cursor, workerId, max, lease, claimed, cancellationToken).ConfigureAwait(false);
                // Round the end: from the first object again, up to where this claim started.
                if (claimed.Count < max && cursor.Length > 0)
                {
                    await ClaimFromAsync(string.Empty, workerId, max - claimed.Count, lease, claimed, cancellationToken).ConfigureAwait(false);
                }
                break;
            }
            catch (PostgresException error) when (error.SqlState == UniqueViolation && attempt < 5)
            {
                // Another claim took an earlier event of one of these objects in the same instant; its commit is
                // visible to the next statement, which skips that object.
                logger?.LogDebug("A claim raced another for one object; claiming again");
            }
        }
        if (claimed.Count > 0)
        {
            Volatile.Write(ref _cursor, claimed.Select(c => c.ObjectId ?? c.EventId).Max(StringComparer.Ordinal)!);
        }
        return claimed;
    }

    private async Task ClaimFromAsync(string cursor, string workerId, int max, TimeSpan lease, List<ClaimedEvent> claimed, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ClaimStatement);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cursor });
        var batch = new List<ClaimedEvent>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Add(new ClaimedEvent(
                    reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetGuid(9),
                    reader.GetFieldValue<DateTimeOffset>(10)));
            }
        }
        claimed.AddRange(batch);
    }

    /// <summary>
    /// Extends the lease of a run still going. False when the claim is no longer this run's (its lease expired and
    /// the event was claimed again, or an operator replayed it): the run must stop and write nothing.
    /// </summary>
    public async Task<bool> RenewAsync(ClaimedEvent claimed, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE billing.webhook_inbox
            SET locked_until = now() + $3
            WHERE event_id = $1 AND lease_token = $2 AND status = 'processing'
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claimed.EventId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claimed.LeaseToken });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Marks a claimed event done (or ignored). False when the claim is no longer this run's (see <see cref="RenewAsync"/>).</summary>
    public async Task<bool> CompleteAsync(ClaimedEvent claimed, string status, CancellationToken cancellationToken) =>
        await CompleteAsync(claimed, status, handledAlike: null, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Marks a claimed event done (or ignored) and, in the same statement, every pending event of the same object
    /// whose type is in <paramref name="handledAlike"/> and that was received before the claim: the run re-read the
    /// object from Stripe after those events were created, so handling them again would read the same state or an
    /// older one. Null when the claim is no longer this run's; otherwise the events handled with it.
    /// </summary>
    public async Task<IReadOnlyList<HandledAlike>?> CompleteAsync(ClaimedEvent claimed, string status, IReadOnlyCollection<string>? handledAlike, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH run AS (
                UPDATE billing.webhook_inbox
                SET status = $3, processed_at = now(), locked_by = NULL, locked_until = NULL, lease_token = NULL, last_error = NULL
                WHERE event_id = $1 AND lease_token = $2 AND status = 'processing'
                RETURNING coalesce(object_id, event_id) AS key
            ),
            alike AS (
                UPDATE billing.webhook_inbox i
                SET status = $3, processed_at = now(), last_error = NULL, handled_with = $1
                FROM run
                WHERE cardinality($4::text[]) > 0
                  AND coalesce(i.object_id, i.event_id) = run.key AND i.status = 'pending'
                  AND i.event_type = ANY($4) AND i.received_at < $5
                RETURNING i.event_id, i.event_type, i.received_at
            )
            SELECT NULL::text, NULL::text, NULL::timestamptz FROM run
            UNION ALL
            SELECT event_id, event_type, received_at FROM alike
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claimed.EventId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claimed.LeaseToken });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
        // Without the claim's time (a claim made elsewhere) nothing can be known to be covered by the run.
        var known = claimed.ClaimedAt != default;
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = known ? [.. handledAlike ?? []] : [] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = known ? claimed.ClaimedAt : DateTimeOffset.UnixEpoch });
        var held = false;
        var alike = new List<HandledAlike>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.IsDBNull(0))
            {
                held = true;
            }
            else
            {
                alike.Add(new HandledAlike(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }
        return held ? alike : null;
    }

    /// <summary>
    /// Records a failed attempt: the event waits <paramref name="retryDelay"/> before its next attempt, or becomes a
    /// dead letter once <paramref name="maxAttempts"/> are used, or at once when the failure is
    /// <paramref name="permanent"/> (no retry can fix it). Returns the new status (null when the claim is no longer
    /// this run's).
    /// </summary>
    public async Task<string?> FailAsync(ClaimedEvent claimed, string error, int maxAttempts, TimeSpan retryDelay, bool permanent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE billing.webhook_inbox
            SET status = CASE WHEN attempts >= $4 OR $6 THEN 'dead' ELSE 'pending' END,
                next_attempt_at = now() + $5,
                last_error = $3,
                locked_by = NULL,
                locked_until = NULL,
                lease_token = NULL,
                processed_at = CASE WHEN attempts >= $4 OR $6 THEN now() ELSE NULL END
            WHERE event_id = $1 AND lease_token = $2 AND status = 'processing'
            RETURNING status
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claimed.EventId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claimed.LeaseToken });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error.Length > 2000 ? error[..2000] : error });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retryDelay, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = permanent });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>
    /// Puts an event back to be processed again, from a fresh attempt count. Not found: (false, false, null). Being
    /// processed right now (live lease): (true, false, entry).
    /// </summary>
    public async Task<(bool Found, bool Replayed, InboxEntry? Entry)> ReplayAsync(string eventId, CancellationToken cancellationToken)
    {
        const string columns = "event_id, event_type, status, attempts, last_error, received_at, processed_at, next_attempt_at, object_id, source";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        InboxEntry? entry = null;
        await using (var update = new NpgsqlCommand($"""
            UPDATE billing.webhook_inbox
            SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_by = NULL, locked_until = NULL, lease_token = NULL, processed_at = NULL
            WHERE event_id = $1 AND NOT (status = 'processing' AND locked_until >= now())
            RETURNING {columns}
            """, connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entry = ReadEntry(reader);
            }
        }
        if (entry is not null)
        {
            await using var notify = new NpgsqlCommand("SELECT pg_notify('billing_inbox', $1)", connection, transaction);
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (true, true, entry);
        }

        await using var select = new NpgsqlCommand($"SELECT {columns} FROM billing.webhook_inbox WHERE event_id = $1", connection, transaction);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entry = ReadEntry(reader);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (entry is not null, false, entry);
    }

    public async Task<IReadOnlyList<InboxEntry>> ListAsync(string? status, string? type, int limit, CancellationToken cancellationToken)
    {
        // A type ending in ".*" lists a family (price.* lists price.created, price.updated, ...).
        var typePrefix = type is not null && type.EndsWith(".*", StringComparison.Ordinal) ? type[..^1] : null;
        await using var command = dataSource.CreateCommand("""
            SELECT event_id, event_type, status, attempts, last_error, received_at, processed_at, next_attempt_at, object_id, source
            FROM billing.webhook_inbox
            WHERE ($1::text IS NULL OR status = $1)
              AND ($2::text IS NULL OR event_type = $2)
              AND ($3::text IS NULL OR starts_with(event_type, $3))
            ORDER BY received_at DESC, event_id
            LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = typePrefix is null ? (object?)type ?? DBNull.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)typePrefix ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var entries = new List<InboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(ReadEntry(reader));
        }
        return entries;
    }

    public async Task<InboxStats> StatsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE status = 'pending'),
                   count(*) FILTER (WHERE status = 'processing'),
                   count(*) FILTER (WHERE status = 'dead'),
                   min(received_at) FILTER (WHERE status IN ('pending', 'processing'))
            FROM billing.webhook_inbox
            WHERE status IN ('pending', 'processing', 'dead')
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new InboxStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }

    /// <summary>
    /// Which of <paramref name="eventIds"/> the inbox does not hold: one primary-key lookup each, so backfill's cost
    /// grows with the events Stripe lists, never with the size of the inbox.
    /// </summary>
    public async Task<IReadOnlySet<string>> MissingAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var missing = new HashSet<string>(StringComparer.Ordinal);
        if (eventIds.Count == 0)
        {
            return missing;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM unnest($1::text[]) AS listed(id)
            WHERE NOT EXISTS (SELECT 1 FROM billing.webhook_inbox i WHERE i.event_id = listed.id)
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. eventIds] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            missing.Add(reader.GetString(0));
        }
        return missing;
    }

    /// <summary>Deletes done and ignored rows processed before <paramref name="cutoff"/>, in small batches; dead letters stay.</summary>
    public async Task<int> PruneAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM billing.webhook_inbox
                WHERE event_id IN (
                    SELECT event_id FROM billing.webhook_inbox
                    WHERE status IN ('done', 'ignored') AND processed_at < $1
                    LIMIT $2)
                """);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
        }
    }

    private static InboxEntry ReadEntry(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.GetString(9));
}
