using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Yapit.BillingWorker.Scheduling;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>Scheduled passes (backfill, reconciliation) with several workers: one at a time runs a pass, the others skip the turn.</summary>
[Trait("Category", "Integration")]
public sealed class ScheduledPassLeaderTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Schedule : IPassSchedule
    {
        public bool Enabled => true;
        public TimeSpan InitialDelay => TimeSpan.Zero;
        public TimeSpan Interval => TimeSpan.FromMilliseconds(20);
    }

    /// <summary>A pass that counts its runs, and holds each open until <see cref="Release"/>.</summary>
    private sealed class CountingPass(NpgsqlDataSource database) : ScheduledStripePass(database, TimeProvider.System, NullLogger.Instance)
    {
        public int Runs;
        public int Running;
        public int MostAtOnce;
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override IPassSchedule Schedule { get; } = new Schedule();
        protected override string Name => "Counting pass";
        protected override long LeaderLockKey => 0x7465737470617373;

        protected override async Task RunPassAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            var now = Interlocked.Increment(ref Running);
            InterlockedMax(ref MostAtOnce, now);
            try
            {
                await Release.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref Running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            for (var seen = Volatile.Read(ref target); value > seen && Interlocked.CompareExchange(ref target, value, seen) != seen; seen = Volatile.Read(ref target))
            {
            }
        }
    }

    [Fact]
    public async Task Two_workers_never_run_the_same_pass_at_once_and_the_second_runs_once_the_first_is_done()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("leader"));
        var first = new CountingPass(database);
        var second = new CountingPass(database);
        await first.StartAsync(Ct);
        await WaitUntilAsync(() => Volatile.Read(ref first.Running) == 1);
        await second.StartAsync(Ct);
        await Task.Delay(300, Ct); // about fifteen of the second worker's turns, all skipped while the first runs

        Assert.Equal(0, Volatile.Read(ref second.Runs));
        first.Release.SetResult();
        await WaitUntilAsync(() => Volatile.Read(ref second.Runs) > 0);
        second.Release.SetResult();
        await first.StopAsync(Ct);
        await second.StopAsync(Ct);
        Assert.Equal((1, 1), (first.MostAtOnce, second.MostAtOnce));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, Ct);
        }
        Assert.True(condition(), "the condition was not reached within 5 s");
    }
}
