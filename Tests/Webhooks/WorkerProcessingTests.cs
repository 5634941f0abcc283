using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Handlers;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>The worker's processing loop with test handlers: retries, dead letters, ignored types, wake-ups, leases.</summary>
public sealed class WorkerProcessingTests(PostgresServerFixture postgres)
{
    /// <summary>Fails the first three attempts of every event, then succeeds.</summary>
    private sealed class FlakyHandler : IStripeEventHandler
    {
        public static readonly ConcurrentDictionary<string, int> Attempts = new();

        public Task HandleAsync(Stripe.Event stripeEvent, CancellationToken cancellationToken) =>
            Attempts.AddOrUpdate(stripeEvent.Id, 1, (_, n) => n + 1) <= 3
                ? throw new InvalidOperationException($"flaky failure of {stripeEvent.Id}")
                : Task.CompletedTask;
    }

    /// <summary>Fails while <see cref="Broken"/> is set (a bug, until it is fixed and the event replayed).</summary>
    private sealed class BrokenHandler : IStripeEventHandler
    {
        public static volatile bool Broken = true;
        public static readonly ConcurrentDictionary<string, int> Handled = new();

        public Task HandleAsync(Stripe.Event stripeEvent, CancellationToken cancellationToken)
        {
            if (Broken)
            {
                throw new InvalidOperationException("the handler has a bug");
            }
            Handled.AddOrUpdate(stripeEvent.Id, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    private sealed class CountingHandler : IStripeEventHandler
    {
        public static readonly ConcurrentDictionary<string, int> Handled = new();

        public Task HandleAsync(Stripe.Event stripeEvent, CancellationToken cancellationToken)
        {
            Handled.AddOrUpdate(stripeEvent.Id, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    private async Task<(ServiceFactory<Yapit.BillingWorker.TestingEntryPoint> Worker, InboxStore Inbox, NpgsqlDataSource Db)> StartWorkerAsync(string pollInterval = "00:00:00.200")
    {
        var connectionString = await postgres.CreateDatabaseAsync("worker");
        var worker = new ServiceFactory<Yapit.BillingWorker.TestingEntryPoint>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = connectionString,
            ["Stripe:SecretKey"] = "sk_test_worker",
            ["Backfill:Enabled"] = "false",
            ["Inbox:PollInterval"] = pollInterval,
            ["Inbox:BaseRetryDelay"] = "00:00:00.050",
            ["Inbox:MaxRetryDelay"] = "00:00:00.200",
            ["Inbox:MaxAttempts"] = "5",
        }, services =>
        {
            services.AddSingleton(new EventHandlerRegistry()
                .Map<FlakyHandler>("test.flaky")
                .Map<BrokenHandler>("test.broken")
                .Map<CountingHandler>("test.count", "test.family.*"));
            services.AddScoped<FlakyHandler>();
            services.AddScoped<BrokenHandler>();
            services.AddScoped<CountingHandler>();
        }).Start();
        var db = NpgsqlDataSource.Create(connectionString);
        return (worker, new InboxStore(db), db);
    }

    private static IncomingEvent Event(string type, string? objectId = null)
    {
        var id = SignedEvents.NewId();
        var body = SignedEvents.Body(id, type, objectId: objectId ?? $"price_{id}");
        return new IncomingEvent(id, type, "2026-10-28.endive", false, DateTimeOffset.UtcNow, objectId ?? $"price_{id}", "price",
            System.Text.Encoding.UTF8.GetString(body), null, null);
    }

    private static async Task<InboxEntry> WaitForStatusAsync(InboxStore inbox, string eventId, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        InboxEntry? entry = null;
        while (DateTime.UtcNow < deadline)
        {
            entry = (await inbox.ListAsync(null, null, 500, CancellationToken.None)).FirstOrDefault(e => e.Id == eventId);
            if (entry?.Status == status)
            {
                return entry;
            }
            await Task.Delay(50, CancellationToken.None);
        }
        throw new TimeoutException($"{eventId} is {entry?.Status ?? "missing"} after {timeout.TotalSeconds} s, not {status} (last error: {entry?.LastError})");
    }

    [Fact]
    public async Task A_handler_failing_three_times_then_succeeding_ends_done_after_four_attempts()
    {
        var (worker, inbox, db) = await StartWorkerAsync();
        await using var _ = worker;
        await using var __ = db;
        var e = Event("test.flaky");

        await inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        var done = await WaitForStatusAsync(inbox, e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(15));

        Assert.Equal(4, done.Attempts);
        Assert.Equal(4, FlakyHandler.Attempts[e.EventId]);
        Assert.Null(done.LastError);
    }

    [Fact]
    public async Task An_event_that_keeps_failing_becomes_a_dead_letter_degrades_health_and_can_be_replayed()
    {
        var (worker, inbox, db) = await StartWorkerAsync();
        await using var _ = worker;
        await using var __ = db;
        var ct = TestContext.Current.CancellationToken;
        var e = Event("test.broken");
        using var client = worker.CreateRealClient();

        await inbox.InsertAsync(e, ct);
        var dead = await WaitForStatusAsync(inbox, e.EventId, InboxStatus.Dead, TimeSpan.FromSeconds(15));
        Assert.Equal(5, dead.Attempts);
        Assert.Contains("the handler has a bug", dead.LastError);
        Assert.Equal("Degraded", await client.GetStringAsync("/health", ct));

        BrokenHandler.Broken = false; // the fix is deployed
        Assert.True((await inbox.ReplayAsync(e.EventId, ct)).Replayed);
        await WaitForStatusAsync(inbox, e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(15));

        Assert.Equal(1, BrokenHandler.Handled[e.EventId]);
        Assert.Equal("Healthy", await client.GetStringAsync("/health", ct));
    }

    [Fact]
    public async Task Types_without_a_handler_are_ignored_and_families_match_by_prefix()
    {
        var (worker, inbox, db) = await StartWorkerAsync();
        await using var _ = worker;
        await using var __ = db;
        var unknown = Event("customer.tax_id.created");
        var family = Event("test.family.member");

        await inbox.InsertAsync(unknown, TestContext.Current.CancellationToken);
        await inbox.InsertAsync(family, TestContext.Current.CancellationToken);

        await WaitForStatusAsync(inbox, unknown.EventId, InboxStatus.Ignored, TimeSpan.FromSeconds(10));
        await WaitForStatusAsync(inbox, family.EventId, InboxStatus.Done, TimeSpan.FromSeconds(10));
        Assert.Equal(1, CountingHandler.Handled[family.EventId]);
    }

    [Fact]
    public async Task A_notification_wakes_the_worker_long_before_its_next_poll()
    {
        var (worker, inbox, db) = await StartWorkerAsync(pollInterval: "00:01:00");
        await using var _ = worker;
        await using var __ = db;
        await Task.Delay(500, TestContext.Current.CancellationToken); // the listener is connected
        var e = Event("test.count");

        var started = DateTime.UtcNow;
        await inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        await WaitForStatusAsync(inbox, e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(30));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "processed by notification, not by the one-minute poll");
    }

    [Fact]
    public async Task Events_a_crashed_worker_held_are_processed_by_another_after_the_lease()
    {
        var (worker, inbox, db) = await StartWorkerAsync();
        await using var _ = worker;
        await using var __ = db;
        var ct = TestContext.Current.CancellationToken;
        var e = Event("test.count");
        // Another worker claimed the event (one attempt, a one-second lease) and died without finishing it.
        await using (var stalled = db.CreateCommand("""
            INSERT INTO billing.webhook_inbox (event_id, event_type, livemode, stripe_created, object_id, payload, status, locked_by, locked_until, attempts)
            VALUES ($1, $2, false, now(), $3, $4::json, 'processing', 'crashed-worker', now() + interval '1 second', 1)
            """))
        {
            stalled.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.EventId });
            stalled.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.EventType });
            stalled.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.ObjectId! });
            stalled.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Payload });
            await stalled.ExecuteNonQueryAsync(ct);
        }
        Assert.False(CountingHandler.Handled.ContainsKey(e.EventId));

        var done = await WaitForStatusAsync(inbox, e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(15));

        Assert.Equal(2, done.Attempts);
        Assert.Equal(1, CountingHandler.Handled[e.EventId]);
    }
}
