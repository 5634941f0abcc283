using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>A credit pack bought through the gateway's payment-mode Checkout: debt repaid first, the rest purchased.</summary>
[Trait("Category", "Integration")]
public sealed class CheckoutCreditPackScenarioTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> TokensAsync(BillingStackHarness stack, string user) =>
        (await stack.User(user).GetFromJsonAsync<JsonElement>("/v1/usage", Ct)).GetProperty("meters").EnumerateArray().Single(m => m.Text("meter") == "tokens");

    [Fact]
    public async Task A_pack_bought_while_in_debt_repays_the_debt_and_the_rest_becomes_purchased_credits()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (recorded, record) = await stack.Service().PostAsync("/v1/usage/records",
            new { user_id = user, meter = "tokens", amount = 1_200_000, idempotency_key = "synth-1", reference = "doc-1" });
        var inDebt = await TokensAsync(stack, user);

        var (status, body) = await stack.User(user).PostAsync("/v1/billing/credits/checkout", new { pack = "yapit_tokens_5m_v1" });
        var sessionId = body.Text("session_id")!;
        var session = await stack.Stripe.V1.Checkout.Sessions.GetAsync(sessionId, cancellationToken: Ct);
        await stack.PayAsync(sessionId);
        var after = await TokensAsync(stack, user);
        var unknown = await stack.User(user).PostAsync("/v1/billing/credits/checkout", new { pack = "yapit_gold_v1" });
        var missing = await stack.User(user).PostAsync("/v1/billing/credits/checkout", new { });

        Assert.Equal(HttpStatusCode.OK, recorded);
        Assert.Equal(1_200_000, record.GetProperty("breakdown").GetProperty("to_debt").GetInt64());
        Assert.Equal(1_200_000, inDebt.GetProperty("debt").GetInt64());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("payment", user, "tokens", "5000000"), (session.Mode, session.Metadata["user_id"], session.Metadata["meter"], session.Metadata["quantity"]));
        Assert.Equal("http://app.yapit.test/credits?checkout=success&session_id={CHECKOUT_SESSION_ID}", session.SuccessUrl);
        Assert.Equal((0L, 3_800_000L), (after.GetProperty("debt").GetInt64(), after.GetProperty("purchased").GetInt64()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Contains("yapit_tokens_5m_v1, yapit_voice_500k_v1", unknown.Body.GetProperty("errors").GetProperty("pack")[0].GetString());
        Assert.True(missing.Body.GetProperty("errors").TryGetProperty("pack", out _));
    }
}
