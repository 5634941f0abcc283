using Yapit.Billing.Usage;
using Yapit.Tests.Infrastructure;
using static Yapit.Tests.Usage.UsageLedgerHarness;

namespace Yapit.Tests.Usage;

/// <summary>
/// A record takes one of two paths: <c>billing.usage_record</c> in one round trip (the account exists and its period
/// is current) or the locked session (a new account, a period to renew first). These tests cross the paths: a key
/// applied on one is replayed on the other, and both give what <see cref="MeterRules"/> gives.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsageRecordPathsTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_users_first_record_creates_the_account_and_the_next_ones_agree_with_the_rules()
    {
        await using var h = await CreateAsync(postgres);

        var first = await h.RecordAsync("new-user", 700, "k1"); // no account yet: the locked session creates a free one
        var second = await h.RecordAsync("new-user", 300, "k2"); // the account exists: one round trip
        var replayOfFirst = await h.RecordAsync("new-user", 700, "k1");

        // The free tier includes no tokens: all of it is debt, on either path.
        Assert.Equal(new Breakdown(0, 0, 0, 700), first.Breakdown);
        Assert.Equal(new Breakdown(0, 0, 0, 300), second.Breakdown);
        Assert.Equal(first with { Replayed = true }, replayOfFirst);
        Assert.Equal(first.PeriodStart, second.PeriodStart);
        var meter = await h.MeterAsync("new-user");
        Assert.Equal((0L, 1_000L, 0L), (meter.Used, meter.Debt, meter.Purchased));
        Assert.Equal(2, await CountAsync(h, "SELECT count(*) FROM billing.usage_records WHERE user_id = 'new-user'"));
    }

    [Fact]
    public async Task Every_waterfall_step_and_an_unlimited_meter_match_the_rules_on_the_one_trip_path()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);
        await h.Ledger.GrantCreditsAsync("cs_1", "u1", "tokens", 5_000, Ct);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 1), Ct); // January's whole allowance rolls over
        var balance = new MeterBalance(0, BasicTokens, 5_000);

        foreach (var amount in new long[] { 0, 60_000, 60_000, 100_000, 30_000, 1 })
        {
            var record = await h.RecordAsync("u1", amount);
            var (next, expected) = MeterRules.Consume(MeterKind.Waterfall, BasicTokens, balance, amount);
            Assert.Equal(expected, record.Breakdown);
            balance = next;
        }
        var meter = await h.MeterAsync("u1");
        Assert.Equal(balance, new MeterBalance(meter.Used, meter.Rollover - meter.Debt, meter.Purchased));
        Assert.True(balance.Debt > 0);

        var unlimited = await h.RecordAsync("u1", 123_456_789, meter: "kokoro_chars"); // basic: NULL limit
        Assert.Equal(new Breakdown(123_456_789, 0, 0, 0), unlimited.Breakdown);
        Assert.Equal(123_456_789, (await h.MeterAsync("u1", "kokoro_chars")).Used);
    }

    [Fact]
    public async Task A_period_that_must_renew_first_takes_the_locked_path_and_a_replay_then_comes_from_the_one_trip_path()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(new UsagePlan("u1", "basic", Start, UsagePeriods.Boundary(Start, 12), Yearly: true, IsTrial: false), Ct);
        await h.RecordAsync("u1", 40_000);

        h.Clock.Advance(TimeSpan.FromDays(29)); // February's period has begun: January's 60,000 unused roll over on this record
        var renewing = await h.RecordAsync("u1", 120_000, "feb-1");
        var replay = await h.RecordAsync("u1", 120_000, "feb-1");

        Assert.Equal(new Breakdown(BasicTokens, 20_000, 0, 0), renewing.Breakdown);
        Assert.Equal(renewing with { Replayed = true }, replay);
        Assert.Equal(1, await CountAsync(h, "SELECT count(*) FROM billing.usage_renewals WHERE user_id = 'u1'"));
        var meter = await h.MeterAsync("u1");
        Assert.Equal((BasicTokens, 40_000L), (meter.Used, meter.Rollover));
    }

    [Fact]
    public async Task One_key_sent_for_many_users_at_once_is_applied_once()
    {
        await using var h = await CreateAsync(postgres);
        var users = Enumerable.Range(0, 8).Select(i => $"u{i}").ToArray();
        foreach (var user in users)
        {
            await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 0), Ct);
        }

        var outcomes = await Task.WhenAll(users.Select(async user =>
        {
            try
            {
                return await h.RecordAsync(user, 500, "shared-key");
            }
            catch (IdempotencyKeyReusedException)
            {
                return null;
            }
        }));

        var applied = Assert.Single(outcomes, o => o is { Replayed: false });
        Assert.Equal(users.Length - 1, outcomes.Count(o => o is null)); // the others reuse the key with another user
        Assert.Equal(1, await CountAsync(h, "SELECT count(*) FROM billing.usage_records WHERE idempotency_key = 'shared-key'"));
        Assert.Equal(500, await CountAsync(h, "SELECT coalesce(sum(period_used), 0) FROM billing.usage_balances WHERE meter = 'tokens'"));
    }

    private static async Task<long> CountAsync(UsageLedgerHarness h, string sql)
    {
        await using var command = h.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
