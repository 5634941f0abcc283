using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yapit.Billing.Data;
using Npgsql;
using NpgsqlTypes;

namespace Yapit.Billing.Usage;

/// <summary>
/// The usage ledger in Postgres: every write of a user's balances (records, reservations, renewals, credit packs)
/// runs in one transaction under that user's <c>usage_accounts</c> row lock, so concurrent calls are applied one after
/// the other and none is lost. Reads (checks, summaries) take no lock: they see the last committed state, with due
/// renewals computed in memory by the same rules.
/// </summary>
public sealed class UsageLedger
{
    /// <summary>
    /// The key of the ledger's own pool (registered by <see cref="Data.BillingDatabase.AddBillingDatabase"/>): its
    /// statements leave no session state, so its connections skip the reset on reuse. Without it, the default pool.
    /// </summary>
    public const string DataSourceKey = "usage-ledger";

    private readonly NpgsqlDataSource _dataSource;
    private readonly MeterCatalogSource _catalogs;
    private readonly TimeProvider _time;
    private readonly GroupCommit<PendingRecord, OneTripAnswer> _records;

    public UsageLedger(NpgsqlDataSource dataSource, MeterCatalogSource catalogs, TimeProvider time, UsageLedgerOptions? options = null)
    {
        _dataSource = dataSource;
        _catalogs = catalogs;
        _time = time;
        options ??= new UsageLedgerOptions();
        _records = new GroupCommit<PendingRecord, OneTripAnswer>(WriteRecordsAsync, options.MaxConcurrentRecordWrites, options.MaxRecordBatch);
    }

    /// <summary>The ledger on its own pool when the host registered one (<see cref="DataSourceKey"/>), else on the default one.</summary>
    public static UsageLedger Create(IServiceProvider services) => new(
        services.GetKeyedService<NpgsqlDataSource>(DataSourceKey) ?? services.GetRequiredService<NpgsqlDataSource>(),
        services.GetRequiredService<MeterCatalogSource>(),
        services.GetRequiredService<TimeProvider>(),
        services.GetService<IOptions<UsageLedgerOptions>>()?.Value);

    public static readonly TimeSpan DefaultReservationLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxReservationLifetime = TimeSpan.FromHours(48);

