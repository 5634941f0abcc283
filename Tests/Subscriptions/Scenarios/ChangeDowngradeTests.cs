using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>Downgrades under each policy, from the API and from the portal (a change made directly on the Stripe subscription).</summary>
[Trait("Category", "Integration")]
public sealed class ChangeDowngradeTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 4, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime PeriodEnd = Start.AddMonths(1);

    private static readonly Dictionary<string, string?> AtPeriodEnd = new() { ["Billing:DowngradePolicy"] = "at_period_end" };

    [Fact]
    public async Task Grace_switches_Stripe_now_without_proration_and_keeps_the_higher_tier_until_the_renewal_bills_the_lower_price()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(12), Ct);

        var (_, preview) = await stack.PreviewAsync(user, "basic", "monthly", Ct);
        var (status, changed) = await stack.ChangeAsync(user, "basic", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var inStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var during = await stack.SubscriptionAsync(user, Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddHours(2), Ct);
        var renewal = await stack.Stripe.V1.Invoices.GetAsync((await stack.StripeSubscriptionAsync(subscription.Id, Ct)).LatestInvoiceId, cancellationToken: Ct);
        var renewed = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("downgrade", "now_with_grace", 0L), (preview.Text("classification"), preview.Text("timing"), preview.GetProperty("amount_due_now").GetInt64()));
        Assert.Equal(1000, preview.GetProperty("next_invoice").GetProperty("amount").GetInt64());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonNull, changed.GetProperty("payment").ValueKind);
        Assert.Equal(await stack.PriceIdAsync("basic", "monthly", Ct), inStripe.Items.Data.Single().Price.Id);
        Assert.Equal(subscription.LatestInvoiceId, inStripe.LatestInvoiceId); // nothing invoiced now
        Assert.Equal(("max", "basic"), (during.Text("tier"), during.Text("subscribed_tier")));
        Assert.Equal(new DateTimeOffset(PeriodEnd), during.GetProperty("grace_until").GetDateTimeOffset());
        Assert.Equal(("subscription_cycle", 1000L, "paid"), (renewal.BillingReason, renewal.AmountPaid, renewal.Status));
        Assert.Equal(("basic", "basic"), (renewed.Text("tier"), renewed.Text("subscribed_tier")));
        Assert.Equal(JsonNull, renewed.GetProperty("grace_until").ValueKind);
    }

    [Fact]
    public async Task At_period_end_leaves_Stripe_alone_until_the_worker_applies_it_shortly_before_the_period_ends_and_the_renewal_bills_the_lower_price()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, AtPeriodEnd);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(5), Ct);
        var plusPrice = await stack.PriceIdAsync("plus", "monthly", Ct);

        var (_, preview) = await stack.PreviewAsync(user, "basic", "monthly", Ct);
        var (status, changed) = await stack.ChangeAsync(user, "basic", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var pending = await stack.SubscriptionAsync(user, Ct);
        var early = await stack.ReconcileAsync(Ct);
        var untouched = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddMinutes(-30), Ct);
        var near = await stack.ReconcileAsync(Ct);
        await stack.SettleAsync(Ct);
        var switched = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var beforeRenewal = await stack.SubscriptionAsync(user, Ct);
        var again = await stack.ReconcileAsync(Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddHours(2), Ct);
        var renewal = await stack.Stripe.V1.Invoices.GetAsync((await stack.StripeSubscriptionAsync(subscription.Id, Ct)).LatestInvoiceId, cancellationToken: Ct);
        var renewed = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("downgrade", "at_period_end"), (preview.Text("classification"), preview.Text("timing")));
        Assert.Equal((1000L, new DateTimeOffset(PeriodEnd)), (preview.GetProperty("next_invoice").GetProperty("amount").GetInt64(), preview.GetProperty("next_invoice").GetProperty("date").GetDateTimeOffset()));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(new DateTimeOffset(PeriodEnd), changed.GetProperty("effective_at").GetDateTimeOffset());
        Assert.Equal(("plus", "basic"), (pending.Text("tier"), pending.GetProperty("pending_downgrade").Text("tier")));
        Assert.Equal(0, early.PendingApplied);
        Assert.Equal(plusPrice, untouched.Items.Data.Single().Price.Id);
        Assert.Equal(subscription.LatestInvoiceId, untouched.LatestInvoiceId);
        Assert.Equal(1, near.PendingApplied);
        Assert.Equal(await stack.PriceIdAsync("basic", "monthly", Ct), switched.Items.Data.Single().Price.Id);
        Assert.Equal(subscription.LatestInvoiceId, switched.LatestInvoiceId); // switched without proration
        Assert.Equal(("plus", "basic"), (beforeRenewal.Text("tier"), beforeRenewal.Text("subscribed_tier")));
        Assert.Equal(JsonNull, beforeRenewal.GetProperty("pending_downgrade").ValueKind);
        Assert.Equal(0, again.PendingApplied);
        Assert.Equal(("subscription_cycle", 1000L), (renewal.BillingReason, renewal.AmountPaid));
        Assert.Equal(("basic", "basic"), (renewed.Text("tier"), renewed.Text("subscribed_tier")));
    }

    [Theory]
    [InlineData("grace")]
    [InlineData("at_period_end")]
    public async Task A_portal_downgrade_made_directly_on_the_Stripe_subscription_gets_grace(string policy)
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, new Dictionary<string, string?> { ["Billing:DowngradePolicy"] = policy });
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(3), Ct);

        // What the portal does, configured to downgrade immediately.
        await stack.Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data.Single().Id, Price = await stack.PriceIdAsync("basic", "monthly", Ct) }],
            ProrationBehavior = "none",
        }, cancellationToken: Ct);
        await stack.SettleAsync(Ct);
        var during = await stack.SubscriptionAsync(user, Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddHours(1), Ct);
        var renewed = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("plus", "basic"), (during.Text("tier"), during.Text("subscribed_tier")));
        Assert.Equal(new DateTimeOffset(PeriodEnd), during.GetProperty("grace_until").GetDateTimeOffset());
        Assert.Equal("basic", renewed.Text("tier"));
    }

    [Fact]
    public async Task A_pending_downgrade_is_dropped_by_asking_for_the_current_plan_and_overtaken_by_an_upgrade()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, AtPeriodEnd);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(5), Ct);

        await stack.ChangeAsync(user, "basic", "monthly", Ct);
        var (_, keep) = await stack.PreviewAsync(user, "plus", "monthly", Ct);
        var (_, same) = await stack.ChangeAsync(user, "plus", "monthly", Ct);
        var dropped = await stack.SubscriptionAsync(user, Ct);
        await stack.ChangeAsync(user, "basic", "monthly", Ct);
        var (_, upgraded) = await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var report = await stack.ReconcileAsync(Ct);

        Assert.Equal(("no_op", 0L, 2000L), (keep.Text("classification"), keep.GetProperty("amount_due_now").GetInt64(), keep.GetProperty("next_invoice").GetProperty("amount").GetInt64()));
        Assert.Equal(new DateTimeOffset(PeriodEnd), keep.GetProperty("next_invoice").GetProperty("date").GetDateTimeOffset());
        Assert.Equal("no_op", same.Text("classification"));
        Assert.Equal(JsonNull, dropped.GetProperty("pending_downgrade").ValueKind);
        Assert.Equal(("upgrade", "ok"), (upgraded.Text("classification"), upgraded.GetProperty("payment").Text("state")));
        Assert.Equal("max", after.Text("tier"));
        Assert.Equal(JsonNull, after.GetProperty("pending_downgrade").ValueKind);
        Assert.Equal(0, report.PendingApplied);
        Assert.Equal(await stack.PriceIdAsync("max", "monthly", Ct), (await stack.StripeSubscriptionAsync(subscription.Id, Ct)).Items.Data.Single().Price.Id);
    }

    [Fact]
    public async Task A_pending_downgrade_of_a_subscription_canceled_at_period_end_is_not_applied()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, AtPeriodEnd);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);

        await stack.ChangeAsync(user, "basic", "monthly", Ct);
        await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        await stack.AdvanceAsync(clock, PeriodEnd.AddMinutes(-30), Ct);
        var report = await stack.ReconcileAsync(Ct);

        Assert.Equal(0, report.PendingApplied);
        Assert.Equal(await stack.PriceIdAsync("plus", "monthly", Ct), (await stack.StripeSubscriptionAsync(subscription.Id, Ct)).Items.Data.Single().Price.Id);
    }

    [Fact]
    public async Task A_downgrade_from_a_trial_switches_at_once_without_grace()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (_, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", trialDays: 3, ct: Ct);

        var (status, changed) = await stack.ChangeAsync(user, "basic", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var inStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("downgrade", "now_without_proration"), (changed.Text("classification"), changed.Text("timing")));
        Assert.Equal(("basic", "trialing"), (after.Text("tier"), after.Text("status")));
        Assert.Equal(JsonNull, after.GetProperty("grace_until").ValueKind);
        Assert.Equal(await stack.PriceIdAsync("basic", "monthly", Ct), inStripe.Items.Data.Single().Price.Id);
    }

    private const System.Text.Json.JsonValueKind JsonNull = System.Text.Json.JsonValueKind.Null;
}
