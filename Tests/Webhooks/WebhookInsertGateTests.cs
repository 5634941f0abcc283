using Microsoft.Extensions.Options;
using Yapit.Gateway.Webhooks;

namespace Yapit.Tests.Webhooks;

/// <summary>The intake's bound on concurrent inserts: the rest wait their turn, none is refused.</summary>
public sealed class WebhookInsertGateTests
{
    [Fact]
    public async Task No_more_inserts_than_the_limit_run_at_once_and_every_waiting_one_runs_after()
    {
        using var gate = new WebhookInsertGate(Options.Create(new WebhookIntakeOptions { MaxConcurrentInserts = 2 }));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var mostAtOnce = 0;
        async Task<bool> Insert()
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            await release.Task;
            Interlocked.Decrement(ref running);
            return true;
        }

        var inserts = Enumerable.Range(0, 5).Select(_ => gate.RunAsync(Insert, TestContext.Current.CancellationToken)).ToList();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(2, Volatile.Read(ref running));
        release.SetResult();

        Assert.All(await Task.WhenAll(inserts), Assert.True);
        Assert.Equal(2, mostAtOnce);
    }

    [Fact]
    public async Task A_request_that_gives_up_while_waiting_leaves_the_queue_and_the_slot_count_intact()
    {
        using var gate = new WebhookInsertGate(Options.Create(new WebhookIntakeOptions { MaxConcurrentInserts = 1 }));
        var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = gate.RunAsync(() => release.Task, TestContext.Current.CancellationToken);
        using var abandoned = new CancellationTokenSource();

        var waiting = gate.RunAsync(() => Task.FromResult(true), abandoned.Token);
        await abandoned.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.SetResult(true);
        Assert.True(await holding);
        Assert.True(await gate.RunAsync(() => Task.FromResult(true), TestContext.Current.CancellationToken));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
