using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>Checkout through the gateway, from the user's call to the entitlement the gateway reports, on test clocks.</summary>
[Trait("Category", "Integration")]
public sealed class CheckoutScenarioTests(PostgresServerFixture postgres)
{
    private static readonly DateTime Start = new(2026, 3, 2, 10, 0, 0, DateTimeKind.Utc);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Checkout_with_a_trial_reuses_the_users_customer_and_converts_to_paid_when_the_trial_ends()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, customer) = await stack.ClockCustomerAsync(user, Start, ct: Ct);

        var sessionId = await stack.CheckoutAsync(user, "plus", "monthly");
        var session = await stack.Stripe.V1.Checkout.Sessions.GetAsync(sessionId, cancellationToken: Ct);
        await stack.PayAsync(sessionId);
        var trialing = await stack.SubscriptionAsync(user, Ct);
        var subscription = await stack.Stripe.V1.Subscriptions.GetAsync(trialing.Text("subscription_id") ?? (await stack.Subscriptions.GetAsync(user, Ct))!.Stripe.SubscriptionId, cancellationToken: Ct);
        var paidBefore = await stack.Subscriptions.EverPaidAsync(user, Ct);

        await stack.AdvanceAsync(clock, Start.AddDays(3).AddHours(1), Ct);
        var converted = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("subscription", customer.Id, user), (session.Mode, session.CustomerId, session.ClientReferenceId));
        Assert.Equal(("plus", "monthly", user), (session.Metadata["tier"], session.Metadata["interval"], session.Metadata["user_id"]));
        Assert.True(session.AllowPromotionCodes);
        Assert.Equal("http://app.yapit.test/subscription?checkout=success&session_id={CHECKOUT_SESSION_ID}", session.SuccessUrl);
        Assert.Equal("http://app.yapit.test/subscription?checkout=canceled", session.CancelUrl);
        Assert.Equal(("plus", "monthly", user), (subscription.Metadata["tier"], subscription.Metadata["interval"], subscription.Metadata["user_id"]));
        Assert.Equal(("plus", "trialing"), (trialing.Text("tier"), trialing.Text("status")));
        Assert.Equal(new DateTimeOffset(Start.AddDays(3)), trialing.GetProperty("trial_end").GetDateTimeOffset());
        Assert.False(paidBefore);
        Assert.Equal(("plus", "active", "ok"), (converted.Text("tier"), converted.Text("status"), converted.Text("payment_state")));
        Assert.Equal(new DateTimeOffset(Start.AddDays(3)), converted.GetProperty("current_period_start").GetDateTimeOffset());
        Assert.True(await stack.Subscriptions.EverPaidAsync(user, Ct));
    }

    [Fact]
    public async Task A_second_checkout_while_subscribed_is_409_and_after_a_cancel_the_trial_is_not_offered_again()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.ClockCustomerAsync(user, Start, ct: Ct);
        await stack.PayAsync(await stack.CheckoutAsync(user, "plus", "monthly"));
        var first = (await stack.Subscriptions.GetAsync(user, Ct))!.Stripe;

        var (conflict, problem) = await stack.User(user).PostAsync("/v1/billing/checkout", new { tier = "max", interval = "monthly" });
        await stack.Stripe.V1.Subscriptions.CancelAsync(first.SubscriptionId, cancellationToken: Ct);
        await stack.SettleAsync(Ct);
        var canceled = await stack.SubscriptionAsync(user, Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(1), Ct);
        await stack.PayAsync(await stack.CheckoutAsync(user, "plus", "monthly"));
        var second = (await stack.Subscriptions.GetAsync(user, Ct))!.Stripe;
        var again = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal("trialing", first.Status);
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal((first.SubscriptionId, "trialing"), (problem.Text("subscription_id"), problem.Text("status")));
        Assert.Equal(("free", "canceled"), (canceled.Text("tier"), canceled.Text("status")));
        Assert.NotEqual(first.SubscriptionId, second.SubscriptionId);
        Assert.Equal(("active", (DateTimeOffset?)null), (second.Status, second.TrialEnd));
        Assert.Equal(("plus", "active"), (again.Text("tier"), again.Text("status")));
        Assert.True(await stack.Subscriptions.EverPaidAsync(user, Ct));
    }

    [Fact]
    public async Task A_subscription_Stripe_has_but_the_webhooks_have_not_told_yet_still_refuses_a_second_checkout()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (_, customer) = await stack.ClockCustomerAsync(user, Start, ct: Ct);
        var price = (await stack.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_basic_monthly_v2"] }, cancellationToken: Ct)).Single();
        // Made in Stripe just now: the user clicks again before (or while) its webhooks reach the worker.
        var made = await stack.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = price.Id }],
        }, cancellationToken: Ct);

        var (status, problem) = await stack.User(user).PostAsync("/v1/billing/checkout", new { tier = "plus", interval = "monthly" });
        var stored = await stack.Subscriptions.GetAsync(user, Ct);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(made.Id, problem.Text("subscription_id"));
        Assert.Equal((made.Id, "basic", "active"), (stored!.Stripe.SubscriptionId, stored.Stripe.Tier.Tier, stored.Stripe.Status)); // synced at the point of decision
        await stack.SettleAsync(Ct);
    }

    [Fact]
    public async Task Bad_input_gets_problems_naming_the_field_and_an_idempotency_key_replays_the_same_session()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var client = stack.User(user);
        using var anonymous = stack.Pipeline.Gateway.CreateRealClient();

        var unknownTier = await client.PostAsync("/v1/billing/checkout", new { tier = "gold", interval = "monthly" });
        var free = await client.PostAsync("/v1/billing/checkout", new { tier = "free", interval = "monthly" });
        var badInterval = await client.PostAsync("/v1/billing/checkout", new { tier = "plus", interval = "weekly" });
        var missing = await client.PostAsync("/v1/billing/checkout", new { });
        var badKey = await client.PostAsync("/v1/billing/checkout", new { tier = "plus", interval = "monthly" }, idempotencyKey: new string('k', 201));
        var unauthenticated = await anonymous.PostAsync("/v1/billing/checkout", new { tier = "plus", interval = "monthly" });
        var first = await client.PostAsync("/v1/billing/checkout", new { tier = "plus", interval = "monthly" }, idempotencyKey: "click-1");
        var retried = await client.PostAsync("/v1/billing/checkout", new { tier = "plus", interval = "monthly" }, idempotencyKey: "click-1");
        var reused = await client.PostAsync("/v1/billing/checkout", new { tier = "basic", interval = "monthly" }, idempotencyKey: "click-1");
        var customer = await stack.Stripe.V1.Customers.GetAsync((await stack.Subscriptions.FindCustomerAsync(user, Ct))!, cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.BadRequest, unknownTier.Status);
        Assert.Contains("basic, plus, max", unknownTier.Body.GetProperty("errors").GetProperty("tier")[0].GetString());
        Assert.True(free.Body.GetProperty("errors").TryGetProperty("tier", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badInterval.Status);
        Assert.True(badInterval.Body.GetProperty("errors").TryGetProperty("interval", out _));
        Assert.True(missing.Body.GetProperty("errors").TryGetProperty("tier", out _) && missing.Body.GetProperty("errors").TryGetProperty("interval", out _));
        Assert.True(badKey.Body.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.Status);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body.Text("session_id"), retried.Body.Text("session_id"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        Assert.Equal(user, customer.Metadata["user_id"]);
    }

    [Fact]
    public async Task A_customer_deleted_in_Stripe_is_replaced_by_a_new_one_on_the_next_checkout()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (_, old) = await stack.ClockCustomerAsync(user, Start, ct: Ct);
        await stack.Stripe.V1.Customers.DeleteAsync(old.Id, cancellationToken: Ct);

        var session = await stack.Stripe.V1.Checkout.Sessions.GetAsync(await stack.CheckoutAsync(user, "basic", "yearly"), cancellationToken: Ct);
        var linked = await stack.Subscriptions.FindCustomerAsync(user, Ct);

        Assert.NotEqual(old.Id, session.CustomerId);
        Assert.Equal(session.CustomerId, linked);
        Assert.Equal(user, (await stack.Stripe.V1.Customers.GetAsync(session.CustomerId, cancellationToken: Ct)).Metadata["user_id"]);
        await stack.SettleAsync(Ct);
    }

    [Fact]
    public async Task A_second_click_expires_the_first_open_session_and_the_span_names_user_and_Stripe_ids_but_no_email()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Yapit.Subscriptions",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var started = new ConcurrentQueue<string>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Yapit.Subscriptions" && instrument.Name == "yapit.subscriptions.checkouts_started")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var kind = tags.ToArray().FirstOrDefault(t => t.Key == "kind").Value as string;
            started.Enqueue(kind ?? "");
        });
        meters.Start();
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (_, customer) = await stack.ClockCustomerAsync(user, Start, ct: Ct);

        var firstId = await stack.CheckoutAsync(user, "basic", "monthly");
        var secondId = await stack.CheckoutAsync(user, "plus", "yearly");
        var first = await stack.Stripe.V1.Checkout.Sessions.GetAsync(firstId, cancellationToken: Ct);
        var second = await stack.Stripe.V1.Checkout.Sessions.GetAsync(secondId, cancellationToken: Ct);

        Assert.Equal(("expired", "open"), (first.Status, second.Status));
        var span = Assert.Single(spans, a => a.OperationName == "checkout subscription" && (a.GetTagItem("yapit.user_id") as string) == user
            && (a.GetTagItem("stripe.checkout_session_id") as string) == secondId);
        Assert.Equal(customer.Id, span.GetTagItem("stripe.customer_id"));
        Assert.DoesNotContain(span.TagObjects, t => t.Value is string v && v.Contains('@'));
        Assert.True(started.Count(k => k == "subscription") >= 2);
        await stack.SettleAsync(Ct);
    }
}
