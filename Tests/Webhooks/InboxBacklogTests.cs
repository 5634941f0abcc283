using System.Collections.Concurrent;
using System.Text.Json;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// A backlog of 20,000 pending events (one object holding half of them): a claim costs what its batch costs, every
/// object's events are processed in Stripe's order, the busy object holds no other up, and one run covers the
/// pending events of its object that its re-read made redundant.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InboxBacklogTests(PostgresServerFixture postgres)
{
    private const string Hot = "sub_hot";
    private static int _sequence;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IncomingEvent Event(string objectId, DateTimeOffset created, string type = "customer.subscription.updated")
    {
        var id = $"evt_backlog_{Interlocked.Increment(ref _sequence):D7}";
        return new IncomingEvent(id, type, "2026-10-28.endive", false, created, objectId, "subscription",
            JsonSerializer.Serialize(new { id, @object = "event", type, data = new { @object = new { id = objectId, @object = "subscription" } } }), null, null);
    }

    /// <summary>
    /// <paramref name="total"/> events, half of them about <see cref="Hot"/>, the rest spread over
    /// <paramref name="others"/> objects, interleaved in creation order (one a millisecond, as a burst arrives).
    /// </summary>
    private static async Task<(InboxStore Inbox, NpgsqlDataSource Db, List<IncomingEvent> Events)> BacklogAsync(PostgresServerFixture postgres, int total, int others)
    {
        var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("inbox_backlog"));
        var inbox = new InboxStore(db);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var events = Enumerable.Range(0, total)
            .Select(i => Event(i % 2 == 0 ? Hot : $"sub_{i / 2 % others:D4}", start.AddMilliseconds(i)))
            .ToList();
        foreach (var chunk in events.Chunk(1000))
        {
            await inbox.InsertManyAsync(chunk, Ct);
        }
        await using var analyze = db.CreateCommand("ANALYZE billing.webhook_inbox");
        await analyze.ExecuteNonQueryAsync(Ct);
        return (inbox, db, events);
    }

    /// <summary>EXPLAIN (ANALYZE, BUFFERS) of one claim of 16, rolled back: the plan and the buffers it touched.</summary>
    private static async Task<(string Plan, long Buffers, int Claimed)> ExplainClaimAsync(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {InboxStore.ClaimStatement}", connection, transaction);
        explain.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "explain" });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 16 });
        explain.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = TimeSpan.FromMinutes(1), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval });
        explain.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "" });
        var json = (string)(await explain.ExecuteScalarAsync(Ct))!;
        await transaction.RollbackAsync(Ct);
        var plan = JsonDocument.Parse(json).RootElement[0].GetProperty("Plan");
        return (json, plan.GetProperty("Shared Hit Blocks").GetInt64() + plan.GetProperty("Shared Read Blocks").GetInt64(), plan.GetProperty("Actual Rows").GetInt32());
    }

    [Fact]
    public async Task A_claim_costs_its_batch_not_the_backlog()
    {
        var (_, small, _) = await BacklogAsync(postgres, 200, others: 50);
        var (_, large, _) = await BacklogAsync(postgres, 20_000, others: 50);
        await using var __ = small;
        await using var ___ = large;

        var atSmall = await ExplainClaimAsync(small);
        var atLarge = await ExplainClaimAsync(large);

        // Both claim a full batch, through the object queue index, without reading the backlog: no sequential scan of
        // the inbox and no sort of its rows. The buffers touched (a count of work, not a time) stay within a few
        // index pages of the small backlog's, though the large one has 100 times the events.
        Assert.Equal(16, atSmall.Claimed);
        Assert.Equal(16, atLarge.Claimed);
        Assert.Contains("webhook_inbox_object_queue", atLarge.Plan, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Seq Scan\"", atLarge.Plan, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Sort\"", atLarge.Plan, StringComparison.Ordinal);
        Assert.True(atLarge.Buffers <= atSmall.Buffers * 2 + 64,
            $"a claim of 16 touched {atLarge.Buffers} buffers with 20,000 pending, {atSmall.Buffers} with 200");
        TestContext.Current.TestOutputHelper?.WriteLine($"buffers per claim of 16: {atSmall.Buffers} at 200 pending, {atLarge.Buffers} at 20,000");
    }

    [Fact]
    public async Task Every_objects_events_are_processed_in_order_and_the_hot_object_holds_no_other_up()
    {
        var (inbox, db, events) = await BacklogAsync(postgres, 20_000, others: 50);
        await using var _ = db;
        var done = new ConcurrentQueue<ClaimedEvent>();
        var inFlight = new ConcurrentDictionary<string, string>();
        var overlaps = 0;

        // Four workers claiming concurrently, each completing what it claimed, as the worker's loop does.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var store = new InboxStore(db);
            while (true)
            {
                var claimed = await store.ClaimAsync($"worker-{w}", 16, TimeSpan.FromMinutes(5), Ct);
                if (claimed.Count == 0)
                {
                    if ((await store.StatsAsync(Ct)) is { Pending: 0, Processing: 0 })
                    {
                        return;
                    }
                    await Task.Delay(5, Ct);
                    continue;
                }
                foreach (var c in claimed)
                {
                    if (!inFlight.TryAdd(c.ObjectId!, c.EventId))
                    {
                        Interlocked.Increment(ref overlaps);
                    }
                }
                // The claim's runs complete concurrently, as the worker runs them (a claim holds one event per object,
                // so no object's order depends on the order within a claim); one at a time took minutes under load.
                await Task.WhenAll(claimed.Select(async c =>
                {
                    inFlight.TryRemove(c.ObjectId!, out var __);
                    done.Enqueue(c);
                    Assert.True(await store.CompleteAsync(c, InboxStatus.Done, Ct));
                }));
            }
        }, Ct)));

        var order = done.ToList();
        Assert.Equal(0, overlaps);
        Assert.Equal(events.Count, order.Count);
        Assert.Equal(events.Count, order.Select(c => c.EventId).Distinct().Count());
        // Per object, processed in Stripe's order.
        var expected = events.GroupBy(e => e.ObjectId!).ToDictionary(g => g.Key, g => g.Select(e => e.EventId).ToList());
        foreach (var (objectId, ids) in expected)
        {
            Assert.Equal(ids, order.Where(c => c.ObjectId == objectId).Select(c => c.EventId).ToList());
        }
        // The 10,000 events of the hot object are no queue the others wait in: each of the 50 others got an event per
        // round of claims, so all 10,000 of theirs were done before half of the work was.
        var lastOther = order.FindLastIndex(c => c.ObjectId != Hot);
        Assert.True(lastOther < order.Count * 0.6, $"the last event of another object was the {lastOther}th of {order.Count} processed");
    }

    [Fact]
    public async Task One_run_covers_the_pending_events_of_its_object_received_before_its_claim()
    {
        var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("inbox_alike"));
        await using var _ = db;
        var inbox = new InboxStore(db);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var backlog = Enumerable.Range(0, 10).Select(i => Event("sub_alike", start.AddSeconds(i))).ToList();
        var otherType = Event("sub_alike", start.AddSeconds(20), type: "invoice.paid");
        var otherObject = Event("sub_other", start.AddSeconds(30));
        await inbox.InsertManyAsync([.. backlog, otherType, otherObject], Ct);

        var claimed = await inbox.ClaimAsync("w", 10, TimeSpan.FromMinutes(1), Ct);
        var run = Assert.Single(claimed, c => c.ObjectId == "sub_alike");
        Assert.Equal(backlog[0].EventId, run.EventId);
        var late = Event("sub_alike", start.AddSeconds(40)); // received after the claim: the run's re-read may predate it
        await Task.Delay(20, Ct);
        await inbox.InsertAsync(late, Ct);

        var alike = await inbox.CompleteAsync(run, InboxStatus.Done, ["customer.subscription.updated"], Ct);

        Assert.Equal(backlog.Skip(1).Select(e => e.EventId).Order(), alike!.Select(a => a.EventId).Order());
        var next = Assert.Single(await inbox.ClaimAsync("w", 10, TimeSpan.FromMinutes(1), Ct));
        Assert.Equal(otherType.EventId, next.EventId); // another type waits for its own run, in order
        var none = await inbox.CompleteAsync(next, InboxStatus.Done, ["invoice.paid"], Ct);
        Assert.NotNull(none);
        Assert.Empty(none);
        Assert.Equal(late.EventId, Assert.Single(await inbox.ClaimAsync("w", 10, TimeSpan.FromMinutes(1), Ct)).EventId);
        await using var handledWith = db.CreateCommand("SELECT count(*) FROM billing.webhook_inbox WHERE status = 'done' AND handled_with = $1");
        handledWith.Parameters.Add(new NpgsqlParameter<string> { TypedValue = run.EventId });
        Assert.Equal(9L, await handledWith.ExecuteScalarAsync(Ct));
    }
}
