using System.Net;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>Payments that need the customer or fail: authentication on the hosted invoice page, dunning, recovery and the end of retries.</summary>
[Trait("Category", "Integration")]
public sealed class PaymentScenarioTests(PostgresServerFixture postgres)
{
    private static readonly DateTime Start = new(2026, 4, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Renewal = Start.AddMonths(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_payment_needing_authentication_is_requires_action_with_the_hosted_invoice_until_the_customer_completes_it()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        await stack.ClockCustomerAsync(user, Start, card: null, ct: Ct);

        await stack.PayAsync(await stack.CheckoutAsync(user, "max", "monthly"), card: "pm_card_authenticationRequired");
        var waiting = await stack.SubscriptionAsync(user, Ct);
        var actionUrl = waiting.Text("action_url");
        Assert.NotNull(actionUrl);
        using var browser = stack.Pipeline.Stripe.Browser();
        var authenticated = await StripeNetHarness.PostFormAsync(browser, new Uri(actionUrl).AbsolutePath + "/authenticate", ("action", "complete"));
        await stack.SettleAsync(Ct);
        var done = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("free", "incomplete", "requires_action"), (waiting.Text("tier"), waiting.Text("status"), waiting.Text("payment_state")));
        Assert.Equal((await stack.Stripe.V1.Invoices.GetAsync((await stack.Subscriptions.GetAsync(user, Ct))!.Stripe.LatestInvoiceId, cancellationToken: Ct)).HostedInvoiceUrl, actionUrl);
        Assert.Equal(HttpStatusCode.Redirect, authenticated.Status);
        Assert.Equal(("max", "active", "ok"), (done.Text("tier"), done.Text("status"), done.Text("payment_state")));
        Assert.Null(done.Text("action_url"));
        Assert.True(await stack.Subscriptions.EverPaidAsync(user, Ct));
    }

    [Fact]
    public async Task A_failed_renewal_is_past_due_keeping_the_tier_and_a_retry_with_a_working_card_recovers_it()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, customer) = await stack.ClockCustomerAsync(user, Start, ct: Ct);
        await stack.PayAsync(await stack.CheckoutAsync(user, "max", "monthly"));
        var paid = await stack.SubscriptionAsync(user, Ct);

        await stack.OperatorAsync($"/_emulator/customers/{customer.Id}/cards?outcome=decline");
        await stack.AdvanceAsync(clock, Renewal.AddHours(1), Ct);
        var pastDue = await stack.SubscriptionAsync(user, Ct);
        await stack.OperatorAsync($"/_emulator/customers/{customer.Id}/cards?outcome=succeed");
        await stack.AdvanceAsync(clock, Renewal.AddDays(4), Ct);
        var recovered = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("max", "active"), (paid.Text("tier"), paid.Text("status")));
        Assert.Equal(("max", "past_due", "past_due"), (pastDue.Text("tier"), pastDue.Text("status"), pastDue.Text("payment_state")));
        Assert.Equal(("max", "active", "ok"), (recovered.Text("tier"), recovered.Text("status"), recovered.Text("payment_state")));
        Assert.Equal(new DateTimeOffset(Renewal), recovered.GetProperty("current_period_start").GetDateTimeOffset());
    }

    [Fact]
    public async Task When_the_dunning_schedule_is_exhausted_the_user_falls_back_to_free()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, customer) = await stack.ClockCustomerAsync(user, Start, ct: Ct);
        await stack.OperatorAsync("/_emulator/dunning?retry_days=1,2&after=unpaid");
        await stack.PayAsync(await stack.CheckoutAsync(user, "max", "monthly"));
        var paid = await stack.SubscriptionAsync(user, Ct);

        await stack.OperatorAsync($"/_emulator/customers/{customer.Id}/cards?outcome=insufficient_funds");
        await stack.AdvanceAsync(clock, Renewal.AddHours(1), Ct);
        var retrying = await stack.SubscriptionAsync(user, Ct);
        await stack.AdvanceAsync(clock, Renewal.AddDays(3), Ct);
        var exhausted = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("max", "active"), (paid.Text("tier"), paid.Text("status")));
        Assert.Equal(("max", "past_due"), (retrying.Text("tier"), retrying.Text("status")));
        Assert.Equal(("free", "unpaid", "past_due"), (exhausted.Text("tier"), exhausted.Text("status"), exhausted.Text("payment_state")));
    }
}
