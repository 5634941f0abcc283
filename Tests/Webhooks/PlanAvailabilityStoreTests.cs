using Npgsql;
using Yapit.Billing.Plans;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

[Trait("Category", "Integration")]
public sealed class PlanAvailabilityStoreTests(PostgresServerFixture postgres)
{
    private static async Task<NpgsqlDataSource> PlansAsync(PostgresServerFixture postgres)
    {
        var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("availability"));
        await using var insert = db.CreateCommand("""
            INSERT INTO billing.plans (tier, name, rank, stripe_product_id, currency, active, monthly_lookup_key, monthly_price_id, monthly_amount, monthly_available)
            VALUES ('plus', 'Plus', 2, 'yapit_plus', 'eur', true, 'plus_monthly', 'price_old', 2000, true)
            """);
        await insert.ExecuteNonQueryAsync(CancellationToken.None);
        return db;
    }

    [Fact]
    public async Task A_verdict_is_about_the_price_the_table_holds_when_it_is_made()
    {
        await using var db = await PlansAsync(postgres);
        var store = new PlanAvailabilityStore(db);
        var ct = TestContext.Current.CancellationToken;
        var found = Assert.Single(await store.FindAsync(["price_old"], [], [], ct));
        // stripe-setup moves the plan to a new price between finding and deciding.
        await using (var move = db.CreateCommand("UPDATE billing.plans SET monthly_price_id = 'price_new' WHERE tier = 'plus'"))
        {
            await move.ExecuteNonQueryAsync(ct);
        }

        string? decidedFor = null;
        var (changed, _, _) = await store.EvaluateAsync(found.Tier, found.Interval, current =>
        {
            decidedFor = current.PriceId;
            return Task.FromResult<string?>(current.PriceId == "price_old" ? "price_old is inactive" : null);
        }, ct);

        Assert.Equal("price_new", decidedFor);
        Assert.False(changed);
    }

    [Fact]
    public async Task Evaluations_of_one_plan_run_one_after_the_other()
    {
        await using var db = await PlansAsync(postgres);
        var store = new PlanAvailabilityStore(db);
        var ct = TestContext.Current.CancellationToken;
        var firstInside = new TaskCompletionSource();
        var releaseFirst = new TaskCompletionSource();
        var order = new List<string>();

        var first = store.EvaluateAsync("plus", "monthly", async _ =>
        {
            lock (order) { order.Add("first starts"); }
            firstInside.SetResult();
            await releaseFirst.Task;
            lock (order) { order.Add("first ends"); }
            return "stale: the price looked inactive";
        }, ct);
        await firstInside.Task;
        var second = store.EvaluateAsync("plus", "monthly", _ =>
        {
            lock (order) { order.Add("second starts"); }
            return Task.FromResult<string?>(null);
        }, ct);
        await Task.Delay(300, ct);
        releaseFirst.SetResult();
        await Task.WhenAll(first, second);

        Assert.Equal(["first starts", "first ends", "second starts"], order);
        await using var check = db.CreateCommand("SELECT monthly_available FROM billing.plans WHERE tier = 'plus'");
        Assert.True((bool)(await check.ExecuteScalarAsync(ct))!); // the later look at Stripe has the last word
    }
}
