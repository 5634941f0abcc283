using Npgsql;
using Yapit.Billing.Usage;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// Balances exact to the unit. No period ends during a run, so the waterfall is additive: each user's balance after
/// the run must be the waterfall applied once, to the balance before the run, with the sum of everything recorded
/// for the user. Also: the ledger's records add up to what the load was answered for (per user, to the unit), and
/// their breakdowns add up to how far each balance moved.
/// </summary>
public static class BalanceCheck
{
    public sealed record Result(bool Exact, int Users, long Records, long RecordsAnswered, long Amount, long AmountAnswered, int Mismatches, IReadOnlyList<string> FirstMismatches,
        long UsersInDebt, long UsersWithRolloverLeft, long UsersWithPurchasedLeft, long TotalFromAllowance, long TotalFromRollover, long TotalFromPurchased, long TotalToDebt,
        long RenewalsDuringRun);

    public static async Task<Dictionary<string, MeterBalance>> BalancesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var balances = new Dictionary<string, MeterBalance>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT user_id, period_used, rollover, purchased FROM billing.usage_balances WHERE meter = 'tokens'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            balances[reader.GetString(0)] = new MeterBalance(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        return balances;
    }

    public static async Task<long> RenewalsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM billing.usage_renewals");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task<Result> VerifyAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<string> users, IReadOnlyDictionary<string, MeterBalance> before, long renewalsBefore, LedgerLoad load, long? limit,
        CancellationToken cancellationToken)
    {
        var after = await BalancesAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var sums = new Dictionary<string, (long Count, long Amount, long Allowance, long Rollover, long Purchased, long Debt)>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("""
            SELECT user_id, count(*), sum(amount)::bigint, sum(from_allowance)::bigint, sum(from_rollover)::bigint, sum(from_purchased)::bigint, sum(to_debt)::bigint
            FROM billing.usage_records WHERE meter = 'tokens' GROUP BY user_id
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sums[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
            }
        }
        var mismatches = new List<string>();
        long records = 0, amount = 0, answeredRecords = 0, answeredAmount = 0;
        for (var i = 0; i < users.Count; i++)
        {
            var user = users[i];
            var start = before.GetValueOrDefault(user);
            var end = after.GetValueOrDefault(user);
            var sum = sums.GetValueOrDefault(user);
            records += sum.Count;
            amount += sum.Amount;
            answeredRecords += load.RecordsPerUser[i];
            answeredAmount += load.RecordedPerUser[i];
            var expected = MeterRules.Consume(MeterKind.Waterfall, limit, start, load.RecordedPerUser[i]).Balance;
            var problems = new List<string>();
            if (sum.Count != load.RecordsPerUser[i] || sum.Amount != load.RecordedPerUser[i])
            {
                problems.Add($"ledger holds {sum.Count} records of {sum.Amount}, the load was answered for {load.RecordsPerUser[i]} of {load.RecordedPerUser[i]}");
            }
            if (end != expected)
            {
                problems.Add($"balance {end}, the waterfall once over the total gives {expected} (before {start})");
            }
            // What the breakdowns say each part moved, against what the balance moved.
            if (end.PeriodUsed - start.PeriodUsed != sum.Allowance || start.Purchased - end.Purchased != sum.Purchased || start.Rollover - end.Rollover != sum.Rollover + sum.Debt)
            {
                problems.Add($"breakdowns allowance {sum.Allowance}, rollover {sum.Rollover}, purchased {sum.Purchased}, debt {sum.Debt} do not match the balance's move {start} -> {end}");
            }
            if (problems.Count > 0)
            {
                mismatches.Add($"{user}: {string.Join("; ", problems)}");
            }
        }
        var renewalsDuring = await RenewalsAsync(dataSource, cancellationToken).ConfigureAwait(false) - renewalsBefore;
        return new Result(mismatches.Count == 0 && renewalsDuring == 0 && records == answeredRecords, users.Count, records, answeredRecords, amount, answeredAmount,
            mismatches.Count, mismatches.Take(10).ToList(),
            after.Values.LongCount(b => b.Rollover < 0), after.Values.LongCount(b => b.Rollover > 0), after.Values.LongCount(b => b.Purchased > 0),
            sums.Values.Sum(s => s.Allowance), sums.Values.Sum(s => s.Rollover), sums.Values.Sum(s => s.Purchased), sums.Values.Sum(s => s.Debt), renewalsDuring);
    }
}
