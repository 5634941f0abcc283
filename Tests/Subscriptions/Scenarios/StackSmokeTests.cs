using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>The harness itself: a subscription made in Stripe for a user's linked customer reaches the gateway, and a clock renews it.</summary>
[Trait("Category", "Integration")]
public sealed class StackSmokeTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_subscription_made_in_Stripe_reaches_the_users_entitlement_and_renews_on_the_clock()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var start = new DateTime(2026, 1, 31, 12, 0, 0, DateTimeKind.Utc);
        var (clock, customer) = await stack.ClockCustomerAsync(user, start, ct: Ct);
        var price = (await stack.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_plus_monthly_v2"] }, cancellationToken: Ct)).Single();

        await stack.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = price.Id }],
        }, cancellationToken: Ct);
        await stack.SettleAsync(Ct);
        var bought = await stack.SubscriptionAsync(user, Ct);

        await stack.AdvanceAsync(clock, start.AddDays(30), Ct);
        var renewed = await stack.SubscriptionAsync(user, Ct);
        var stranger = await stack.SubscriptionAsync(BillingStackHarness.NewUserId(), Ct);

        Assert.Equal(("plus", "active", "monthly"), (bought.GetProperty("tier").GetString(), bought.GetProperty("status").GetString(), bought.GetProperty("interval").GetString()));
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 12, 0, 0, TimeSpan.Zero), renewed.GetProperty("current_period_start").GetDateTimeOffset());
        Assert.Equal(("plus", "active"), (renewed.GetProperty("tier").GetString(), renewed.GetProperty("status").GetString()));
        Assert.Equal("free", stranger.GetProperty("tier").GetString());
    }
}
