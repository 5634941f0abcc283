using Npgsql;
using NpgsqlTypes;

namespace Yapit.Billing.Usage;

/// <summary>
/// One locked unit of work on a user's usage account: loads the account and its balances (and, for records, the
/// idempotency key's earlier result) in one round trip, collects the writes, and saves what changed in one more.
/// </summary>
internal sealed class UsageLedgerSession
{
    /// <summary>A usage record (or, with <see cref="IsPack"/>, a credit pack) applied during a free interlude.</summary>
    public sealed record InterludeEntry(string Key, string Meter, long Amount, bool IsPack);

    public const string SelectRecordSql = """
        SELECT idempotency_key, user_id, meter, amount, reference, period_start, from_allowance, from_rollover, from_purchased, to_debt, recorded_at
        FROM billing.usage_records WHERE idempotency_key = $1
        """;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly Dictionary<string, MeterBalance> _loaded;
    private readonly List<NpgsqlBatchCommand> _writes = [];
    private readonly string? _loadedClockId;

    private UsageLedgerSession(NpgsqlConnection connection, NpgsqlTransaction transaction, UsageAccount account)
    {
        _connection = connection;
        _transaction = transaction;
        Account = account;
        _loaded = new Dictionary<string, MeterBalance>(account.Balances, StringComparer.Ordinal);
        _loadedClockId = account.TestClockId;
    }

    public UsageAccount Account { get; }

    /// <summary>Renewals the work made beyond the ones due at load (plan changes); saved with the rest.</summary>
    public List<MeterRenewal> Renewals { get; } = [];

    public static void AddLoad(NpgsqlBatch batch, string userId, bool lockAccount)
    {
        var account = new NpgsqlBatchCommand($"""
            SELECT a.tier, a.period_start, a.period_end, a.period_is_trial, a.anchor, a.paid_through, a.period_unpaid, a.test_clock_id, c.frozen_time
            FROM billing.usage_accounts a LEFT JOIN billing.test_clocks c ON c.clock_id = a.test_clock_id
            WHERE a.user_id = $1 {(lockAccount ? "FOR UPDATE OF a" : "")}
            """);
        account.Parameters.Add(Text(userId));
        batch.BatchCommands.Add(account);
        var balances = new NpgsqlBatchCommand("SELECT meter, period_used, rollover, purchased FROM billing.usage_balances WHERE user_id = $1");
        balances.Parameters.Add(Text(userId));
        batch.BatchCommands.Add(balances);
    }

