using Npgsql;
using Yapit.Billing.Usage;
using Yapit.Tests.Infrastructure;
using static Yapit.Tests.Usage.UsageLedgerHarness;

namespace Yapit.Tests.Usage;

/// <summary>
/// Records that arrive together share statements and commits (the ledger's group commit). Each still gets what the
/// rules give it alone, in its user's order; a repeat, a reused key, a new account or a conflict with another
/// transaction stays that record's own answer and never fails its neighbours.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsageRecordBatchTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_sent_together_share_commits_and_each_gets_what_the_rules_give_it_in_order()
    {
        await using var h = await CreateAsync(postgres);
        string[] users = ["a", "b", "c"];
        foreach (var user in users)
        {
            await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 0), Ct);
            await h.Ledger.GrantCreditsAsync("cs-" + user, user, "tokens", 30_000, Ct);
        }
        var random = new Random(7);
        var requests = Enumerable.Range(0, 60)
            .Select(i => new UsageRecordRequest(users[random.Next(users.Length)], "tokens", random.Next(0, 9_000), $"batch-{i}", $"doc-{i % 4}"))
            .ToList();
        requests.Insert(10, requests[3]); // the same record again, in the same batch: a replay
        requests.Add(new UsageRecordRequest("a", "kokoro_chars", 1_234, "kokoro-1", null)); // basic: unlimited
        requests.Add(new UsageRecordRequest("newcomer", "tokens", 50, "new-1", null)); // no account yet: the locked session

        var answers = await h.Ledger.RecordManyAsync(requests, Ct);
        var results = await Task.WhenAll(answers);

        Assert.Equal(requests.Select(r => r.IdempotencyKey), results.Select(r => r.IdempotencyKey));
        Assert.Equal(results[3] with { Replayed = true }, results[10]);
        Assert.Equal(1, results.Count(r => r.Replayed));
        foreach (var user in users)
        {
            // A user's records, in the order they were sent, each given exactly what the waterfall gives it.
            var balance = new MeterBalance(0, 0, 30_000);
            foreach (var (request, result) in requests.Zip(results).Where(p => p.First.UserId == user && p.First.Meter == "tokens" && !p.Second.Replayed))
            {
                var (next, breakdown) = MeterRules.Consume(MeterKind.Waterfall, BasicTokens, balance, request.Amount);
                Assert.Equal(breakdown, result.Breakdown);
                balance = next;
            }
            var meter = await h.MeterAsync(user);
            Assert.Equal(balance, new MeterBalance(meter.Used, meter.Rollover - meter.Debt, meter.Purchased));
        }
        Assert.Equal(new Breakdown(1_234, 0, 0, 0), results[^2].Breakdown);
        Assert.Equal(new Breakdown(0, 0, 0, 50), results[^1].Breakdown); // a new account is free: all debt
        Assert.Equal(requests.Count - 1, await ScalarAsync(h.DataSource, "SELECT count(*) FROM billing.usage_records"));
        // They went to the database together: far fewer transactions than records.
        var transactions = await ScalarAsync(h.DataSource, "SELECT count(DISTINCT xmin::text) FROM billing.usage_records WHERE idempotency_key LIKE 'batch-%'");
        Assert.InRange(transactions, 1, 10);
    }

    [Fact]
    public async Task A_key_reused_for_another_user_in_the_same_batch_fails_only_that_record()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("a", "basic", 0), Ct);
        await h.Ledger.ApplyPlanAsync(Monthly("b", "basic", 0), Ct);

        var answers = await h.Ledger.RecordManyAsync(
        [
            new("b", "tokens", 100, "shared", null),
            new("a", "tokens", 100, "shared", null), // sorted before b's: a's is the first, b's reuses the key
            new("b", "tokens", 200, "b-own", null),
        ], Ct);

        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => answers[0]);
        Assert.Equal("a", (await answers[1]).UserId);
        Assert.False((await answers[2]).Replayed);
        Assert.Equal((100L, 200L), ((await h.MeterAsync("a")).Used, (await h.MeterAsync("b")).Used));
    }

    [Fact]
    public async Task A_batch_that_meets_a_concurrent_writer_of_one_of_its_keys_is_applied_one_by_one()
    {
        await using var h = await CreateAsync(postgres);
        await h.Ledger.ApplyPlanAsync(Monthly("a", "basic", 0), Ct);
        await h.Ledger.ApplyPlanAsync(Monthly("b", "basic", 0), Ct);
        // Another transaction writes the key "taken" for user x and has not committed yet: the batch's insert of that
        // key waits for it, then fails with a unique violation, which must not fail b's record.
        await using var other = await h.DataSource.OpenConnectionAsync(Ct);
        await using var transaction = await other.BeginTransactionAsync(Ct);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO billing.usage_records (idempotency_key, user_id, meter, amount, period_start, from_allowance, from_rollover, from_purchased, to_debt)
            VALUES ('taken', 'x', 'tokens', 5, now(), 5, 0, 0, 0)
            """, other, transaction))
        {
            await insert.ExecuteNonQueryAsync(Ct);
        }

        var answers = await h.Ledger.RecordManyAsync([new("a", "tokens", 100, "taken", null), new("b", "tokens", 300, "b-1", null)], Ct);
        await WaitForLockWaitAsync(h.DataSource);
        await transaction.CommitAsync(Ct);

        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => answers[0]);
        Assert.Equal(new Breakdown(300, 0, 0, 0), (await answers[1]).Breakdown);
        Assert.Equal((0L, 300L), ((await h.MeterAsync("a")).Used, (await h.MeterAsync("b")).Used));
        Assert.Equal(1, await ScalarAsync(h.DataSource, "SELECT count(*) FROM billing.usage_records WHERE idempotency_key = 'b-1'"));
    }

    private static async Task WaitForLockWaitAsync(NpgsqlDataSource dataSource)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await ScalarAsync(dataSource, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") > 0)
            {
                return;
            }
            await Task.Delay(25, Ct);
        }
        throw new TimeoutException("The batch never waited for the other transaction's key.");
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
