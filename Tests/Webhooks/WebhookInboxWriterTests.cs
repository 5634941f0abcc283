using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Gateway.Webhooks;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// The intake's batching writer, over a recording insert: bounded inserts, batches formed only while writers are
/// busy, every request answered after its own insert, failures confined to the batch (or the row) they belong to.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WebhookInboxWriterTests
{
    private static int _sequence;

    private static IncomingEvent Event(string? id = null) =>
        new(id ?? $"evt_w{Interlocked.Increment(ref _sequence):D6}", "price.updated", null, false, DateTimeOffset.UtcNow, "price_1", "price", "{}", null, null);

    /// <summary>An insert that records its batches and, while <see cref="Hold"/> is not completed, keeps them open.</summary>
    private sealed class RecordingInsert
    {
        private int _running;
        public TaskCompletionSource Hold { get; set; } = CompletedHold();
        public List<IReadOnlyList<string>> Batches { get; } = [];
        public HashSet<string> Stored { get; } = [];
        public int MostAtOnce;
        public Func<IReadOnlyList<IncomingEvent>, Exception?> Fail { get; set; } = _ => null;

        /// <summary>Released once per insert as it starts.</summary>
        public SemaphoreSlim Started { get; } = new(0);

        public async Task<IReadOnlySet<string>> InsertAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            Started.Release();
            for (var most = Volatile.Read(ref MostAtOnce); now > most && Interlocked.CompareExchange(ref MostAtOnce, now, most) != most; most = Volatile.Read(ref MostAtOnce))
            {
            }
            try
            {
                await Hold.Task;
                lock (Batches)
                {
                    Batches.Add(events.Select(e => e.EventId).ToList());
                    if (Fail(events) is { } error)
                    {
                        throw error;
                    }
                    return events.Select(e => e.EventId).Where(Stored.Add).ToHashSet();
                }
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private static TaskCompletionSource CompletedHold()
        {
            var hold = new TaskCompletionSource();
            hold.SetResult();
            return hold;
        }
    }

    [Fact]
    public async Task A_lone_event_is_inserted_at_once_on_its_own()
    {
        var insert = new RecordingInsert();
        var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: 4, maxBatch: 64);
        var e = Event();

        Assert.True(await writer.InsertAsync(e, TestContext.Current.CancellationToken));

        Assert.Equal([[e.EventId]], insert.Batches);
    }

    [Fact]
    public async Task Events_arriving_while_every_writer_is_busy_go_in_together_within_the_bounds()
    {
        var insert = new RecordingInsert { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: 2, maxBatch: 5);
        var events = Enumerable.Range(0, 14).Select(_ => Event()).ToList();

        var answers = new List<Task<bool>>();
        foreach (var first in events.Take(2))
        {
            answers.Add(writer.InsertAsync(first, TestContext.Current.CancellationToken));
            await insert.Started.WaitAsync(TestContext.Current.CancellationToken); // each alone, in a writer of its own
        }
        answers.AddRange(events.Skip(2).Select(e => writer.InsertAsync(e, TestContext.Current.CancellationToken)));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.All(answers, a => Assert.False(a.IsCompleted)); // nobody is answered before their insert is done
        insert.Hold.SetResult();

        Assert.All(await Task.WhenAll(answers), Assert.True);
        Assert.Equal(2, insert.MostAtOnce);
        Assert.All(insert.Batches, b => Assert.InRange(b.Count, 1, 5));
        Assert.Equal(events.Select(e => e.EventId).Order(), insert.Batches.SelectMany(b => b).Order());
        Assert.Contains([events[0].EventId], insert.Batches);
        Assert.Contains([events[1].EventId], insert.Batches);
        // The twelve queued meanwhile: 5 and 5, then the last 2 together or split between the two writers.
        var queued = insert.Batches.Where(b => b.Count > 1 || !events.Take(2).Any(e => e.EventId == b[0])).Select(b => b.Count).Order().ToList();
        Assert.True(queued.SequenceEqual([2, 5, 5]) || queued.SequenceEqual([1, 1, 5, 5]), $"batches of the queued events: {string.Join(", ", queued)}");
    }

    [Fact]
    public async Task Copies_of_one_event_in_a_batch_are_inserted_once_and_only_the_first_is_new()
    {
        var insert = new RecordingInsert { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: 1, maxBatch: 64);
        var blocker = writer.InsertAsync(Event(), TestContext.Current.CancellationToken);
        await insert.Started.WaitAsync(TestContext.Current.CancellationToken);
        var e = Event();

        var copies = Enumerable.Range(0, 5).Select(_ => writer.InsertAsync(e, TestContext.Current.CancellationToken)).ToList();
        insert.Hold.SetResult();

        Assert.True(await blocker);
        Assert.Equal(new[] { true, false, false, false, false }, await Task.WhenAll(copies));
        Assert.Equal([e.EventId], insert.Batches[1]);
    }

    [Fact]
    public async Task A_failed_insert_fails_only_its_own_batch_and_the_next_events_still_go_in()
    {
        var insert = new RecordingInsert { Fail = _ => new NpgsqlException("connection refused") };
        var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: 1, maxBatch: 64);

        await Assert.ThrowsAsync<NpgsqlException>(() => writer.InsertAsync(Event(), TestContext.Current.CancellationToken));
        insert.Fail = _ => null;

        Assert.True(await writer.InsertAsync(Event(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_row_Postgres_refuses_is_retried_alone_so_its_neighbours_are_stored()
    {
        var insert = new RecordingInsert { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var poison = Event("evt_poison");
        insert.Fail = events => events.Any(e => e.EventId == poison.EventId)
            ? new PostgresException("index row size exceeds maximum", "ERROR", "ERROR", "54000")
            : null;
        var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: 1, maxBatch: 64);
        var blocker = writer.InsertAsync(Event(), TestContext.Current.CancellationToken);
        await insert.Started.WaitAsync(TestContext.Current.CancellationToken);
        var good = new[] { Event(), Event() };

        var answers = new[] { writer.InsertAsync(good[0], TestContext.Current.CancellationToken), writer.InsertAsync(poison, TestContext.Current.CancellationToken), writer.InsertAsync(good[1], TestContext.Current.CancellationToken) };
        insert.Hold.SetResult();

        Assert.True(await blocker);
        Assert.True(await answers[0]);
        Assert.True(await answers[2]);
        // Refused alone, it is the row's own fault: the intake answers 400, not 503.
        Assert.Equal("54000", (await Assert.ThrowsAsync<InboxRowRejectedException>(() => answers[1])).SqlState);
        Assert.Equal(good.Select(e => e.EventId).Order(), insert.Stored.Where(id => good.Any(g => g.EventId == id)).Order());
    }

    [Fact]
    public async Task A_request_that_stops_waiting_leaves_the_others_answered()
    {
        var insert = new RecordingInsert { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: 1, maxBatch: 64);
        using var abandoned = new CancellationTokenSource();
        var gaveUp = Event();

        var waiting = writer.InsertAsync(gaveUp, abandoned.Token);
        var other = writer.InsertAsync(Event(), TestContext.Current.CancellationToken);
        await abandoned.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        insert.Hold.SetResult();

        Assert.True(await other);
        Assert.Contains(gaveUp.EventId, insert.Stored); // handed over, so inserted: Stripe's redelivery is a duplicate
    }

    [Fact]
    public async Task Under_any_interleaving_every_event_is_inserted_once_and_answered_new_exactly_once()
    {
        var random = new Random(6);
        for (var round = 0; round < 20; round++)
        {
            var insert = new RecordingInsert();
            var writer = new WebhookInboxWriter(insert.InsertAsync, maxConcurrentInserts: random.Next(1, 5), maxBatch: random.Next(1, 10));
            var ids = Enumerable.Range(0, random.Next(1, 40)).Select(_ => Event().EventId).ToList();
            var deliveries = Enumerable.Range(0, ids.Count * 3).Select(_ => ids[random.Next(ids.Count)]).ToList();

            var answers = await Task.WhenAll(deliveries.Select(id => Task.Run(() => writer.InsertAsync(Event(id), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)));

            Assert.Equal(deliveries.Distinct().Order(), insert.Stored.Order());
            Assert.Equal(deliveries.Distinct().Count(), answers.Count(a => a));
        }
    }
}