    public static async Task<UsageAccount> ReadLoadAsync(NpgsqlDataReader reader, string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var account = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new UsageAccount(userId, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6))
            {
                TestClockId = reader.IsDBNull(7) ? null : reader.GetString(7),
                ClockTime = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            }
            : UsageAccount.NewFree(userId, now);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            account.SetBalance(reader.GetString(0), new MeterBalance(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return account;
    }

    /// <summary>Creates the account if it is new, locks it, and reads it with the record of <paramref name="idempotencyKey"/> if any.</summary>
    public static async Task<(UsageLedgerSession Session, UsageRecordResult? Existing)> LoadLockedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, string? idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var fresh = UsageAccount.NewFree(userId, now);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var create = new NpgsqlBatchCommand("""
            INSERT INTO billing.usage_accounts (user_id, tier, period_start, period_end, anchor) VALUES ($1, $2, $3, $4, $3)
            ON CONFLICT (user_id) DO NOTHING
            """);
        create.Parameters.Add(Text(userId));
        create.Parameters.Add(Text(fresh.Tier));
        create.Parameters.Add(Time(fresh.PeriodStart));
        create.Parameters.Add(Time(fresh.PeriodEnd));
        batch.BatchCommands.Add(create);
        AddLoad(batch, userId, lockAccount: true);
        if (idempotencyKey is not null)
        {
            var record = new NpgsqlBatchCommand(SelectRecordSql);
            record.Parameters.Add(Text(idempotencyKey));
            batch.BatchCommands.Add(record);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var account = await ReadLoadAsync(reader, userId, now, cancellationToken).ConfigureAwait(false);
        UsageRecordResult? existing = null;
        if (idempotencyKey is not null)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            existing = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader) : null;
        }
        return (new UsageLedgerSession(connection, transaction, account), existing);
    }

    public static UsageRecordResult ReadRecord(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        new Breakdown(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)),
        reader.GetFieldValue<DateTimeOffset>(10), Replayed: false);

    /// <summary>A write to run with the save, in order, with positional parameters.</summary>
    public void Add(string sql, params object?[] values) => _writes.Add(Command(sql, values));

    private static NpgsqlBatchCommand Command(string sql, object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                DateTimeOffset t => Time(t),
                _ => new NpgsqlParameter { Value = value ?? DBNull.Value },
            });
        }
        return command;
    }

    public async Task<long> ReservedAsync(string meter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(sum(amount), 0)::bigint FROM billing.usage_reservations WHERE user_id = $1 AND meter = $2 AND expires_at > now()", _connection, _transaction);
        command.Parameters.Add(Text(Account.UserId));
        command.Parameters.Add(Text(meter));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<CreditGrantResult?> GrantExistsAsync(string grantKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT user_id, meter, quantity, debt_repaid FROM billing.credit_grants WHERE grant_key = $1", _connection, _transaction);
        command.Parameters.Add(Text(grantKey));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var (quantity, repaid) = (reader.GetInt64(2), reader.GetInt64(3));
        return new CreditGrantResult(grantKey, reader.GetString(0), reader.GetString(1), quantity, repaid, quantity - repaid, AlreadyGranted: true);
    }

    /// <summary>Writes the period (if it changed), the renewals that did something, the balances that changed and the work's own writes.</summary>
    public async Task SaveAsync(IEnumerable<MeterRenewal> renewals, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(_connection, _transaction);
        var account = Account;
        if (account.PeriodChanged || account.TestClockId != _loadedClockId)
        {
            var update = new NpgsqlBatchCommand("""
                UPDATE billing.usage_accounts
                SET tier = $2, period_start = $3, period_end = $4, period_is_trial = $5, anchor = $6, paid_through = $7, period_unpaid = $8, test_clock_id = $9, updated_at = now()
                WHERE user_id = $1
                """);
            update.Parameters.Add(Text(account.UserId));
            update.Parameters.Add(Text(account.Tier));
            update.Parameters.Add(Time(account.PeriodStart));
            update.Parameters.Add(Time(account.PeriodEnd));
            update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = account.PeriodIsTrial });
            update.Parameters.Add(Time(account.Anchor));
            update.Parameters.Add(Time(account.PaidThrough));
            update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = account.PeriodUnpaid });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)account.TestClockId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            batch.BatchCommands.Add(update);
        }
        foreach (var renewal in renewals.Where(r => r.Result.Unused > 0 || r.Result.DebtRepaid > 0))
        {
            var row = new NpgsqlBatchCommand("""
                INSERT INTO billing.usage_renewals (user_id, period_start, meter, tier, was_trial, unused, debt_repaid, rolled_over)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
                """);
            row.Parameters.Add(Text(account.UserId));
            row.Parameters.Add(Time(renewal.PeriodStart));
            row.Parameters.Add(Text(renewal.Meter));
            row.Parameters.Add(Text(renewal.Tier));
            row.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = renewal.WasTrial });
            row.Parameters.Add(new NpgsqlParameter<long> { TypedValue = renewal.Result.Unused });
            row.Parameters.Add(new NpgsqlParameter<long> { TypedValue = renewal.Result.DebtRepaid });
            row.Parameters.Add(new NpgsqlParameter<long> { TypedValue = renewal.Result.RolledOver });
            batch.BatchCommands.Add(row);
        }
        foreach (var (meter, balance) in account.Balances)
        {
            if (_loaded.TryGetValue(meter, out var before) && before == balance)
            {
                continue;
            }
            var upsert = new NpgsqlBatchCommand("""
                INSERT INTO billing.usage_balances (user_id, meter, period_used, rollover, purchased) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (user_id, meter) DO UPDATE SET period_used = excluded.period_used, rollover = excluded.rollover, purchased = excluded.purchased
                """);
            upsert.Parameters.Add(Text(account.UserId));
            upsert.Parameters.Add(Text(meter));
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = balance.PeriodUsed });
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = balance.Rollover });
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = balance.Purchased });
            batch.BatchCommands.Add(upsert);
        }
        foreach (var write in _writes)
        {
            batch.BatchCommands.Add(write);
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a write now, inside the transaction (for what must happen before the save's own writes).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var batch = new NpgsqlBatch(_connection, _transaction) { BatchCommands = { Command(sql, values) } };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The paid period the account left for the free tier, kept for rule 1's undo, and when it was left.</summary>
    public async Task<(UsageSnapshot Snapshot, DateTimeOffset StartedAt)?> ReadInterludeAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT snapshot::text, started_at FROM billing.usage_interludes WHERE user_id = $1", _connection, _transaction);
        command.Parameters.Add(Text(Account.UserId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var snapshot = System.Text.Json.JsonSerializer.Deserialize<UsageSnapshot>(reader.GetString(0))
            ?? throw new InvalidOperationException($"The usage interlude of {Account.UserId} is empty.");
        return (snapshot, reader.GetFieldValue<DateTimeOffset>(1));
    }

    public void SaveInterlude(UsageSnapshot snapshot, DateTimeOffset startedAt) => Add("""
        INSERT INTO billing.usage_interludes (user_id, started_at, snapshot) VALUES ($1, $2, $3::jsonb)
        ON CONFLICT (user_id) DO UPDATE SET started_at = excluded.started_at, snapshot = excluded.snapshot
        """, Account.UserId, startedAt, System.Text.Json.JsonSerializer.Serialize(snapshot));

    /// <summary>An interlude's usage records and credit packs, in the order they were applied.</summary>
    public async Task<IReadOnlyList<InterludeEntry>> ReadEntriesSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT idempotency_key, meter, amount, recorded_at, false FROM billing.usage_records WHERE user_id = $1 AND recorded_at >= $2
            UNION ALL
            SELECT grant_key, meter, quantity, granted_at, true FROM billing.credit_grants WHERE user_id = $1 AND granted_at >= $2
            ORDER BY 4, 1
            """, _connection, _transaction);
        command.Parameters.Add(Text(Account.UserId));
        command.Parameters.Add(Time(since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<InterludeEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new InterludeEntry(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(4)));
        }
        return entries;
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    private static NpgsqlParameter Time(DateTimeOffset? value) => value is { } t
        ? new NpgsqlParameter<DateTimeOffset> { TypedValue = t.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz }
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
