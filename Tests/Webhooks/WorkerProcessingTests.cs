using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Handlers;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>The worker's processing loop with test handlers: retries, dead letters, ignored types, wake-ups, leases.</summary>
[Trait("Category", "Integration")]
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

    private static readonly EventHandlerRegistry Handlers = new EventHandlerRegistry()
        .Map<FlakyHandler>("test.flaky")
        .Map<BrokenHandler>("test.broken")
        .Map<CountingHandler>("test.count", "test.family.*");

    [Fact]
    public async Task A_handler_failing_three_times_then_succeeding_ends_done_after_four_attempts()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "worker", Handlers);
        var e = TestHandlerWorker.Event("test.flaky");

        await w.Inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        var done = await w.WaitForStatusAsync(e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(15));

        Assert.Equal(4, done.Attempts);
        Assert.Equal(4, FlakyHandler.Attempts[e.EventId]);
        Assert.Null(done.LastError);
    }

    [Fact]
    public async Task An_event_that_keeps_failing_becomes_a_dead_letter_degrades_health_and_can_be_replayed()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "worker", Handlers);
        var ct = TestContext.Current.CancellationToken;
        var e = TestHandlerWorker.Event("test.broken");
        using var client = w.Worker.CreateRealClient();

        await w.Inbox.InsertAsync(e, ct);
        var dead = await w.WaitForStatusAsync(e.EventId, InboxStatus.Dead, TimeSpan.FromSeconds(15));
        Assert.Equal(5, dead.Attempts);
        Assert.Contains("the handler has a bug", dead.LastError);
        Assert.Equal(["Degraded", "inbox: Degraded: 1 dead letter(s)"], (await client.GetStringAsync("/health", ct)).Split('\n'));

        BrokenHandler.Broken = false; // the fix is deployed
        Assert.True((await w.Inbox.ReplayAsync(e.EventId, ct)).Replayed);
        await w.WaitForStatusAsync(e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(15));

        Assert.Equal(1, BrokenHandler.Handled[e.EventId]);
        Assert.Equal("Healthy", await client.GetStringAsync("/health", ct));
    }

    [Fact]
    public async Task Types_without_a_handler_are_ignored_and_families_match_by_prefix()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "worker", Handlers);
        var unknown = TestHandlerWorker.Event("customer.tax_id.created");
        var family = TestHandlerWorker.Event("test.family.member");

        await w.Inbox.InsertAsync(unknown, TestContext.Current.CancellationToken);
        await w.Inbox.InsertAsync(family, TestContext.Current.CancellationToken);

        await w.WaitForStatusAsync(unknown.EventId, InboxStatus.Ignored, TimeSpan.FromSeconds(10));
        await w.WaitForStatusAsync(family.EventId, InboxStatus.Done, TimeSpan.FromSeconds(10));
        Assert.Equal(1, CountingHandler.Handled[family.EventId]);
    }

    [Fact]
    public async Task A_notification_wakes_the_worker_long_before_its_next_poll()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "worker", Handlers, new Dictionary<string, string> { ["PollInterval"] = "00:01:00" });
        await Task.Delay(500, TestContext.Current.CancellationToken); // the listener is connected
        var e = TestHandlerWorker.Event("test.count");

        var started = DateTime.UtcNow;
        await w.Inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        await w.WaitForStatusAsync(e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(30));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "processed by notification, not by the one-minute poll");
    }

    [Fact]
    public async Task Events_a_crashed_worker_held_are_processed_by_another_after_the_lease()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "worker", Handlers);
        var ct = TestContext.Current.CancellationToken;
        var e = TestHandlerWorker.Event("test.count");
        // Another worker claimed the event (one attempt, a one-second lease) and died without finishing it.
        await using (var stalled = w.Db.CreateCommand("""
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

        var done = await w.WaitForStatusAsync(e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(15));

        Assert.Equal(2, done.Attempts);
        Assert.Equal(1, CountingHandler.Handled[e.EventId]);
    }
}
