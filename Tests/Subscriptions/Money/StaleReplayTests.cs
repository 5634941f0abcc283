using System.Net;
using System.Net.Http.Headers;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Subscriptions.Scenarios;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>Rule 1 (docs/billing-rules.md): an older subscription never replaces a newer one, however its events come back.</summary>
[Trait("Category", "Integration")]
public sealed class StaleReplayTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A clock that is never advanced: Basic, its cancellation and Plus all share one second of Stripe's `created`.
    private static readonly DateTime Start = new(2027, 5, 3, 9, 0, 0, DateTimeKind.Utc);
    private const string AdminKey = "stale-admin-key-0123456789abcdef";

    [Fact]
    public async Task Replaying_a_canceled_subscriptions_checkout_within_the_same_second_leaves_the_new_one_and_its_usage_alone()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, new Dictionary<string, string?> { ["Admin:ApiKey"] = AdminKey });
        var user = BillingStackHarness.NewUserId();
        await stack.ClockCustomerAsync(user, Start, card: null, ct: Ct);
        var basic = await stack.CheckoutAsync(user, "basic", "monthly");
        await stack.PayAsync(basic);
        var (cancelStatus, _) = await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = false }, Ct);
        await stack.SettleAsync(Ct);
        await stack.PayAsync(await stack.CheckoutAsync(user, "plus", "monthly"));
        var before = await stack.SubscriptionAsync(user, Ct);

        // The operator replays Basic's checkout.session.completed (Stripe's own retries do the same for three days).
        var basicCompleted = (await StripeNetHarness.EventsAsync(stack.Stripe, Ct))
            .Single(e => e.Type == "checkout.session.completed" && (e.Data.Object as Stripe.Checkout.Session)?.Id == basic);
        using var admin = stack.Pipeline.Gateway.CreateRealClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var replay = await admin.PostAsync($"/v1/admin/events/{basicCompleted.Id}/replay", null, Ct);
        await stack.SettleAsync(Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var check = await stack.Service().PostJsonAsync("/v1/usage/check", $$"""{"user_id":"{{user}}","meter":"tokens","amount":2000000}""", Ct);
        var record = await stack.Service().PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":2000000,"idempotency_key":"after-replay-{{user}}"}""", Ct);
        var usage = await stack.MeterAsync(user, ct: Ct);

        Assert.Equal(HttpStatusCode.OK, cancelStatus);
        Assert.Equal("plus", before.Text("tier"));
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(("plus", "trialing"), (after.Text("tier"), after.Text("status")));
        Assert.Equal(before.Text("subscription_id"), after.Text("subscription_id"));
        Assert.Equal(HttpStatusCode.OK, check.Status);
        Assert.Equal(0, record.Body.GetProperty("breakdown").GetProperty("to_debt").GetInt64());
        Assert.Equal(("plus", 0L), (usage.Tier, usage.Debt));
    }
}
