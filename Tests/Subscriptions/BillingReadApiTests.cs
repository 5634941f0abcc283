using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Yapit.Billing.Subscriptions;
using Yapit.Gateway.Auth;
using Yapit.Tests.Usage;

namespace Yapit.Tests.Subscriptions;

/// <summary>The plans for sale and a user's subscription over real HTTP.</summary>
[Trait("Category", "Integration")]
public sealed class BillingReadApiTests(UsageGatewayFixture fixture) : IClassFixture<UsageGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> GetAsync(string path, string? user, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Issue(UsageGatewayFixture.Auth, user, null, TimeSpan.FromMinutes(5)));
        }
        using var response = await fixture.Client.SendAsync(request, Ct);
        Assert.Equal(expected, response.StatusCode);
        return expected == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>(Ct) : default;
    }

    [Fact]
    public async Task Plans_show_only_the_intervals_for_sale_with_limits()
    {
        await using (var sell = fixture.Database.CreateCommand("""
            UPDATE billing.plans SET monthly_price_id = 'price_b_m', monthly_amount = 1000, monthly_available = true,
                                     yearly_price_id = 'price_b_y', yearly_amount = 9000, yearly_available = false, trial_days = 3
            WHERE tier = 'basic'
            """))
        {
            await sell.ExecuteNonQueryAsync(Ct);
        }

        var plans = (await GetAsync("/v1/billing/plans", user: null)).GetProperty("plans").EnumerateArray().ToList();

        Assert.Equal(["free", "basic"], plans.Select(p => p.GetProperty("tier").GetString()));
        var basic = plans[1];
        var price = Assert.Single(basic.GetProperty("prices").EnumerateArray());
        Assert.Equal(("monthly", 1000L, "eur"), (price.GetProperty("interval").GetString(), price.GetProperty("amount").GetInt64(), price.GetProperty("currency").GetString()));
        Assert.Equal(3, basic.GetProperty("trial_days").GetInt32());
        Assert.Equal(JsonValueKind.Null, basic.GetProperty("limits").GetProperty("kokoro_chars").ValueKind);
        Assert.Equal(UsageLedgerHarness.BasicTokens, basic.GetProperty("limits").GetProperty("tokens").GetInt64());
    }

    [Fact]
    public async Task A_user_sees_their_own_subscription_and_a_grace_tier_in_effect()
    {
        var store = new SubscriptionStore(fixture.Database);
        var now = DateTimeOffset.UtcNow;
        var user = "user_" + Guid.NewGuid().ToString("N")[..8];
        await store.ApplyAsync(user, new StripeSubscriptionState
        {
            SubscriptionId = "sub_" + user,
            CustomerId = "cus_" + user,
            Tier = new PlanRef("basic", 1),
            Interval = BillingInterval.Monthly,
            Status = "past_due",
            CurrentPeriodStart = now.AddDays(-10),
            CurrentPeriodEnd = now.AddDays(20),
            CancelAt = now.AddDays(5),
            StripeCreated = now.AddDays(-40),
            ReadAt = now,
        }, ChangeReason.Reconciliation, Ct);
        await store.SetPlanDecisionsAsync(user, "sub_" + user, PlanDecisionParts.Both, new PlanRef("plus", 2), now.AddDays(20), null, null, ChangeReason.Reconciliation, Ct);

        var mine = await GetAsync("/v1/billing/subscription", user);
        var stranger = await GetAsync("/v1/billing/subscription", "someone_else");
        await GetAsync("/v1/billing/subscription", user: null, HttpStatusCode.Unauthorized);

        Assert.Equal(("plus", "basic", "past_due", "monthly"), (mine.GetProperty("tier").GetString(), mine.GetProperty("subscribed_tier").GetString(),
            mine.GetProperty("status").GetString(), mine.GetProperty("interval").GetString()));
        Assert.True(mine.GetProperty("is_canceling").GetBoolean());
        Assert.Equal("past_due", mine.GetProperty("payment_state").GetString());
        Assert.Equal(("free", JsonValueKind.Null), (stranger.GetProperty("tier").GetString(), stranger.GetProperty("status").ValueKind));
    }
}
