using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
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
        var admin = stack.Admin(AdminKey);
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

    /// <summary>
    /// A wrong free interlude made before the order above existed (older code, a hand edit): the ledger was ended
    /// while Plus was live, usage meanwhile went to debt. Restoring Plus undoes it: the interlude's usage is charged
    /// at Plus as if the interlude had never been, and no debt is left.
    /// </summary>
    [Fact]
    public async Task Restoring_the_right_subscription_recharges_a_wrong_free_interludes_usage_at_its_tier()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, new Dictionary<string, string?> { ["Admin:ApiKey"] = AdminKey });
        var user = BillingStackHarness.NewUserId();
        await stack.ClockCustomerAsync(user, Start, ct: Ct);
        var plus = await stack.CheckoutAsync(user, "plus", "monthly");
        await stack.PayAsync(plus);
        var service = stack.Service();
        var first = await service.PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":1000000,"idempotency_key":"before-{{user}}"}""", Ct);

        // The wrong write: the ledger follows a stored subscription that ended although Plus still runs.
        var ledger = stack.Pipeline.Worker.Services.GetRequiredService<Yapit.Billing.Usage.UsageLedger>();
        await ledger.EndPlanAsync(user, Start, Ct);
        var during = await service.PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":2000000,"idempotency_key":"during-{{user}}"}""", Ct);
        var wrong = await stack.MeterAsync(user, ct: Ct);

        // Plus is read again (any of its events, a replay, reconciliation): the ledger goes back to it.
        var completed = (await StripeNetHarness.EventsAsync(stack.Stripe, Ct))
            .Single(e => e.Type == "checkout.session.completed" && (e.Data.Object as Stripe.Checkout.Session)?.Id == plus);
        var admin = stack.Admin(AdminKey);
        using var replay = await admin.PostAsync($"/v1/admin/events/{completed.Id}/replay", null, Ct);
        await stack.SettleAsync(Ct);
        var restored = await stack.MeterAsync(user, ct: Ct);
        var history = await stack.User(user).GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/usage/history", Ct);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(("free", 2_000_000L), (wrong.Tier, wrong.Debt));
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(("plus", 3_000_000L, 0L, 0L), (restored.Tier, restored.Used, restored.Debt, restored.Rollover));
        Assert.Equal(7_000_000L, restored.Available);
        // The records' own breakdowns follow: both are in Plus's period, neither owes anything.
        Assert.Equal(3_000_000L, history.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("meter").GetString() == "tokens").Sum(g => g.GetProperty("amount").GetInt64()));
        var again = await service.PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":2000000,"idempotency_key":"during-{{user}}"}""", Ct);
        Assert.Equal((0L, 2_000_000L), (again.Body.GetProperty("breakdown").GetProperty("to_debt").GetInt64(), again.Body.GetProperty("breakdown").GetProperty("from_allowance").GetInt64()));
    }
}
