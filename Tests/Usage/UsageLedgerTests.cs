using Npgsql;
using Yapit.Billing.Usage;
using Yapit.Tests.Infrastructure;
using static Yapit.Tests.Usage.UsageLedgerHarness;

namespace Yapit.Tests.Usage;

/// <summary>The usage ledger on real Postgres: records, idempotency, renewals, packs, reservations, concurrency.</summary>
[Trait("Category", "Integration")]
public sealed class UsageLedgerTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_record_spends_the_allowance_then_rollover_then_purchased_then_becomes_debt()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);
        await h.Ledger.GrantCreditsAsync("cs_1", "u1", "tokens", 30_000, Ct);

        var first = await h.RecordAsync("u1", 90_000);
        var second = await h.RecordAsync("u1", 50_000);

        Assert.Equal(new Breakdown(90_000, 0, 0, 0), first.Breakdown);
        Assert.Equal(new Breakdown(10_000, 0, 30_000, 10_000), second.Breakdown);
        var meter = await h.MeterAsync("u1");
        Assert.Equal((BasicTokens, 0L, 0L, 10_000L, 0L), (meter.Used, meter.Rollover, meter.Purchased, meter.Debt, meter.Available));
    }

    [Fact]
    public async Task A_repeated_key_changes_nothing_and_returns_the_first_result()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);

        var first = await h.RecordAsync("u1", 1_000, "job-1");
        var again = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => h.RecordAsync("u1", 1_000, "job-1")));

        Assert.False(first.Replayed);
        Assert.All(again, r => Assert.Equal(first with { Replayed = true }, r));
        Assert.Equal(1_000, (await h.MeterAsync("u1")).Used);
        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => h.RecordAsync("u1", 2_000, "job-1"));
        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => h.RecordAsync("u2", 1_000, "job-1"));
    }

    [Fact]
    public async Task An_unknown_meter_is_refused_before_anything_is_written()
    {
        await using var h = await CreateAsync(postgres);
        var error = await Assert.ThrowsAsync<UnknownMeterException>(() => h.RecordAsync("u1", 1, meter: "minutes"));
        Assert.Equal("minutes", error.Meter);
    }

    [Fact]
    public async Task A_paid_cycle_rolls_the_unused_allowance_over_once_whatever_the_deliveries()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);
        await h.RecordAsync("u1", 40_000);
        h.Clock.Advance(TimeSpan.FromDays(29));

        // The next period's facts arrive three times, and the old period's once more after them.
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 1), Ct);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 1), Ct);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 1), Ct);

        var meter = await h.MeterAsync("u1");
        Assert.Equal((0L, 60_000L), (meter.Used, meter.Rollover));
        var summary = await h.Ledger.GetSummaryAsync("u1", Ct);
        Assert.Equal(UsagePeriods.Boundary(Start, 1), summary.PeriodStart);
    }

    [Fact]
    public async Task Unused_allowance_repays_debt_first_and_rollover_stops_at_the_cap()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "plus", 0), Ct);
        await h.RecordAsync("u1", PlusTokens + 30_000); // 30K of debt
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "plus", 1), Ct); // nothing unused: debt stays
        Assert.Equal(30_000, (await h.MeterAsync("u1")).Debt);

        await h.Ledger.ApplyPlanAsync(Monthly("u1", "plus", 2), Ct); // 200K unused: repays 30K, rolls 150K (the cap)
        var meter = await h.MeterAsync("u1");
        Assert.Equal((0L, TokensCap), (meter.Debt, meter.Rollover));
    }

    [Fact]
    public async Task A_trial_rolls_nothing_over()
    {
        await using var h = await CreateAsync(postgres);
        var trial = new UsagePlan("u1", "plus", Start, Start.AddDays(3), Yearly: false, IsTrial: true);
        await h.Ledger.ApplyPlanAsync(trial, Ct);
        await h.RecordAsync("u1", 1_000);
        h.Clock.Advance(TimeSpan.FromDays(3));
        await h.Ledger.ApplyPlanAsync(new UsagePlan("u1", "plus", Start.AddDays(3), UsagePeriods.Boundary(Start.AddDays(3), 1), false, false), Ct);

        var meter = await h.MeterAsync("u1");
        Assert.Equal((0L, 0L, PlusTokens), (meter.Used, meter.Rollover, meter.Remaining!.Value));
    }

    [Fact]
    public async Task A_yearly_plan_gets_its_allowance_every_month_from_its_anchor()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(new UsagePlan("u1", "basic", Start, UsagePeriods.Boundary(Start, 12), Yearly: true, IsTrial: false), Ct);
        await h.RecordAsync("u1", BasicTokens); // January's allowance spent

        h.Clock.Advance(TimeSpan.FromDays(29)); // Mar 1: the period of Feb 28 (Jan 31 anchor) has begun
        var summary = await h.Ledger.GetSummaryAsync("u1", Ct);
        Assert.Equal((new DateTimeOffset(2027, 2, 28, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 31, 10, 0, 0, TimeSpan.Zero)), (summary.PeriodStart, summary.PeriodEnd));
        Assert.Equal((0L, 0L), (summary.Meters.Single(m => m.Meter == "tokens").Used, summary.Meters.Single(m => m.Meter == "tokens").Rollover));

        var record = await h.RecordAsync("u1", 10_000);
        Assert.Equal(summary.PeriodStart, record.PeriodStart);
        h.Clock.Advance(TimeSpan.FromDays(62)); // two more months: each month's unused allowance rolls over once
        var meter = await h.MeterAsync("u1");
        Assert.Equal(TokensCap, meter.Rollover); // 90K + 100K, capped
    }

    [Fact]
    public async Task A_credit_pack_repays_debt_first_and_is_granted_once()
    {
        await using var h = await CreateAsync(postgres);
        await h.RecordAsync("u1", 7_000); // free tier: all debt

        var first = await h.Ledger.GrantCreditsAsync("cs_pack", "u1", "tokens", 10_000, Ct);
        var again = await h.Ledger.GrantCreditsAsync("cs_pack", "u1", "tokens", 10_000, Ct);

        Assert.Equal((7_000L, 3_000L, false), (first.DebtRepaid, first.AddedToPurchased, first.AlreadyGranted));
        Assert.True(again.AlreadyGranted);
        var meter = await h.MeterAsync("u1");
        Assert.Equal((0L, 3_000L), (meter.Debt, meter.Purchased));
    }

    [Fact]
    public async Task A_canceled_user_keeps_and_spends_rollover_and_credits()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);
        await h.Ledger.GrantCreditsAsync("cs_1", "u1", "tokens", 5_000, Ct);
        h.Clock.Advance(TimeSpan.FromDays(30));
        await h.Ledger.EndPlanAsync("u1", UsagePeriods.Boundary(Start, 1), Ct); // 100K unused, capped at 150K: 100K rollover

        var summary = await h.Ledger.GetSummaryAsync("u1", Ct);
        Assert.Equal("free", summary.Tier);
        var check = await h.Ledger.CheckAsync("u1", "tokens", 105_000, Ct);
        Assert.True(check.Allowed);
        var spent = await h.RecordAsync("u1", 105_000);
        Assert.Equal(new Breakdown(0, 100_000, 5_000, 0), spent.Breakdown);
        Assert.False((await h.Ledger.CheckAsync("u1", "tokens", 1, Ct)).Allowed);
    }

    [Fact]
    public async Task Reservations_are_subtracted_from_checks_until_released_or_expired()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);

        var reservation = await h.Ledger.ReserveAsync("u1", "tokens", 80_000, null, TimeSpan.FromMinutes(10), Ct);
        Assert.Equal(20_000, (await h.Ledger.CheckAsync("u1", "tokens", 1, Ct)).Available);
        await Assert.ThrowsAsync<UsageLimitExceededException>(() => h.Ledger.ReserveAsync("u1", "tokens", 30_000, null, null, Ct));

        Assert.True(await h.Ledger.ReleaseAsync("u1", reservation.ReservationId, Ct));
        Assert.False(await h.Ledger.ReleaseAsync("u1", reservation.ReservationId, Ct));
        Assert.Equal(BasicTokens, (await h.Ledger.CheckAsync("u1", "tokens", 1, Ct)).Available);

        await h.Ledger.ReserveAsync("u1", "tokens", 50_000, null, TimeSpan.FromMinutes(1), Ct);
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(BasicTokens, (await h.Ledger.CheckAsync("u1", "tokens", 1, Ct)).Available);
    }

    [Fact]
    public async Task An_allowance_only_meter_has_no_rollover_credits_or_debt()
    {
        await using var h = await CreateAsync(postgres);
        Assert.False((await h.Ledger.CheckAsync("u1", "kokoro_chars", 1, Ct)).Allowed); // free: not included
        await h.Ledger.ApplyPlanAsync(Monthly("u1", "basic", 0), Ct);
        var check = await h.Ledger.CheckAsync("u1", "kokoro_chars", 50_000_000, Ct); // basic: unlimited
        Assert.True(check.Allowed);
        Assert.Null(check.Available);
        await Assert.ThrowsAsync<ArgumentException>(() => h.Ledger.GrantCreditsAsync("cs_k", "u1", "kokoro_chars", 5, Ct));
    }

    [Fact]
    public async Task Concurrent_records_and_renewals_end_in_exactly_the_models_balances()
    {
        await using var h = await CreateAsync(postgres);
        var users = Enumerable.Range(0, 6).Select(i => $"user-{i}").ToArray();
        foreach (var user in users)
        {
            await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 0), Ct);
            await h.Ledger.GrantCreditsAsync($"cs-{user}", user, "tokens", 20_000, Ct);
        }
        var random = new Random(42);
        var work = new List<Func<Task>>();
        for (var i = 0; i < 600; i++)
        {
            var user = users[random.Next(users.Length)];
            var amount = random.Next(0, 4_000);
            work.Add(() => h.RecordAsync(user, amount));
            if (i % 100 == 50)
            {
                var period = (i / 100) + 1;
                work.AddRange(users.Select(u => (Func<Task>)(() => h.Ledger.ApplyPlanAsync(Monthly(u, "basic", period), Ct))));
            }
        }
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (w, _) => await w());

        // The model: within a period records add up whatever their order; between periods the renewal runs once.
        foreach (var user in users)
        {
            var totals = await PeriodTotalsAsync(h.DataSource, user);
            var balance = new MeterBalance(0, 0, 20_000);
            var periods = totals.Keys.Order().ToList();
            Assert.True(periods.Count > 1, "the run renewed no period");
            foreach (var start in periods)
            {
                balance = MeterRules.Consume(MeterKind.Waterfall, BasicTokens, balance, totals[start]).Balance;
                if (start != periods[^1])
                {
                    balance = MeterRules.Renew(MeterKind.Waterfall, BasicTokens, balance, TokensCap, endingUnpaid: false).Balance;
                }
            }
            var meter = await h.MeterAsync(user);
            Assert.Equal(balance, new MeterBalance(meter.Used, meter.Rollover - meter.Debt, meter.Purchased));
        }
    }

    private static async Task<Dictionary<DateTimeOffset, long>> PeriodTotalsAsync(NpgsqlDataSource dataSource, string user)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.period_start, coalesce(sum(r.amount), 0)::bigint
            FROM (SELECT period_start FROM billing.usage_accounts WHERE user_id = $1
                  UNION SELECT period_start FROM billing.usage_renewals WHERE user_id = $1
                  UNION SELECT period_start FROM billing.usage_records WHERE user_id = $1) p
            LEFT JOIN billing.usage_records r ON r.user_id = $1 AND r.period_start = p.period_start
            GROUP BY p.period_start
            """);
        command.Parameters.AddWithValue(user);
        var totals = new Dictionary<DateTimeOffset, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            totals[reader.GetFieldValue<DateTimeOffset>(0)] = reader.GetInt64(1);
        }
        return totals;
    }
}
