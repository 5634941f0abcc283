using System.Net;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>Cancel at period end then reactivate; cancel now; what cannot be undone is refused.</summary>
[Trait("Category", "Integration")]
public sealed class CancelTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Cancel_at_period_end_keeps_the_tier_and_reactivation_clears_it_before_the_renewal_bills_as_usual()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(20), Ct);

        var (status, canceled) = await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        await stack.SettleAsync(Ct);
        var canceling = await stack.SubscriptionAsync(user, Ct);
        var inStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var (reactivateStatus, reactivated) = await stack.PostAsync(user, "/v1/billing/subscription/reactivate", null, Ct);
        await stack.SettleAsync(Ct);
        var again = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        await stack.AdvanceAsync(clock, Start.AddMonths(1).AddHours(1), Ct);
        var renewed = await stack.SubscriptionAsync(user, Ct);
        var history = await stack.HistoryAsync(user, Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(canceled.GetProperty("subscription").GetProperty("is_canceling").GetBoolean());
        Assert.Equal(("plus", "active", true, true), (canceling.Text("tier"), canceling.Text("status"), canceling.GetProperty("is_canceling").GetBoolean(), canceling.GetProperty("cancel_at_period_end").GetBoolean()));
        Assert.True(inStripe.CancelAtPeriodEnd);
        Assert.Equal(HttpStatusCode.OK, reactivateStatus);
        Assert.False(reactivated.GetProperty("subscription").GetProperty("is_canceling").GetBoolean());
        Assert.Equal((false, (DateTime?)null), (again.CancelAtPeriodEnd, again.CancelAt));
        Assert.Equal(("plus", "active", false), (renewed.Text("tier"), renewed.Text("status"), renewed.GetProperty("is_canceling").GetBoolean()));
        Assert.Equal(new DateTimeOffset(Start.AddMonths(1)), renewed.GetProperty("current_period_start").GetDateTimeOffset());
        Assert.Contains(history, h => h.Change == "cancel" && h.RequestId == canceled.Text("request_id"));
        Assert.Contains(history, h => h.Change == "reactivate" && h.RequestId == reactivated.Text("request_id"));
    }

    [Fact]
    public async Task Cancel_at_period_end_ends_the_subscription_when_the_period_ends()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "basic", "monthly", ct: Ct);

        await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        await stack.AdvanceAsync(clock, Start.AddMonths(1).AddHours(1), Ct);
        var ended = await stack.SubscriptionAsync(user, Ct);
        var (reactivateStatus, refused) = await stack.PostAsync(user, "/v1/billing/subscription/reactivate", null, Ct);

        Assert.Equal(("free", "canceled"), (ended.Text("tier"), ended.Text("status")));
        Assert.Equal(HttpStatusCode.Conflict, reactivateStatus);
        Assert.Contains("checkout", refused.Text("detail"));
    }

    [Fact]
    public async Task Cancel_now_ends_the_subscription_at_once_and_cannot_be_undone()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(4), Ct);

        var missing = await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { }, Ct);
        var (status, canceled) = await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = false }, Ct);
        await stack.SettleAsync(Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var inStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var reactivate = await stack.PostAsync(user, "/v1/billing/subscription/reactivate", null, Ct);
        var cancelAgain = await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        var change = await stack.ChangeAsync(user, "basic", "monthly", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.True(missing.Body.GetProperty("errors").TryGetProperty("at_period_end", out _));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("canceled", canceled.GetProperty("subscription").Text("status"));
        Assert.Equal("canceled", inStripe.Status);
        Assert.Equal(("free", "canceled"), (after.Text("tier"), after.Text("status")));
        Assert.Equal(HttpStatusCode.Conflict, reactivate.Status);
        Assert.Equal(HttpStatusCode.Conflict, cancelAgain.Status);
        Assert.Equal(HttpStatusCode.Conflict, change.Status);
    }
}
