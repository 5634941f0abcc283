using System.Net;
using Stripe;
using Yapit.Billing.Catalog;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;
using PortalSession = Stripe.BillingPortal.Session;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>The customer portal through the gateway: configurations by catalog key, deep links, a trial canceled there, and who may open it.</summary>
[Trait("Category", "Integration")]
public sealed class PortalScenarioTests(PostgresServerFixture postgres)
{
    private static readonly DateTime Start = new(2026, 5, 4, 12, 0, 0, DateTimeKind.Utc);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The portal sessions Stripe created, newest first (Stripe has no endpoint to read one back).</summary>
    private static async Task<List<PortalSession>> PortalSessionsAsync(BillingStackHarness stack) =>
        (await stack.Stripe.V1.Events.ListAsync(new EventListOptions { Type = "billing_portal.session.created" }, cancellationToken: Ct))
            .Data.Select(e => (PortalSession)e.Data.Object).ToList();

    [Fact]
    public async Task A_trial_canceled_in_the_portal_is_canceling_until_its_end_then_free_and_the_portal_still_opens()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, customer) = await stack.ClockCustomerAsync(user, Start, ct: Ct);
        await stack.PayAsync(await stack.CheckoutAsync(user, "basic", "monthly"));
        var subscriptionId = (await stack.Subscriptions.GetAsync(user, Ct))!.Stripe.SubscriptionId;
        var client = stack.User(user);

        var (opened, portal) = await client.PostAsync("/v1/billing/portal", new { flow = "subscription_cancel" });
        var session = (await PortalSessionsAsync(stack))[0];
        // The person cancels on the portal page the gateway's deep link opened (for a trial the portal sets cancel_at to its end).
        using var browser = stack.Pipeline.Stripe.Browser();
        var cancel = await StripeNetHarness.PostFormAsync(browser, $"{new Uri(session.Url).AbsolutePath}/subscriptions/{subscriptionId}/cancel", ("feedback", "too_expensive"));
        Assert.True((int)cancel.Status is >= 200 and < 400, $"the portal's cancel answered {(int)cancel.Status}: {cancel.Body}");
        await stack.SettleAsync(Ct);
        var canceling = await stack.SubscriptionAsync(user, Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(3).AddHours(1), Ct);
        var ended = await stack.SubscriptionAsync(user, Ct);
        var (afterwards, _) = await client.PostAsync("/v1/billing/portal", new { });
        var (noFlow, flowProblem) = await client.PostAsync("/v1/billing/portal", new { flow = "subscription_update" });
        var paymentMethod = await client.PostAsync("/v1/billing/portal", new { flow = "payment_method_update" });

        Assert.Equal(HttpStatusCode.OK, opened);
        Assert.Equal(session.Url, portal.Text("portal_url"));
        Assert.Equal((customer.Id, "subscription_cancel", subscriptionId), (session.Customer, session.Flow.Type, session.Flow.SubscriptionCancel.Subscription));
        Assert.Equal("http://app.yapit.test/subscription", session.ReturnUrl);
        Assert.Equal(("basic", "trialing", true), (canceling.Text("tier"), canceling.Text("status"), canceling.GetProperty("is_canceling").GetBoolean()));
        Assert.Equal(new DateTimeOffset(Start.AddDays(3)), canceling.GetProperty("cancel_at").GetDateTimeOffset());
        Assert.Equal(("free", "canceled"), (ended.Text("tier"), ended.Text("status")));
        Assert.False(await stack.Subscriptions.EverPaidAsync(user, Ct));
        Assert.Equal(HttpStatusCode.OK, afterwards);
        Assert.Equal(HttpStatusCode.Conflict, noFlow);
        Assert.Equal("subscription_update", flowProblem.Text("flow"));
        Assert.Equal(HttpStatusCode.OK, paymentMethod.Status);
    }

    [Fact]
    public async Task The_configuration_is_chosen_by_its_catalog_key_and_bad_requests_are_refused()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        await stack.ClockCustomerAsync(user, Start, ct: Ct);
        await stack.PayAsync(await stack.CheckoutAsync(user, "plus", "monthly"));
        var subscriptionId = (await stack.Subscriptions.GetAsync(user, Ct))!.Stripe.SubscriptionId;
        var configurations = (await stack.Stripe.V1.BillingPortal.Configurations.ListAsync(cancellationToken: Ct)).Data
            .Where(c => c.Metadata.GetValueOrDefault(CatalogMarkers.ManagedByKey) == CatalogMarkers.ManagedByValue)
            .ToDictionary(c => c.Metadata[CatalogMarkers.CatalogKey], c => c.Id);
        var client = stack.User(user);

        var upgrade = await client.PostAsync("/v1/billing/portal", new { configuration = "upgrade", flow = "subscription_update" });
        var upgradeSession = (await PortalSessionsAsync(stack))[0];
        var byDefault = await client.PostAsync("/v1/billing/portal", new { });
        var defaultSession = (await PortalSessionsAsync(stack))[0];
        var unknown = await client.PostAsync("/v1/billing/portal", new { configuration = "nope" });
        var badFlow = await client.PostAsync("/v1/billing/portal", new { flow = "subscription_pause" });
        var stranger = await stack.User(BillingStackHarness.NewUserId()).PostAsync("/v1/billing/portal", new { });

        Assert.Equal(HttpStatusCode.OK, upgrade.Status);
        Assert.Equal((configurations["upgrade"], "subscription_update", subscriptionId),
            (upgradeSession.ConfigurationId, upgradeSession.Flow.Type, upgradeSession.Flow.SubscriptionUpdate.Subscription));
        Assert.Equal(HttpStatusCode.OK, byDefault.Status);
        Assert.Equal(configurations["manage"], defaultSession.ConfigurationId);
        Assert.Null(defaultSession.Flow);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Contains("manage, upgrade", unknown.Body.GetProperty("errors").GetProperty("configuration")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badFlow.Status);
        Assert.True(badFlow.Body.GetProperty("errors").TryGetProperty("flow", out _));
        Assert.Equal(HttpStatusCode.NotFound, stranger.Status);
        await stack.SettleAsync(Ct);
    }

    [Fact]
    public async Task A_second_user_never_sees_or_reaches_the_first_users_billing()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var first = BillingStackHarness.NewUserId();
        var second = BillingStackHarness.NewUserId();
        var (_, customer) = await stack.ClockCustomerAsync(first, Start, ct: Ct);
        await stack.PayAsync(await stack.CheckoutAsync(first, "plus", "monthly"));

        var seen = await stack.SubscriptionAsync(second, Ct);
        var (portal, _) = await stack.User(second).PostAsync("/v1/billing/portal", new { flow = "subscription_cancel" });
        var secondSession = await stack.Stripe.V1.Checkout.Sessions.GetAsync(await stack.CheckoutAsync(second, "plus", "monthly"), cancellationToken: Ct);
        var firstStill = await stack.SubscriptionAsync(first, Ct);

        Assert.Equal(("free", null, null), (seen.Text("tier"), seen.Text("status"), seen.Text("subscribed_tier")));
        Assert.Equal(HttpStatusCode.NotFound, portal);
        Assert.NotEqual(customer.Id, secondSession.CustomerId);
        Assert.Equal(second, secondSession.Metadata["user_id"]);
        Assert.Equal(("plus", "trialing"), (firstStill.Text("tier"), firstStill.Text("status")));
        await stack.SettleAsync(Ct);
    }
}
