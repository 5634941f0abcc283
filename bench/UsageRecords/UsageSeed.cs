using Npgsql;
using Yapit.Billing.Usage;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// The catalog and the users: meters and limits as stripe-setup writes them, then each user on the plus plan with
/// a period that contains now, rollover from an ended period and (every other user) a credit pack, so the records
/// go through every step of the waterfall: allowance, rollover, purchased credits, then debt.
/// </summary>
public static class UsageSeed
{
    public const long PlusTokens = 5_000;
    public const long RolloverCap = 10_000_000;
    public const long PackTokens = 5_000;

    public static async Task CatalogAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO billing.meters (name, rollover_cap) VALUES ('tokens', {RolloverCap}), ('voice_chars', 1000000), ('kokoro_chars', 0);
            INSERT INTO billing.plans (tier, name, rank, currency, active) VALUES ('free', 'Free', 0, 'eur', true), ('plus', 'Plus', 2, 'eur', true);
            INSERT INTO billing.plan_limits (tier, meter, period_limit) VALUES
                ('free', 'tokens', 0), ('free', 'voice_chars', 0), ('free', 'kokoro_chars', 0),
                ('plus', 'tokens', {PlusTokens}), ('plus', 'voice_chars', 5000), ('plus', 'kokoro_chars', NULL);
            """);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts every user on the plus plan through the ledger's own calls: the previous monthly period (applied with a
    /// clock 40 days back), then the current one (real clock), which renews the previous period's unused allowance
    /// into rollover; then a credit pack for every other user.
    /// </summary>
    public static async Task UsersAsync(NpgsqlDataSource dataSource, UsageLedger ledger, IReadOnlyList<string> users, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var past = new FixedClock(now.AddDays(-40));
        var pastLedger = new UsageLedger(dataSource, new MeterCatalogSource(dataSource, past), past);
        var previousStart = past.GetUtcNow();
        var currentStart = UsagePeriods.Boundary(previousStart, 1);
        var currentEnd = UsagePeriods.Boundary(previousStart, 2);
        if (currentStart > now || currentEnd <= now.AddDays(1))
        {
            throw new InvalidOperationException($"the seeded period {currentStart:u}..{currentEnd:u} does not contain now");
        }
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var user = users[i];
            await pastLedger.ApplyPlanAsync(new UsagePlan(user, "plus", previousStart, currentStart, Yearly: false, IsTrial: false), token).ConfigureAwait(false);
            await ledger.ApplyPlanAsync(new UsagePlan(user, "plus", currentStart, currentEnd, Yearly: false, IsTrial: false), token).ConfigureAwait(false);
            if (i % 2 == 0)
            {
                await ledger.GrantCreditsAsync($"cs_bench_{i}", user, "tokens", PackTokens, token).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    private sealed class FixedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
