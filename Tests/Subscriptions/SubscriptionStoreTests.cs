using Npgsql;
using Yapit.Billing.Subscriptions;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions;

/// <summary>The subscription state's stale guard, replacement, history and user-level facts, on real Postgres.</summary>
[Trait("Category", "Integration")]
public sealed class SubscriptionStoreTests(PostgresServerFixture postgres)
{
    private static readonly PlanRef Basic = new("basic", 1);
    private static readonly PlanRef Plus = new("plus", 2);
    private static readonly PlanRef Max = new("max", 3);
    private static readonly DateTimeOffset T0 = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(SubscriptionStore Store, NpgsqlDataSource Db)> NewStoreAsync()
    {
        var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("subscriptions"));
        await using (var plans = db.CreateCommand("INSERT INTO billing.plans (tier, name, rank, currency, active) VALUES ('basic', 'Basic', 1, 'eur', true), ('plus', 'Plus', 2, 'eur', true), ('max', 'Max', 3, 'eur', true)"))
        {
            await plans.ExecuteNonQueryAsync();
        }
        return (new SubscriptionStore(db), db);
    }

    private static StripeSubscriptionState State(string id, string status, PlanRef tier, DateTimeOffset readAt, DateTimeOffset? created = null) => new()
    {
        SubscriptionId = id,
        CustomerId = "cus_1",
        PriceId = "price_" + tier.Tier,
        Tier = tier,
        Interval = BillingInterval.Monthly,
        Status = status,
        CurrentPeriodStart = T0,
        CurrentPeriodEnd = T0.AddMonths(1),
        StripeCreated = created ?? T0,
        ReadAt = readAt,
    };

    [Fact]
    public async Task An_older_read_never_overwrites_a_newer_one()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.LinkCustomerAsync("u1", "cus_1", ChangeReason.Request("req_1", "checkout"), Ct);

        Assert.Equal(ApplyOutcome.Applied, await store.ApplyAsync("u1", State("sub_1", "active", Plus, T0.AddSeconds(10)), ChangeReason.Event("evt_2", "customer.subscription.updated"), Ct));
        Assert.Equal(ApplyOutcome.Stale, await store.ApplyAsync("u1", State("sub_1", "incomplete", Plus, T0.AddSeconds(5)), ChangeReason.Event("evt_1", "customer.subscription.created"), Ct));
        Assert.Equal(ApplyOutcome.Unchanged, await store.ApplyAsync("u1", State("sub_1", "active", Plus, T0.AddSeconds(20)), ChangeReason.Reconciliation, Ct));

        var stored = await store.GetAsync("u1", Ct);
        Assert.Equal(("active", T0.AddSeconds(20)), (stored!.Stripe.Status, stored.Stripe.ReadAt));
    }

    [Fact]
    public async Task A_newer_subscription_replaces_an_ended_one_and_a_late_event_of_the_old_one_is_ignored()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.ApplyAsync("u1", State("sub_old", "active", Max, T0), ChangeReason.Reconciliation, Ct);
        await store.SetPlanDecisionsAsync("u1", "sub_old", PlanDecisionParts.Both, Max, T0.AddDays(10), null, null, ChangeReason.Request("req_2", "downgrade"), Ct);
        Assert.Equal((Max, T0.AddDays(10)), ((await store.GetAsync("u1", Ct))!.GraceTier, (await store.GetAsync("u1", Ct))!.GraceUntil));
        await store.ApplyAsync("u1", State("sub_old", "canceled", Max, T0.AddDays(1)), ChangeReason.Reconciliation, Ct);

        var replaced = await store.ApplyAsync("u1", State("sub_new", "trialing", Basic, T0.AddDays(2), created: T0.AddDays(2)), ChangeReason.Reconciliation, Ct);
        var late = await store.ApplyAsync("u1", State("sub_old", "canceled", Max, T0.AddDays(3)), ChangeReason.Reconciliation, Ct);

        Assert.Equal((ApplyOutcome.Applied, ApplyOutcome.Stale), (replaced, late));
        var stored = await store.GetAsync("u1", Ct);
        Assert.Equal(("sub_new", "trialing"), (stored!.Stripe.SubscriptionId, stored.Stripe.Status));
        Assert.Null(stored.GraceTier); // the grace belonged to the old subscription
    }

    [Fact]
    public async Task A_write_of_one_decision_leaves_the_other_as_a_concurrent_sync_set_it()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.ApplyAsync("u1", State("sub_1", "active", Plus, T0), ChangeReason.Reconciliation, Ct);
        await store.SetPlanDecisionsAsync("u1", "sub_1", PlanDecisionParts.Pending, null, null, Basic, BillingInterval.Monthly, ChangeReason.Request("req_1", "downgrade"), Ct);
        // Two syncs of the applied pending plan, both having read "pending basic, no grace": the first saw the
        // downgrade and keeps plus until the period ends; the second only clears the pending plan.
        await store.SetPlanDecisionsAsync("u1", "sub_1", PlanDecisionParts.Both, Plus, T0.AddMonths(1), null, null, ChangeReason.Reconciliation, Ct);
        var second = await store.SetPlanDecisionsAsync("u1", "sub_1", PlanDecisionParts.Pending, null, null, null, null, ChangeReason.Event("evt_1", "customer.subscription.updated"), Ct);

        var stored = await store.GetAsync("u1", Ct);
        Assert.False(second); // nothing left to change: no history row either
        Assert.Equal((Plus, T0.AddMonths(1), (PlanRef?)null), (stored!.GraceTier, stored.GraceUntil, stored.PendingTier));
    }

    [Fact]
    public async Task The_highest_tier_held_is_kept_for_trial_eligibility_and_never_lowered()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.LinkCustomerAsync("u1", "cus_1", ChangeReason.Reconciliation, Ct);
        Assert.Null(await store.HighestRankSubscribedAsync("u1", Ct));

        await store.ApplyAsync("u1", State("sub_1", "incomplete", Max, T0), ChangeReason.Reconciliation, Ct);
        Assert.Null(await store.HighestRankSubscribedAsync("u1", Ct)); // an unpaid attempt is not a subscription
        await store.ApplyAsync("u1", State("sub_1", "trialing", Plus, T0.AddSeconds(1)), ChangeReason.Reconciliation, Ct);
        await store.ApplyAsync("u1", State("sub_1", "active", Basic, T0.AddSeconds(2)), ChangeReason.Reconciliation, Ct);

        Assert.Equal(Plus.Rank, await store.HighestRankSubscribedAsync("u1", Ct));
        Assert.False(EntitlementRules.IsTrialAllowed(Plus, 3, await store.HighestRankSubscribedAsync("u1", Ct)));
        Assert.True(EntitlementRules.IsTrialAllowed(Max, 3, await store.HighestRankSubscribedAsync("u1", Ct)));
    }

    [Fact]
    public async Task Ever_paid_needs_an_invoice_that_took_money()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.LinkCustomerAsync("u1", "cus_1", ChangeReason.Reconciliation, Ct);

        Assert.False(await store.RecordPaymentAsync("u1", "in_trial", 0, ChangeReason.Event("evt_1", "invoice.paid"), Ct));
        Assert.False(await store.EverPaidAsync("u1", Ct));
        Assert.True(await store.RecordPaymentAsync("u1", "in_1", 1000, ChangeReason.Event("evt_2", "invoice.paid"), Ct));
        Assert.False(await store.RecordPaymentAsync("u1", "in_2", 1000, ChangeReason.Event("evt_3", "invoice.paid"), Ct));
        Assert.True(await store.EverPaidAsync("u1", Ct));
    }

    [Fact]
    public async Task A_customer_deleted_in_Stripe_is_replaced_on_the_next_link()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.LinkCustomerAsync("u1", "cus_1", ChangeReason.Reconciliation, Ct);
        await store.MarkCustomerDeletedAsync("cus_1", ChangeReason.Event("evt_9", "customer.deleted"), Ct);
        Assert.Null(await store.FindCustomerAsync("u1", Ct));

        await store.LinkCustomerAsync("u1", "cus_2", ChangeReason.Request("req_5", "checkout"), Ct);
        Assert.Equal("cus_2", await store.FindCustomerAsync("u1", Ct));
        Assert.Equal("u1", await store.FindUserByCustomerAsync("cus_2", Ct));
        Assert.Null(await store.FindUserByCustomerAsync("cus_1", Ct));
    }

    [Fact]
    public async Task Every_change_is_a_history_row_with_its_cause()
    {
        var (store, db) = await NewStoreAsync();
        await using var _ = db;
        await store.LinkCustomerAsync("u1", "cus_1", ChangeReason.Request("req_1", "checkout"), Ct);
        await store.LinkCustomerAsync("u1", "cus_1", ChangeReason.Request("req_2", "checkout"), Ct); // no change, no row
        await store.ApplyAsync("u1", State("sub_1", "trialing", Plus, T0), ChangeReason.Event("evt_1", "customer.subscription.created"), Ct);
        await store.ApplyAsync("u1", State("sub_1", "trialing", Plus, T0.AddSeconds(1)) with { CancelAt = T0.AddDays(3) }, ChangeReason.Event("evt_2", "customer.subscription.updated"), Ct);
        await store.ApplyAsync("u1", State("sub_1", "trialing", Plus, T0.AddSeconds(2)) with { CancelAt = T0.AddDays(3) }, ChangeReason.Event("evt_3", "customer.subscription.updated"), Ct);

        var history = await store.HistoryAsync("u1", Ct);
        Assert.Equal(["customer", "subscription", "canceling"], history.Select(h => h.Change));
        Assert.Equal([null, "evt_1", "evt_2"], history.Select(h => h.EventId));
    }
}
