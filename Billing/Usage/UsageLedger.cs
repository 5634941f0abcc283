using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Yapit.Billing.Usage;

/// <summary>
/// The usage ledger in Postgres: every write of a user's balances (records, reservations, renewals, credit packs)
/// runs in one transaction under that user's <c>usage_accounts</c> row lock, so concurrent calls are applied one after
/// the other and none is lost. Reads (checks, summaries) take no lock: they see the last committed state, with due
/// renewals computed in memory by the same rules.
/// </summary>
public sealed class UsageLedger(NpgsqlDataSource dataSource, MeterCatalogSource catalogs, TimeProvider time)
{
    /// <summary>
    /// The key of the ledger's own pool (registered by <see cref="Data.BillingDatabase.AddBillingDatabase"/>): its
    /// statements leave no session state, so its connections skip the reset on reuse. Without it, the default pool.
    /// </summary>
    public const string DataSourceKey = "usage-ledger";

    /// <summary>The ledger on its own pool when the host registered one (<see cref="DataSourceKey"/>), else on the default one.</summary>
    public static UsageLedger Create(IServiceProvider services) => new(
        services.GetKeyedService<NpgsqlDataSource>(DataSourceKey) ?? services.GetRequiredService<NpgsqlDataSource>(),
        services.GetRequiredService<MeterCatalogSource>(),
        services.GetRequiredService<TimeProvider>());

    public static readonly TimeSpan DefaultReservationLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxReservationLifetime = TimeSpan.FromHours(48);

