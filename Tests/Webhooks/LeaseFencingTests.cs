using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Billing.Plans;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// The fencing token of a claim (issue 13, defect 4): a run whose lease expired and whose event was claimed again,
/// even by the same worker, can neither renew, complete, fail, nor write its effects.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LeaseFencingTests(PostgresServerFixture postgres)
{
    private static IncomingEvent Event()
    {
        var id = SignedEvents.NewId();
        return new IncomingEvent(id, "price.updated", "2026-10-28.endive", false, DateTimeOffset.UtcNow, $"price_{id}", "price",
            System.Text.Encoding.UTF8.GetString(SignedEvents.Body(id)), null, null);
    }

    /// <summary>One worker's claim, its lease run out, then the same worker's second claim of the same event.</summary>
    private static async Task<(ClaimedEvent Stale, ClaimedEvent Current)> ClaimTwiceAsync(InboxStore inbox, CancellationToken ct)
    {
        await inbox.InsertAsync(Event(), ct);
        var stale = Assert.Single(await inbox.ClaimAsync("worker-1", 5, TimeSpan.FromMilliseconds(200), ct));
        await Task.Delay(400, ct);
        var current = Assert.Single(await inbox.ClaimAsync("worker-1", 5, TimeSpan.FromMinutes(1), ct));
        Assert.Equal(stale.EventId, current.EventId);
        Assert.NotEqual(stale.LeaseToken, current.LeaseToken);
        return (stale, current);
    }

    [Fact]
    public async Task A_stale_run_of_the_same_worker_cannot_renew_complete_or_fail_its_event()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("fencing"));
        var inbox = new InboxStore(db);
        var (stale, current) = await ClaimTwiceAsync(inbox, ct);

        Assert.False(await inbox.RenewAsync(stale, TimeSpan.FromMinutes(1), ct));
        Assert.False(await inbox.CompleteAsync(stale, InboxStatus.Done, ct));
        Assert.Null(await inbox.FailAsync(stale, "late", 5, TimeSpan.Zero, permanent: true, ct));
        Assert.True(await inbox.RenewAsync(current, TimeSpan.FromMinutes(1), ct));
        Assert.True(await inbox.CompleteAsync(current, InboxStatus.Done, ct));
    }

    [Fact]
    public async Task A_stale_run_cannot_write_its_effects_and_the_current_one_can()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("fencing_effects"));
        await using (var plan = db.CreateCommand("""
            INSERT INTO billing.plans (tier, name, rank, currency, active, monthly_lookup_key, monthly_price_id, monthly_available)
            VALUES ('basic', 'Basic', 1, 'eur', true, 'yapit_basic_monthly_v2', 'price_basic', true)
            """))
        {
            await plan.ExecuteNonQueryAsync(ct);
        }
        var inbox = new InboxStore(db);
        var plans = new PlanAvailabilityStore(db);
        var (stale, current) = await ClaimTwiceAsync(inbox, ct);

        async Task<(bool Changed, PlanInterval? Interval, string? Reason)> EvaluateAs(ClaimedEvent claimed)
        {
            ClaimFence.Enter(claimed);
            return await plans.EvaluateAsync("basic", BillingIntervals.Monthly, _ => Task.FromResult<string?>("price is inactive in Stripe"), ct);
        }

        await Assert.ThrowsAsync<ClaimLostException>(() => EvaluateAs(stale));
        Assert.True((await plans.FindAsync(["price_basic"], [], [], ct)).Single().Available);

        Assert.True((await EvaluateAs(current)).Changed);
        Assert.False((await plans.FindAsync(["price_basic"], [], [], ct)).Single().Available);
        Assert.Null(ClaimFence.Current); // set only within the run that entered it
    }
}
