using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Stripe;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Usage;

namespace Yapit.Tests.Subscriptions;

/// <summary>Stripe's subscription (in the emulator, through Stripe.net) becomes the stored state, grace and usage plan.</summary>
[Trait("Category", "Integration")]
public sealed class SubscriptionSyncTests(PostgresServerFixture postgres, StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(ServiceProvider Services, StripeClient Stripe, StripeNetHarness.Catalog Catalog)> ArrangeAsync()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, Ct);
        var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("sync"));
        await UsageLedgerHarness.SeedCatalogAsync(db);
        await using (var plans = db.CreateCommand($"""
            UPDATE billing.plans SET monthly_price_id = '{catalog.PlusMonthly.Id}', yearly_price_id = '{catalog.PlusYearly.Id}' WHERE tier = 'plus';
            INSERT INTO billing.plans (tier, name, rank, currency, active, monthly_price_id) VALUES ('max', 'Max', 3, 'usd', true, '{catalog.MaxMonthly.Id}');
            INSERT INTO billing.plan_limits (tier, meter, period_limit) VALUES ('max', 'tokens', 900000), ('max', 'voice_chars', 9000), ('max', 'kokoro_chars', NULL);
            """))
        {
            await plans.ExecuteNonQueryAsync(Ct);
        }
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddSingleton(db)
            .AddSingleton<IStripeClient>(stripe)
            .AddSubscriptionServices()
            .BuildServiceProvider();
        return (services, stripe, catalog);
    }

    private static async Task<Subscription> SubscribeAsync(StripeClient stripe, string userId, Price price)
    {
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_visa", Ct);
        return await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = price.Id }],
            Metadata = new Dictionary<string, string> { ["user_id"] = userId },
        }, cancellationToken: Ct);
    }

    [Fact]
    public async Task A_portal_downgrade_keeps_the_higher_tier_until_the_period_ends_and_a_cancel_gives_free()
    {
        var (services, stripe, catalog) = await ArrangeAsync();
        await using var _ = services;
        var sync = services.GetRequiredService<SubscriptionSync>();
        var store = services.GetRequiredService<SubscriptionStore>();
        var usage = services.GetRequiredService<UsageLedger>();
        var user = "user_" + Guid.NewGuid().ToString("N")[..8];

        var subscription = await SubscribeAsync(stripe, user, catalog.MaxMonthly);
        Assert.Equal((SyncOutcome.Applied, user), await sync.SyncAsync(subscription.Id, ChangeReason.Reconciliation, Ct));
        Assert.Equal(("max", "active"), ((await store.GetAsync(user, Ct))!.Stripe.Tier.Tier, (await store.GetAsync(user, Ct))!.Stripe.Status));
        Assert.Equal("max", (await usage.GetSummaryAsync(user, Ct)).Tier);
        Assert.Equal((SyncOutcome.Unchanged, user), await sync.SyncAsync(subscription.Id, ChangeReason.Reconciliation, Ct));

        // What the portal does when configured to downgrade at once: switch the price without proration.
        await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = catalog.PlusMonthly.Id }],
            ProrationBehavior = "none",
        }, cancellationToken: Ct);
        await sync.SyncAsync(subscription.Id, ChangeReason.Event("evt_portal", "customer.subscription.updated"), Ct);

        var stored = await store.GetAsync(user, Ct);
        Assert.Equal(("plus", "max"), (stored!.Stripe.Tier.Tier, stored.GraceTier?.Tier));
        Assert.Equal(stored.Stripe.CurrentPeriodEnd, stored.GraceUntil);
        Assert.Equal("max", EntitlementRules.Evaluate(stored.ToSnapshot(), DateTimeOffset.UtcNow).TierInEffect.Tier);
        Assert.Equal("max", (await usage.GetSummaryAsync(user, Ct)).Tier);

        await stripe.V1.Subscriptions.CancelAsync(subscription.Id, cancellationToken: Ct);
        await sync.SyncAsync(subscription.Id, ChangeReason.Event("evt_cancel", "customer.subscription.deleted"), Ct);
        stored = await store.GetAsync(user, Ct);
        Assert.Equal("canceled", stored!.Stripe.Status);
        Assert.Equal("free", EntitlementRules.Evaluate(stored.ToSnapshot(), DateTimeOffset.UtcNow).TierInEffect.Tier);
        Assert.Equal("free", (await usage.GetSummaryAsync(user, Ct)).Tier);
    }

    [Fact]
    public async Task A_subscription_of_no_known_user_is_not_linked()
    {
        var (services, stripe, catalog) = await ArrangeAsync();
        await using var _ = services;
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_visa", Ct);
        var foreign = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
        }, cancellationToken: Ct);

        Assert.Equal((SyncOutcome.NotLinked, (string?)null), await services.GetRequiredService<SubscriptionSync>().SyncAsync(foreign.Id, ChangeReason.Reconciliation, Ct));
    }
}
