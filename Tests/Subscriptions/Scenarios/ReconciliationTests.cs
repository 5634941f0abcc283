using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>Reconciliation corrects what Stripe changed while its webhooks were lost, page by page, and reads an ended subscription once.</summary>
[Trait("Category", "Integration")]
public sealed class ReconciliationTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 7, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Changes_made_directly_in_Stripe_while_webhooks_were_lost_are_corrected_by_the_next_pass()
    {
        // Two subscriptions per page: the pass walks several pages.
        await using var stack = await BillingStackHarness.StartAsync(postgres, new Dictionary<string, string?> { ["Reconciliation:PageSize"] = "2" });
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        var others = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var other = BillingStackHarness.NewUserId();
            others.Add(other);
            await stack.SubscribeAsync(other, Start, "basic", "monthly", ct: Ct);
        }
        var clean = await stack.ReconcileAsync(Ct);

        // Webhooks stop arriving; someone upgrades and schedules the cancellation in Stripe's dashboard.
        stack.Pipeline.Stripe.ForwardTo = null;
        var item = subscription.Items.Data.Single().Id;
        await stack.Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item, Price = await stack.PriceIdAsync("max", "monthly", Ct) }],
            ProrationBehavior = "always_invoice",
            CancelAtPeriodEnd = true,
        }, cancellationToken: Ct);
        var stale = await stack.SubscriptionAsync(user, Ct);
        var corrected = await stack.ReconcileAsync(Ct);
        var fixedUp = await stack.SubscriptionAsync(user, Ct);
        var quiet = await stack.ReconcileAsync(Ct);

        // Then a portal-style downgrade, still without webhooks: reconciliation gives it grace.
        await stack.Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item, Price = await stack.PriceIdAsync("basic", "monthly", Ct) }],
            ProrationBehavior = "none",
        }, cancellationToken: Ct);
        await stack.ReconcileAsync(Ct);
        var graced = await stack.SubscriptionAsync(user, Ct);

        // And one of the others is canceled at once: Stripe no longer lists it; it is read once and stored as ended.
        var otherSubscription = (await stack.Subscriptions.GetAsync(others[0], Ct))!.Stripe.SubscriptionId;
        await stack.Stripe.V1.Subscriptions.CancelAsync(otherSubscription, cancellationToken: Ct);
        var ended = await stack.ReconcileAsync(Ct);
        var endedUser = await stack.SubscriptionAsync(others[0], Ct);
        var after = await stack.ReconcileAsync(Ct);
        var history = await stack.HistoryAsync(user, Ct);

        Assert.Equal(new Yapit.BillingWorker.Reconciliation.ReconciliationReport(4, 0, 0, 0, 0), clean);
        Assert.Equal(("plus", false), (stale.Text("tier"), stale.GetProperty("is_canceling").GetBoolean()));
        Assert.Equal(1, corrected.Corrected);
        Assert.Equal(("max", true), (fixedUp.Text("tier"), fixedUp.GetProperty("is_canceling").GetBoolean()));
        Assert.Equal(0, quiet.Corrected);
        Assert.Equal(("max", "basic"), (graced.Text("tier"), graced.Text("subscribed_tier")));
        Assert.Equal((3, 1, 1), (ended.Listed, ended.Corrected, ended.EndedChecked));
        Assert.Equal(("free", "canceled"), (endedUser.Text("tier"), endedUser.Text("status")));
        Assert.Equal((3, 0, 0), (after.Listed, after.Corrected, after.EndedChecked));
        Assert.Contains(history, h => h.Reason == "reconciliation" && h.Change.Contains("tier", StringComparison.Ordinal));
        Assert.Contains(history, h => h.Reason == "reconciliation" && h.Change == "plan_decision");
    }
}