    /// <summary>Applies one record; a key seen before returns its first result and changes nothing.</summary>
    public async Task<UsageRecordResult> RecordAsync(UsageRecordRequest request, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meter = catalog.Meter(request.Meter);
        using var activity = StartActivity("usage record", request.UserId, request.Meter);
        try
        {
            // Postgres keeps microseconds: the first answer and every replay show the same time.
            var now = time.GetUtcNow();
            var recordedAt = now.AddTicks(-(now.Ticks % 10));
            var (outcome, fast) = await RecordInOneTripAsync(request, meter, catalog, recordedAt, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("yapit.usage.path", outcome == FastOutcome.Slow ? "locked session" : "one round trip");
            var result = outcome switch
            {
                FastOutcome.Applied => fast!,
                FastOutcome.Existing => SameRecord(fast!, request) ? fast! with { Replayed = true } : throw new IdempotencyKeyReusedException(request.IdempotencyKey),
                _ => await RecordInSessionAsync(request, meter, catalog, recordedAt, cancellationToken).ConfigureAwait(false),
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

    private const string RecordFunctionSql = "SELECT * FROM billing.usage_record($1, $2, $3, $4, $5, $6, $7, $8, $9)";

    /// <summary>
    /// The hot path: <c>billing.usage_record</c> (migration 0007) checks the key, locks the account, runs the waterfall
    /// and writes the balance and the record in one statement, one round trip, committed on its own. It hands a record
    /// back ('slow', having changed nothing) when the user has no account yet or a period must be renewed first.
    /// </summary>
    private async Task<(FastOutcome Outcome, UsageRecordResult? Result)> RecordInOneTripAsync(
        UsageRecordRequest request, MeterDefinition meter, MeterCatalog catalog, DateTimeOffset recordedAt, CancellationToken cancellationToken)
    {
        var (tiers, limits) = catalog.LimitsOf(meter.Name);
        await using var command = dataSource.CreateCommand(RecordFunctionSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.IdempotencyKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.UserId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Meter });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Amount });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Reference ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = recordedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = meter.Kind == MeterKind.Waterfall });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tiers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = limits, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var outcome = reader.GetString(0) switch
        {
            "applied" => FastOutcome.Applied,
            "existing" => FastOutcome.Existing,
            _ => FastOutcome.Slow,
        };
        if (outcome == FastOutcome.Slow)
        {
            return (outcome, null);
        }
        return (outcome, new UsageRecordResult(request.IdempotencyKey, reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            new Breakdown(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)),
            reader.GetFieldValue<DateTimeOffset>(10), Replayed: false));
    }

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
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
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
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var meter = catalog.Meter(meterName);
        var ttl = lifetime ?? DefaultReservationLifetime;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttl, MaxReservationLifetime, nameof(lifetime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(lifetime));
        using var activity = StartActivity("usage reserve", userId, meterName);
        var id = reservationId ?? "rsv_" + Guid.NewGuid().ToString("N");
        return await InLockedAccountAsync(userId, null, async (session, _) =>
        {
            var reserved = await session.ReservedAsync(meterName, cancellationToken).ConfigureAwait(false);
            var check = Check(session.Account, catalog, meter, amount, reserved);
            if (!check.Allowed)
            {
                UsageTelemetry.Refused(meterName, "reserve", activity);
                throw new UsageLimitExceededException(check);
            }
            var expiresAt = time.GetUtcNow() + ttl;
            session.Add("""
                INSERT INTO billing.usage_reservations (reservation_id, user_id, meter, amount, expires_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (reservation_id) DO NOTHING
                """, id, userId, meterName, amount, expiresAt);
            return new UsageReservation(id, userId, meterName, amount, expiresAt);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases a reservation of this user; false when there was none (already released or expired).</summary>
    public async Task<bool> ReleaseAsync(string userId, string reservationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM billing.usage_reservations WHERE reservation_id = $1 AND user_id = $2");
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
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        using var activity = StartActivity("usage apply plan", plan.UserId, null);
        activity?.SetTag("yapit.tier", plan.Tier);
        return await InLockedAccountAsync(plan.UserId, null, (session, _) =>
        {
            var renewals = session.Account.Apply(plan, time.GetUtcNow(), catalog);
            session.Renewals.AddRange(renewals);
            return Task.FromResult(renewals);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subscription ended at <paramref name="endedAt"/>: its period is renewed and the free tier follows. Rollover and credits stay.</summary>
    public async Task<IReadOnlyList<MeterRenewal>> EndPlanAsync(string userId, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        using var activity = StartActivity("usage end plan", userId, null);
        return await InLockedAccountAsync(userId, null, (session, _) =>
        {
            var renewals = session.Account.End(endedAt, time.GetUtcNow(), catalog);
            session.Renewals.AddRange(renewals);
            return Task.FromResult(renewals);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a credit pack once per grant key: debt is repaid first, the rest becomes purchased credits.</summary>
    public async Task<CreditGrantResult> GrantCreditsAsync(string grantKey, string userId, string meterName, long quantity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
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
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
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
            var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
            start = (await ReadAccountAsync(userId, catalog, cancellationToken).ConfigureAwait(false)).Account.PeriodStart;
        }
        await using var command = dataSource.CreateCommand("""
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
        await using var command = dataSource.CreateCommand(UsageLedgerSession.SelectRecordSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? UsageLedgerSession.ReadRecord(reader) : null;
    }

    /// <summary>The account as committed, advanced in memory to now, and the open reservations per meter. No lock.</summary>
    private async Task<(UsageAccount Account, Dictionary<string, long> Reserved)> ReadAccountAsync(string userId, MeterCatalog catalog, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
        account.AdvanceTo(now, catalog);
        return (account, reserved);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the user's account under its row lock (created as a free account on first
    /// use), after renewing any period that ended, then saves what changed and commits.
    /// </summary>
    private async Task<T> InLockedAccountAsync<T>(string userId, string? idempotencyKey, Func<UsageLedgerSession, UsageRecordResult?, Task<T>> work, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.GetAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (session, existing) = await UsageLedgerSession.LoadLockedAsync(connection, transaction, userId, idempotencyKey, now, cancellationToken).ConfigureAwait(false);
        var renewals = session.Account.AdvanceTo(now, catalog);
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
