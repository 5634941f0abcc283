using Yapit.Billing.Data;

namespace Yapit.Tests.Migrations;

/// <summary>
/// The many-writes-to-a-commit mechanism on its own (the webhook intake's tests cover it under load): a caller's
/// several writes share one batch, every write gets its own answer, and a writer that fails or forgets one never
/// leaves a caller waiting.
/// </summary>
[Trait("Category", "Unit")]
public sealed class GroupCommitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_submitted_together_go_in_one_batch_and_are_answered_in_order()
    {
        var batches = new List<int[]>();
        var commits = new GroupCommit<int, string>(batch =>
        {
            lock (batches)
            {
                batches.Add(batch.Select(w => w.Item).ToArray());
            }
            foreach (var write in batch)
            {
                if (write.Item == 3)
                {
                    write.Fail(new InvalidOperationException("three"));
                }
                else
                {
                    write.Answer("w" + write.Item);
                }
            }
            return Task.CompletedTask;
        }, maxConcurrentWrites: 2, maxBatch: 64);

        var answers = commits.SubmitMany([1, 2, 3, 4, 5], Ct);

        Assert.Equal(["w1", "w2"], await Task.WhenAll(answers.Take(2)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => answers[2]);
        Assert.Equal(["w4", "w5"], await Task.WhenAll(answers.Skip(3)));
        Assert.Equal([1, 2, 3, 4, 5], Assert.Single(batches));
    }

    [Fact]
    public async Task A_batch_cut_at_the_most_writes_goes_on_in_the_next_one()
    {
        var sizes = new List<int>();
        var commits = new GroupCommit<int, int>(batch =>
        {
            lock (sizes)
            {
                sizes.Add(batch.Count);
            }
            foreach (var write in batch)
            {
                write.Answer(write.Item * 2);
            }
            return Task.CompletedTask;
        }, maxConcurrentWrites: 1, maxBatch: 4);

        var answers = await Task.WhenAll(commits.SubmitMany(Enumerable.Range(0, 10).ToList(), Ct));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 2), answers);
        Assert.Equal([4, 4, 2], sizes);
    }

    [Fact]
    public async Task A_writer_that_throws_or_forgets_a_write_fails_it_instead_of_leaving_it_waiting()
    {
        var throwing = new GroupCommit<int, int>(_ => throw new TimeoutException("database gone"), 1, 8);
        var forgetting = new GroupCommit<int, int>(batch =>
        {
            batch[0].Answer(1);
            return Task.CompletedTask;
        }, 1, 8);

        await Assert.ThrowsAsync<TimeoutException>(() => throwing.SubmitAsync(1, Ct));
        var answers = forgetting.SubmitMany([1, 2], Ct);
        Assert.Equal(1, await answers[0]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => answers[1]);
    }
}
