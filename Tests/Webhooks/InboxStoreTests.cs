using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>The inbox's claim, lease, retry, dead-letter and replay rules, on real Postgres.</summary>
[Trait("Category", "Integration")]
public sealed class InboxStoreTests(PostgresServerFixture postgres)
{
    private static int _sequence;

    private async Task<(InboxStore Store, NpgsqlDataSource DataSource)> NewInboxAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("inbox"));
        return (new InboxStore(dataSource), dataSource);
    }

    private static IncomingEvent Event(string? objectId = "price_1", string type = "price.updated", DateTimeOffset? created = null)
    {
        var id = $"evt_{Interlocked.Increment(ref _sequence):D6}";
        return new IncomingEvent(id, type, "2026-10-28.endive", false, created ?? DateTimeOffset.UtcNow, objectId, "price",
            System.Text.Json.JsonSerializer.Serialize(new { id, @object = "event", type, created = 0, livemode = false, data = new { @object = new { id = objectId, @object = "price" } } }),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
    }

    [Fact]
    public async Task An_event_is_stored_once_whatever_the_number_of_deliveries()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var e = Event();
        var ct = TestContext.Current.CancellationToken;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => inbox.InsertAsync(e, ct)));

        Assert.Single(results, inserted => inserted);
        var entry = Assert.Single(await inbox.ListAsync(null, null, 10, ct));
        Assert.Equal((e.EventId, "pending", 0), (entry.Id, entry.Status, entry.Attempts));
    }

    [Fact]
    public async Task A_batch_stores_its_new_events_whole_and_skips_ids_already_there_or_repeated()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        var stored = Event(created: DateTimeOffset.FromUnixTimeSeconds(1_790_000_200));
        await inbox.InsertAsync(stored, ct);
        var bare = Event(objectId: null) with { ApiVersion = null, ObjectType = null, TraceParent = null, Source = "backfill", StripeCreated = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000).ToOffset(TimeSpan.FromHours(2)) };
        var full = Event("price_9", created: DateTimeOffset.FromUnixTimeSeconds(1_790_000_100)) with { TraceState = "vendor=1" };

        var inserted = await inbox.InsertManyAsync([stored, bare, full, bare], ct);

        Assert.Equal([bare.EventId, full.EventId], inserted.Order());
        await using var read = db.CreateCommand("""
            SELECT event_id, event_type, api_version, livemode, stripe_created, object_id, object_type, payload::text, traceparent, tracestate, source
            FROM billing.webhook_inbox ORDER BY event_id
            """);
        await using var reader = await read.ExecuteReaderAsync(ct);
        var rows = new List<IncomingEvent>();
        while (await reader.ReadAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(new IncomingEvent(reader.GetString(0), reader.GetString(1), Text(2), reader.GetBoolean(3), reader.GetFieldValue<DateTimeOffset>(4),
                Text(5), Text(6), reader.GetString(7), Text(8), Text(9), reader.GetString(10)));
        }
        Assert.Equal([stored, bare with { StripeCreated = bare.StripeCreated.ToUniversalTime() }, full], rows);
    }

    [Fact]
    public async Task Two_events_of_one_object_are_never_claimed_at_once()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        var first = Event("price_A", created: DateTimeOffset.UtcNow.AddSeconds(-2));
        var second = Event("price_A");
        var other = Event("price_B");
        foreach (var e in new[] { first, second, other })
        {
            await inbox.InsertAsync(e, ct);
        }

        var a = await inbox.ClaimAsync("worker-a", 10, TimeSpan.FromMinutes(1), ct);
        var b = await inbox.ClaimAsync("worker-b", 10, TimeSpan.FromMinutes(1), ct);

        Assert.Equal([first.EventId, other.EventId], a.Select(c => c.EventId).Order());
        Assert.Empty(b); // price_A is busy at worker-a, price_B is claimed
        Assert.True(await inbox.CompleteAsync(a.Single(x => x.EventId == first.EventId), InboxStatus.Done, ct));
        var c = await inbox.ClaimAsync("worker-b", 10, TimeSpan.FromMinutes(1), ct);
        Assert.Equal(second.EventId, Assert.Single(c).EventId);
    }

    [Fact]
    public async Task Concurrent_claimers_split_the_work_without_overlap()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        var events = Enumerable.Range(0, 60).Select(i => Event($"obj_{i}")).ToList();
        foreach (var e in events)
        {
            await inbox.InsertAsync(e, ct);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(w => inbox.ClaimAsync($"worker-{w}", 15, TimeSpan.FromMinutes(1), ct)));

        var all = claims.SelectMany(c => c.Select(e => e.EventId)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(60, all.Count);
    }

    [Fact]
    public async Task A_dead_workers_events_return_after_their_lease()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        var e = Event();
        await inbox.InsertAsync(e, ct);

        var crashed = Assert.Single(await inbox.ClaimAsync("crashed-worker", 5, TimeSpan.FromMilliseconds(300), ct));
        Assert.Empty(await inbox.ClaimAsync("healthy-worker", 5, TimeSpan.FromMinutes(1), ct));
        await Task.Delay(500, ct);
        var reclaimed = Assert.Single(await inbox.ClaimAsync("healthy-worker", 5, TimeSpan.FromMinutes(1), ct));

        Assert.Equal(2, reclaimed.Attempts);
        Assert.False(await inbox.CompleteAsync(crashed, InboxStatus.Done, ct)); // its lease is gone
        Assert.True(await inbox.CompleteAsync(reclaimed, InboxStatus.Done, ct));
    }

    [Fact]
    public async Task Failures_are_retried_after_their_delay_then_dead_lettered_and_replayable()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        var e = Event();
        await inbox.InsertAsync(e, ct);

        var first = Assert.Single(await inbox.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), ct));
        Assert.Equal(InboxStatus.Pending, await inbox.FailAsync(first, "boom 1", maxAttempts: 2, TimeSpan.FromMilliseconds(300), permanent: false, ct));
        Assert.Empty(await inbox.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), ct)); // not yet due
        await Task.Delay(400, ct);
        var second = Assert.Single(await inbox.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), ct));
        Assert.Equal(InboxStatus.Dead, await inbox.FailAsync(second, "boom 2", maxAttempts: 2, TimeSpan.Zero, permanent: false, ct));

        var dead = Assert.Single(await inbox.ListAsync(InboxStatus.Dead, null, 10, ct));
        Assert.Equal(("boom 2", 2), (dead.LastError, dead.Attempts));
        Assert.Equal(1, (await inbox.StatsAsync(ct)).Dead);
        Assert.Empty(await inbox.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), ct));

        var (found, replayed, entry) = await inbox.ReplayAsync(e.EventId, ct);
        Assert.True(found && replayed);
        Assert.Equal((InboxStatus.Pending, 0), (entry!.Status, entry.Attempts));
        Assert.Single(await inbox.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), ct));
        Assert.False((await inbox.ReplayAsync(e.EventId, ct)).Replayed); // being processed now
        Assert.False((await inbox.ReplayAsync("evt_unknown", ct)).Found);
    }

    [Fact]
    public async Task Lists_filter_by_status_and_type_family()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        await inbox.InsertAsync(Event(type: "price.updated"), ct);
        await inbox.InsertAsync(Event(type: "price.created"), ct);
        await inbox.InsertAsync(Event(objectId: "prod_1", type: "product.updated"), ct);

        Assert.Equal(2, (await inbox.ListAsync(null, "price.*", 10, ct)).Count);
        Assert.Single(await inbox.ListAsync(null, "product.updated", 10, ct));
        Assert.Equal(3, (await inbox.ListAsync(InboxStatus.Pending, null, 10, ct)).Count);
        Assert.Empty(await inbox.ListAsync(InboxStatus.Done, null, 10, ct));
        Assert.Equal(2, (await inbox.ListAsync(null, null, 2, ct)).Count);
    }

    [Fact]
    public async Task Pruning_removes_old_processed_rows_and_keeps_dead_letters()
    {
        var (inbox, db) = await NewInboxAsync();
        await using var _ = db;
        var ct = TestContext.Current.CancellationToken;
        var done = Event("a");
        var dead = Event("b");
        var fresh = Event("c");
        foreach (var e in new[] { done, dead, fresh })
        {
            await inbox.InsertAsync(e, ct);
        }
        var claimed = (await inbox.ClaimAsync("w", 3, TimeSpan.FromMinutes(1), ct)).ToDictionary(c => c.EventId);
        await inbox.CompleteAsync(claimed[done.EventId], InboxStatus.Done, ct);
        await inbox.FailAsync(claimed[dead.EventId], "x", maxAttempts: 1, TimeSpan.Zero, permanent: false, ct);
        await inbox.CompleteAsync(claimed[fresh.EventId], InboxStatus.Done, ct);
        await using (var age = db.CreateCommand($"UPDATE billing.webhook_inbox SET processed_at = now() - interval '100 days' WHERE event_id IN ('{done.EventId}', '{dead.EventId}')"))
        {
            await age.ExecuteNonQueryAsync(ct);
        }

        var pruned = await inbox.PruneAsync(DateTimeOffset.UtcNow.AddDays(-90), batchSize: 1, ct);

        Assert.Equal(1, pruned);
        Assert.Equal([dead.EventId, fresh.EventId], (await inbox.ListAsync(null, null, 10, ct)).Select(e => e.Id).Order());
    }
}