    /// <summary>Applies one record; a key seen before returns its first result and changes nothing.</summary>
    public async Task<UsageRecordResult> RecordAsync(UsageRecordRequest request, CancellationToken cancellationToken)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meter = catalog.Meter(request.Meter);
        using var activity = StartActivity("usage record", request.UserId, request.Meter);
        var pending = new PendingRecord(request, meter, catalog, RecordTime());
        return await CompleteAsync(pending, _records.SubmitAsync(pending, cancellationToken), activity, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies several records, side by side: they share statements and commits with each other (and with concurrent
    /// callers' records). Each answer is that record's result, or its own exception, in the order of the requests. A
    /// user's records in one statement (up to <see cref="UsageLedgerOptions.MaxRecordBatch"/>) apply in that order;
    /// across statements they may not, which changes how their breakdowns split but never the balances.
    /// </summary>
    public async Task<IReadOnlyList<Task<UsageRecordResult>>> RecordManyAsync(IReadOnlyList<UsageRecordRequest> requests, CancellationToken cancellationToken)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meters = requests.Select(r => catalog.Meter(r.Meter)).ToList();
        var now = RecordTime();
        var pending = requests.Select((r, i) => new PendingRecord(r, meters[i], catalog, now)).ToList();
        var answers = _records.SubmitMany(pending, cancellationToken);
        return pending.Select((p, i) => CompleteAsync(p, answers[i], activity: null, cancellationToken)).ToList();
    }

    /// <summary>Postgres keeps microseconds: the first answer and every replay show the same time.</summary>
    private DateTimeOffset RecordTime()
    {
        var now = _time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }

    private async Task<UsageRecordResult> CompleteAsync(PendingRecord pending, Task<OneTripAnswer> written, Activity? activity, CancellationToken cancellationToken)
    {
        var request = pending.Request;
        try
        {
            var (outcome, fast) = await written.ConfigureAwait(false);
            activity?.SetTag("yapit.usage.path", outcome == FastOutcome.Slow ? "locked session" : "group commit");
            var result = outcome switch
            {
                FastOutcome.Applied => fast!,
                FastOutcome.Existing => SameRecord(fast!, request) ? fast! with { Replayed = true } : throw new IdempotencyKeyReusedException(request.IdempotencyKey),
                _ => await RecordInSessionAsync(request, pending.Meter, pending.Catalog, pending.RecordedAt, cancellationToken).ConfigureAwait(false),
            };
            UsageTelemetry.RecordApplied(request.Meter, result.Breakdown, result.Replayed);
            activity?.SetTag("yapit.usage.replayed", result.Replayed);
            return result;
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation && error.ConstraintName == "usage_records_pkey")
        {
            // The key was applied concurrently for another user (a key is global): answer as for any repeated key.
            var existing = await ReadRecordAsync(request.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            var result = existing is not null && SameRecord(existing, request)
                ? existing with { Replayed = true }
                : throw new IdempotencyKeyReusedException(request.IdempotencyKey);
            UsageTelemetry.RecordApplied(request.Meter, result.Breakdown, replayed: true);
            return result;
        }
    }

    private enum FastOutcome { Applied, Existing, Slow }

    private sealed record PendingRecord(UsageRecordRequest Request, MeterDefinition Meter, MeterCatalog Catalog, DateTimeOffset RecordedAt);

    private readonly record struct OneTripAnswer(FastOutcome Outcome, UsageRecordResult? Result);

    /// <summary>
    /// The hot path: records that arrive together go to Postgres in one statement and one transaction
    /// (<see cref="GroupCommit{TItem, TResult}"/>), each through <c>billing.usage_record</c> (migration 0007): it
    /// locks the account, checks the key, runs the waterfall and writes the balance and the record. The batch is
    /// sorted by user, so concurrent batches take their row locks in one order and cannot deadlock; records of one
    /// user keep their order. A record comes back 'slow' (nothing done) when its user has no account yet or a period
    /// must be renewed first: the C# path applies it after the commit.
    /// </summary>
    private const string RecordBatchSql = """
        SELECT r.* FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::integer[])
            WITH ORDINALITY AS i(idempotency_key, user_id, meter, amount, reference, recorded_at, meter_index, n)
        CROSS JOIN LATERAL billing.usage_record(i.idempotency_key, i.user_id, i.meter, i.amount, i.reference, i.recorded_at,
            $8[i.meter_index], $9, $10[(i.meter_index - 1) * cardinality($9) + 1 : i.meter_index * cardinality($9)]) r
        ORDER BY i.n
        """;

    private async Task WriteRecordsAsync(IReadOnlyList<GroupCommit<PendingRecord, OneTripAnswer>.Write> batch)
    {
        // A catalog refresh between two records of a batch: each catalog's records go in a statement of their own.
        foreach (var sameCatalog in batch.GroupBy(w => w.Item.Catalog))
        {
            var writes = sameCatalog.OrderBy(w => w.Item.Request.UserId, StringComparer.Ordinal).ToList(); // stable: a user's records keep their order
            var links = writes.Skip(1).Where(w => w.Context != default).Select(w => new ActivityLink(w.Context));
            using var activity = UsageTelemetry.ActivitySource.StartActivity(ActivityKind.Internal, writes[0].Context, links: links, name: "usage record batch");
            activity?.SetTag("yapit.usage.batch_size", writes.Count);
            UsageTelemetry.RecordBatchSize.Record(writes.Count);
            try
            {
                await WriteRecordBatchAsync(writes, sameCatalog.Key).ConfigureAwait(false);
            }
            catch (PostgresException error) when (writes.Count > 1 && IsOneRecordsFault(error))
            {
                // One record's conflict (its key applied concurrently for another user) or a deadlock with a
                // transaction outside the ledger must not fail its neighbours: each goes again on its own.
                activity?.AddEvent(new ActivityEvent("batch refused; writing one by one", tags: new() { ["db.response.status_code"] = error.SqlState }));
                foreach (var write in writes)
                {
                    try
                    {
                        await WriteRecordBatchAsync([write], sameCatalog.Key).ConfigureAwait(false);
                    }
                    catch (Exception single)
                    {
                        write.Fail(single);
                    }
                }
            }
        }
    }

    private async Task WriteRecordBatchAsync(IReadOnlyList<GroupCommit<PendingRecord, OneTripAnswer>.Write> writes, MeterCatalog catalog)
    {
        var count = writes.Count;
        var meterNames = writes.Select(w => w.Item.Meter.Name).Distinct(StringComparer.Ordinal).ToList();
        var tiers = catalog.Tiers;
        var limits = new long?[meterNames.Count * tiers.Length];
        for (var m = 0; m < meterNames.Count; m++)
        {
            for (var t = 0; t < tiers.Length; t++)
            {
                limits[(m * tiers.Length) + t] = catalog.Limit(tiers[t], meterNames[m]);
            }
        }
        var (keys, users, meters, amounts, references, times, meterIndexes) =
            (new string[count], new string[count], new string[count], new long[count], new string?[count], new DateTimeOffset[count], new int[count]);
        for (var i = 0; i < count; i++)
        {
            var (request, meter, _, recordedAt) = writes[i].Item;
            (keys[i], users[i], meters[i], amounts[i], references[i], times[i]) =
                (request.IdempotencyKey, request.UserId, request.Meter, request.Amount, request.Reference, recordedAt.ToUniversalTime());
            meterIndexes[i] = meterNames.IndexOf(meter.Name) + 1;
        }
        await using var command = _dataSource.CreateCommand(RecordBatchSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = users });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = meters });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = amounts });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = references, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = times, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = meterIndexes });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = meterNames.Select(name => catalog.Meter(name).Kind == MeterKind.Waterfall).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tiers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = limits, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        var answers = new OneTripAnswer[count];
        await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            for (var i = 0; i < count; i++)
            {
                if (!await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"billing.usage_record answered {i} of {count} records.");
                }
                answers[i] = ReadAnswer(reader, writes[i].Item.Request.IdempotencyKey);
            }
        }
        // Answered only now, after the statement (and with it the transaction) is done.
        for (var i = 0; i < count; i++)
        {
            writes[i].Answer(answers[i]);
        }
    }

    private static OneTripAnswer ReadAnswer(NpgsqlDataReader reader, string key)
    {
        var outcome = reader.GetString(0) switch
        {
            "applied" => FastOutcome.Applied,
            "existing" => FastOutcome.Existing,
            _ => FastOutcome.Slow,
        };
        if (outcome == FastOutcome.Slow)
        {
            return new OneTripAnswer(outcome, null);
        }
        return new OneTripAnswer(outcome, new UsageRecordResult(key, reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            new Breakdown(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)),
            reader.GetFieldValue<DateTimeOffset>(10), Replayed: false));
    }

    /// <summary>A unique violation (a key applied concurrently for another user), a deadlock or a serialization failure.</summary>
    private static bool IsOneRecordsFault(PostgresException error) =>
        error.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    /// <summary>The general path, for a new account or a period to renew first: the account loaded and saved under its lock.</summary>
    private Task<UsageRecordResult> RecordInSessionAsync(UsageRecordRequest request, MeterDefinition meter, MeterCatalog catalog, DateTimeOffset recordedAt, CancellationToken cancellationToken) =>
        InLockedAccountAsync(request.UserId, request.IdempotencyKey, (session, existing) =>
        {
            if (existing is not null)
            {
                return Task.FromResult(SameRecord(existing, request) ? existing with { Replayed = true } : throw new IdempotencyKeyReusedException(request.IdempotencyKey));
            }
            var account = session.Account;
            var (balance, breakdown) = MeterRules.Consume(meter.Kind, catalog.Limit(account.Tier, meter.Name), account.Balance(meter.Name), request.Amount);
            account.SetBalance(meter.Name, balance);
            session.Add("""
                INSERT INTO billing.usage_records
                    (idempotency_key, user_id, meter, amount, reference, period_start, from_allowance, from_rollover, from_purchased, to_debt, recorded_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """,
                request.IdempotencyKey, request.UserId, request.Meter, request.Amount, (object?)request.Reference ?? DBNull.Value, account.PeriodStart,
                breakdown.FromAllowance, breakdown.FromRollover, breakdown.FromPurchased, breakdown.ToDebt, recordedAt);
            return Task.FromResult(new UsageRecordResult(request.IdempotencyKey, request.UserId, request.Meter, request.Amount, request.Reference, account.PeriodStart, breakdown, recordedAt, false));
        }, cancellationToken);

    /// <summary>What the user may spend of a meter now: allowance left, rollover (debt subtracts), purchased, minus open reservations.</summary>
    public async Task<UsageCheckResult> CheckAsync(string userId, string meterName, long amount, CancellationToken cancellationToken)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meter = catalog.Meter(meterName);
        using var activity = StartActivity("usage check", userId, meterName);
        var (account, reserved) = await ReadAccountAsync(userId, catalog, cancellationToken).ConfigureAwait(false);
        var check = Check(account, catalog, meter, amount, reserved.GetValueOrDefault(meterName));
        UsageTelemetry.Checks.Add(1, new("meter", meterName), new("outcome", check.Allowed ? "allowed" : "refused"));
        activity?.SetTag("yapit.usage.allowed", check.Allowed);
        if (!check.Allowed)
        {
            UsageTelemetry.Refused(meterName, "check", activity);
        }
        return check;
    }

    /// <summary>Holds an estimate for long work, if the user has it available; checks subtract it until it is released or expires.</summary>
    public async Task<UsageReservation> ReserveAsync(string userId, string meterName, long amount, string? reservationId, TimeSpan? lifetime, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meter = catalog.Meter(meterName);
        var ttl = lifetime ?? DefaultReservationLifetime;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttl, MaxReservationLifetime, nameof(lifetime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(lifetime));
        using var activity = StartActivity("usage reserve", userId, meterName);
        var id = reservationId ?? "rsv_" + Guid.NewGuid().ToString("N");
        try
        {
            return await ReserveLockedAsync(userId, meterName, amount, id, ttl, catalog, meter, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation && error.ConstraintName == "usage_reservations_pkey")
        {
            // The id was reserved concurrently, under another user's lock (an id is global): answer as for any repeated id.
            if (await ReadReservationAsync(id, cancellationToken).ConfigureAwait(false) is not { } existing)
            {
                throw;
            }
            return SameReservation(existing, userId, meterName, amount);
        }
    }

    private Task<UsageReservation> ReserveLockedAsync(string userId, string meterName, long amount, string id, TimeSpan ttl, MeterCatalog catalog, MeterDefinition meter, Activity? activity, CancellationToken cancellationToken) =>
        InLockedAccountAsync(userId, null, async (session, _) =>
        {
            // A reservation id is an idempotency key: a retry gets the stored reservation, and its own hold is not
            // counted against it; other values under the same id are a conflict (docs/billing-rules.md).
            if (await ReadReservationAsync(id, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return SameReservation(existing, userId, meterName, amount);
            }
            var reserved = await session.ReservedAsync(meterName, cancellationToken).ConfigureAwait(false);
            var check = Check(session.Account, catalog, meter, amount, reserved);
            if (!check.Allowed)
            {
                UsageTelemetry.Refused(meterName, "reserve", activity);
                throw new UsageLimitExceededException(check);
            }
            // Microseconds, as Postgres keeps them: a replay answers the same expiry.
            var expiresAt = _time.GetUtcNow() + ttl;
            expiresAt = expiresAt.AddTicks(-(expiresAt.Ticks % 10));
            session.Add("INSERT INTO billing.usage_reservations (reservation_id, user_id, meter, amount, expires_at) VALUES ($1, $2, $3, $4, $5)",
                id, userId, meterName, amount, expiresAt);
            return new UsageReservation(id, userId, meterName, amount, expiresAt);
        }, cancellationToken);

    /// <summary>The stored reservation when the request repeats it; otherwise a conflict naming what differs.</summary>
    private static UsageReservation SameReservation(UsageReservation existing, string userId, string meterName, long amount)
    {
        var differs = new List<string>();
        if (existing.UserId != userId)
        {
            differs.Add("user_id");
        }
        if (existing.Meter != meterName)
        {
            differs.Add("meter");
        }
        if (existing.Amount != amount)
        {
            differs.Add("amount");
        }
        return differs.Count == 0 ? existing : throw new ReservationIdReusedException(existing.ReservationId, differs);
    }

    private async Task<UsageReservation?> ReadReservationAsync(string reservationId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT user_id, meter, amount, expires_at FROM billing.usage_reservations WHERE reservation_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reservationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new UsageReservation(reservationId, reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    /// <summary>Releases a reservation of this user; false when there was none (already released or expired).</summary>
    public async Task<bool> ReleaseAsync(string userId, string reservationId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM billing.usage_reservations WHERE reservation_id = $1 AND user_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reservationId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Follows the subscription: a later period renews the one in force (once) and starts the next; the same period
    /// takes the new tier; an older one is ignored. Safe to call for every delivery of every event, in any order.
    /// </summary>
    public async Task<IReadOnlyList<MeterRenewal>> ApplyPlanAsync(UsagePlan plan, CancellationToken cancellationToken)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        using var activity = StartActivity("usage apply plan", plan.UserId, null);
        activity?.SetTag("yapit.tier", plan.Tier);
        return await InLockedAccountAsync(plan.UserId, null, async (session, _) =>
        {
            session.Account.TestClockId = plan.TestClockId;
            var now = plan.ClockTime ?? session.Account.ClockTime ?? _time.GetUtcNow();
            // An interlude is kept only while the account is on the free tier after a paid period (the first paid
            // plan after it restores or drops it), so an account that holds a paid period needs no look.
            if (plan.Tier != "free" && !session.Account.HoldsPaidPeriod
                && await session.ReadInterludeAsync(cancellationToken).ConfigureAwait(false) is { } interlude)
            {
                if (session.Account.Restores(plan, now, interlude.Snapshot))
                {
                    await UndoInterludeAsync(session, interlude.Snapshot, interlude.StartedAt, catalog, activity, cancellationToken).ConfigureAwait(false);
                }
                // A paid plan holds the account again: the interlude is undone, or was a real end and is over.
                session.Add("DELETE FROM billing.usage_interludes WHERE user_id = $1", plan.UserId);
            }
            var renewals = session.Account.Apply(plan, now, catalog);
            session.Renewals.AddRange(renewals);
            return renewals;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rule 1's undo (docs/billing-rules.md): the paid period comes back as it was when the ledger left it, the
    /// renewals the wrong end made are removed (the period is renewed once, when it really ends), and every record and
    /// credit pack since is applied again at the period's tier, their stored breakdowns corrected.
    /// </summary>
    private static async Task UndoInterludeAsync(UsageLedgerSession session, UsageSnapshot snapshot, DateTimeOffset startedAt, MeterCatalog catalog, Activity? activity, CancellationToken cancellationToken)
    {
        var account = session.Account;
        var entries = await session.ReadEntriesSinceAsync(startedAt, cancellationToken).ConfigureAwait(false);
        account.Restore(snapshot);
        // Now, before the save inserts this change's own renewals.
        await session.ExecuteAsync("DELETE FROM billing.usage_renewals WHERE user_id = $1 AND period_start >= $2", cancellationToken, account.UserId, snapshot.PeriodStart).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            if (!catalog.HasMeter(entry.Meter))
            {
                continue;
            }
            if (entry.IsPack)
            {
                session.Add("UPDATE billing.credit_grants SET debt_repaid = $2 WHERE grant_key = $1", entry.Key, account.Regrant(entry.Meter, entry.Amount));
                continue;
            }
            var breakdown = account.Recharge(catalog.Meter(entry.Meter), entry.Amount, catalog);
            session.Add("""
                UPDATE billing.usage_records SET period_start = $2, from_allowance = $3, from_rollover = $4, from_purchased = $5, to_debt = $6
                WHERE idempotency_key = $1
                """, entry.Key, account.PeriodStart, breakdown.FromAllowance, breakdown.FromRollover, breakdown.FromPurchased, breakdown.ToDebt);
        }
        activity?.SetTag("yapit.usage.interlude_undone", entries.Count);
        UsageTelemetry.InterludesUndone.Add(1);
    }

    /// <summary>
    /// A test clock's time (test mode): accounts on that clock take it as "now" for their periods. Only moves forward,
    /// so a late read of the clock never takes an account back.
    /// </summary>
    public async Task SetClockTimeAsync(string clockId, DateTimeOffset frozenTime, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO billing.test_clocks (clock_id, frozen_time) VALUES ($1, $2)
            ON CONFLICT (clock_id) DO UPDATE SET frozen_time = excluded.frozen_time, updated_at = now()
            WHERE billing.test_clocks.frozen_time < excluded.frozen_time
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clockId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = frozenTime.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subscription ended at <paramref name="endedAt"/>: its period is renewed and the free tier follows. Rollover and credits stay.</summary>
    public async Task<IReadOnlyList<MeterRenewal>> EndPlanAsync(string userId, DateTimeOffset endedAt, CancellationToken cancellationToken, bool lastPeriodUnpaid = false)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        using var activity = StartActivity("usage end plan", userId, null);
        return await InLockedAccountAsync(userId, null, (session, _) =>
        {
            if (session.Account.HoldsPaidPeriod)
            {
                // Kept in case the end was a wrong write and the period's subscription comes back (rule 1).
                session.SaveInterlude(session.Account.Capture(), _time.GetUtcNow());
            }
            var renewals = session.Account.End(endedAt, session.Account.ClockTime ?? _time.GetUtcNow(), catalog, lastPeriodUnpaid);
            session.Renewals.AddRange(renewals);
            return Task.FromResult(renewals);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a credit pack once per grant key: debt is repaid first, the rest becomes purchased credits.</summary>
    public async Task<CreditGrantResult> GrantCreditsAsync(string grantKey, string userId, string meterName, long quantity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meter = catalog.Meter(meterName);
        if (meter.Kind != MeterKind.Waterfall)
        {
            throw new ArgumentException($"The meter '{meterName}' has no purchased credits.", nameof(meterName));
        }
        using var activity = StartActivity("usage grant credits", userId, meterName);
        return await InLockedAccountAsync(userId, null, async (session, _) =>
        {
            if (await session.GrantExistsAsync(grantKey, cancellationToken).ConfigureAwait(false) is { } earlier)
            {
                return earlier;
            }
            var pack = MeterRules.AddPack(session.Account.Balance(meterName), quantity);
            session.Account.SetBalance(meterName, pack.Balance);
            session.Add("INSERT INTO billing.credit_grants (grant_key, user_id, meter, quantity, debt_repaid) VALUES ($1, $2, $3, $4, $5)",
                grantKey, userId, meterName, quantity, pack.DebtRepaid);
            UsageTelemetry.CreditsGranted.Add(quantity, new KeyValuePair<string, object?>("meter", meterName));
            if (pack.DebtRepaid > 0)
            {
                UsageTelemetry.DebtRepaid.Add(pack.DebtRepaid, new KeyValuePair<string, object?>("meter", meterName), new("by", "credit_pack"));
            }
            return new CreditGrantResult(grantKey, userId, meterName, quantity, pack.DebtRepaid, pack.AddedToPurchased, false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The user's plan in effect for usage, period and every meter's balances.</summary>
    public async Task<UsageSummary> GetSummaryAsync(string userId, CancellationToken cancellationToken)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var (account, reserved) = await ReadAccountAsync(userId, catalog, cancellationToken).ConfigureAwait(false);
        var meters = catalog.Meters.OrderBy(m => m.Name, StringComparer.Ordinal).Select(meter =>
        {
            var balance = account.Balance(meter.Name);
            var limit = catalog.Limit(account.Tier, meter.Name);
            var held = reserved.GetValueOrDefault(meter.Name);
            return new MeterUsage(meter.Name, limit, balance.PeriodUsed, limit is { } l ? Math.Max(0, l - balance.PeriodUsed) : null,
                Math.Max(0, balance.Rollover), balance.Purchased, balance.Debt, held, MeterRules.Available(meter.Kind, limit, balance, held));
        }).ToList();
        return new UsageSummary(userId, account.Tier, account.PeriodStart, account.PeriodEnd, account.PeriodIsTrial, meters);
    }

    /// <summary>The records of the period that starts at <paramref name="periodStart"/> (the current one when null), grouped by reference.</summary>
    public async Task<(DateTimeOffset PeriodStart, IReadOnlyList<UsageHistoryGroup> Groups)> GetHistoryAsync(string userId, DateTimeOffset? periodStart, CancellationToken cancellationToken)
    {
        var start = periodStart;
        if (start is null)
        {
            var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
            start = (await ReadAccountAsync(userId, catalog, cancellationToken).ConfigureAwait(false)).Account.PeriodStart;
        }
        await using var command = _dataSource.CreateCommand("""
            SELECT meter, reference, sum(amount)::bigint, count(*)::int, min(recorded_at), max(recorded_at)
            FROM billing.usage_records WHERE user_id = $1 AND period_start = $2
            GROUP BY meter, reference ORDER BY max(recorded_at) DESC, meter, reference
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = start.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var groups = new List<UsageHistoryGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            groups.Add(new UsageHistoryGroup(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return (start.Value, groups);
    }

    private static UsageCheckResult Check(UsageAccount account, MeterCatalog catalog, MeterDefinition meter, long amount, long reserved)
    {
        var balance = account.Balance(meter.Name);
        var limit = catalog.Limit(account.Tier, meter.Name);
        var available = MeterRules.Available(meter.Kind, limit, balance, reserved);
        return new UsageCheckResult(account.UserId, meter.Name, amount, available is not { } a || amount <= a, available, limit,
            balance.PeriodUsed, balance.Rollover, balance.Purchased, reserved);
    }

    private static bool SameRecord(UsageRecordResult existing, UsageRecordRequest request) =>
        existing.UserId == request.UserId && existing.Meter == request.Meter && existing.Amount == request.Amount;

    private static Activity? StartActivity(string name, string userId, string? meter)
    {
        var activity = UsageTelemetry.ActivitySource.StartActivity(name);
        activity?.SetTag("yapit.user_id", userId);
        if (meter is not null)
        {
            activity?.SetTag("yapit.meter", meter);
        }
        return activity;
    }

    private async Task<UsageRecordResult?> ReadRecordAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(UsageLedgerSession.SelectRecordSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? UsageLedgerSession.ReadRecord(reader) : null;
    }

    /// <summary>The account as committed, advanced in memory to now, and the open reservations per meter. No lock.</summary>
    private async Task<(UsageAccount Account, Dictionary<string, long> Reserved)> ReadAccountAsync(string userId, MeterCatalog catalog, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        UsageLedgerSession.AddLoad(batch, userId, lockAccount: false);
        var reservations = new NpgsqlBatchCommand("SELECT meter, sum(amount)::bigint FROM billing.usage_reservations WHERE user_id = $1 AND expires_at > $2 GROUP BY meter");
        reservations.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        reservations.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(reservations);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var account = await UsageLedgerSession.ReadLoadAsync(reader, userId, now, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var reserved = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            reserved[reader.GetString(0)] = reader.GetInt64(1);
        }
        account.AdvanceTo(account.ClockTime ?? now, catalog);
        return (account, reserved);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the user's account under its row lock (created as a free account on first
    /// use), after renewing any period that ended, then saves what changed and commits.
    /// </summary>
    private async Task<T> InLockedAccountAsync<T>(string userId, string? idempotencyKey, Func<UsageLedgerSession, UsageRecordResult?, Task<T>> work, CancellationToken cancellationToken)
    {
        var catalog = await _catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (session, existing) = await UsageLedgerSession.LoadLockedAsync(connection, transaction, userId, idempotencyKey, now, cancellationToken).ConfigureAwait(false);
        // A customer on a test clock lives on the clock's time (test mode): its periods end when the clock says so.
        var renewals = session.Account.AdvanceTo(session.Account.ClockTime ?? now, catalog);
        T result;
        if (existing is not null)
        {
            result = await work(session, existing).ConfigureAwait(false);
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        result = await work(session, null).ConfigureAwait(false);
        var allRenewals = renewals.Concat(session.Renewals).ToList();
        await session.SaveAsync(allRenewals, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        UsageTelemetry.Renewed(allRenewals);
        return result;
    }
}
