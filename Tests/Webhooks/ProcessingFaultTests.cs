using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Handlers;
using Yapit.BillingWorker.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// The worker under faults (issue 13): a run slower than the lease (defect 4), and failures no retry can fix
/// (defect 8).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProcessingFaultTests(PostgresServerFixture postgres)
{
    /// <summary>Takes <see cref="Duration"/> (a Stripe call that stalls), counting runs and overlapping runs.</summary>
    private sealed class SlowHandler : IStripeEventHandler
    {
        public static readonly TimeSpan Duration = TimeSpan.FromSeconds(3.5);
        public static readonly ConcurrentDictionary<string, int> Runs = new();
        public static int Running;
        public static int MaxRunning;

        public async Task HandleAsync(Stripe.Event stripeEvent, CancellationToken cancellationToken)
        {
            Runs.AddOrUpdate(stripeEvent.Id, 1, (_, n) => n + 1);
            var now = Interlocked.Increment(ref Running);
            InterlockedMax(ref MaxRunning, now);
            try
            {
                await Task.Delay(Duration, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref Running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    private sealed class PermanentHandler : IStripeEventHandler
    {
        public static readonly ConcurrentDictionary<string, int> Runs = new();

        public Task HandleAsync(Stripe.Event stripeEvent, CancellationToken cancellationToken)
        {
            Runs.AddOrUpdate(stripeEvent.Id, 1, (_, n) => n + 1);
            throw new PermanentEventFailureException("the price in this event has no currency we can read");
        }
    }

    private sealed class CountingHandler : IStripeEventHandler
    {
        public static readonly ConcurrentDictionary<string, int> Runs = new();

        public Task HandleAsync(Stripe.Event stripeEvent, CancellationToken cancellationToken)
        {
            Runs.AddOrUpdate(stripeEvent.Id, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    private static readonly EventHandlerRegistry Handlers = new EventHandlerRegistry()
        .Map<SlowHandler>("test.slow")
        .Map<PermanentHandler>("test.permanent")
        .Map<CountingHandler>("test.count");

    [Fact]
    public async Task A_run_longer_than_the_lease_keeps_its_claim_and_runs_once()
    {
        // Issue 13, defect 4: a one-second lease and a 3.5 s run (a stalled Stripe call). The lease used to expire
        // mid-run; the same worker claimed the row again and both runs completed.
        await using var w = await TestHandlerWorker.StartAsync(postgres, "faults", Handlers, new Dictionary<string, string> { ["Lease"] = "00:00:01" });
        var e = TestHandlerWorker.Event("test.slow");

        await w.Inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        var done = await w.WaitForStatusAsync(e.EventId, InboxStatus.Done, TimeSpan.FromSeconds(20));

        Assert.Equal(1, SlowHandler.Runs[e.EventId]);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, SlowHandler.MaxRunning);
    }

    [Fact]
    public async Task A_payload_that_cannot_be_read_as_an_event_is_a_dead_letter_at_once_with_the_reason()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "faults", Handlers);
        var e = TestHandlerWorker.Event("test.count", payload: """{"id":"evt_unreadable","type":"test.count","created":1,"data":"not an object"}""");

        await w.Inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        var dead = await w.WaitForStatusAsync(e.EventId, InboxStatus.Dead, TimeSpan.FromSeconds(15));

        Assert.Equal(1, dead.Attempts);
        Assert.Contains("cannot be read as a Stripe event", dead.LastError);
        Assert.False(CountingHandler.Runs.ContainsKey(e.EventId));
    }

    [Fact]
    public async Task A_permanent_failure_is_a_dead_letter_at_once_with_the_reason()
    {
        await using var w = await TestHandlerWorker.StartAsync(postgres, "faults", Handlers);
        var e = TestHandlerWorker.Event("test.permanent");

        await w.Inbox.InsertAsync(e, TestContext.Current.CancellationToken);
        var dead = await w.WaitForStatusAsync(e.EventId, InboxStatus.Dead, TimeSpan.FromSeconds(15));

        Assert.Equal(1, dead.Attempts);
        Assert.Equal(1, PermanentHandler.Runs[e.EventId]);
        Assert.Contains("no currency we can read", dead.LastError);
    }
}
