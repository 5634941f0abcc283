using System.Net;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Subscriptions.Scenarios;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>
/// Rule 4 and "every period is renewed once" (docs/billing-rules.md): rollover only from paid periods that were not
/// refunded, and every period renewed however far the clock (or a late worker) jumps.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RenewalRulesTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 4, 1, 8, 0, 0, DateTimeKind.Utc);
    private const long BasicTokens = 5_000_000;

    [Fact]
    public async Task A_clock_advanced_forty_days_in_one_step_renews_the_paid_month_in_between()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "basic", "monthly", trialDays: 3, ct: Ct);

        await stack.AdvanceAsync(clock, Start.AddDays(40), Ct);
        var usage = await stack.MeterAsync(user, ct: Ct);
        var subscription = await stack.SubscriptionAsync(user, Ct);

        Assert.Equal(("basic", "active"), (subscription.Text("tier"), subscription.Text("status")));
        // The trial rolls nothing over; the first paid month's unused 5M does, once.
        Assert.Equal(("basic", BasicTokens, 0L, BasicTokens), (usage.Tier, usage.Limit, usage.Used, usage.Rollover));
    }

    [Fact]
    public async Task A_clock_advanced_past_an_unpaid_first_month_rolls_none_of_it_over()
    {
        // Found by the property test (YAPIT_MONEY_SEED=1570094524): the trial's first invoice needs authentication,
        // the clock jumps past the whole month, and the month in between was renewed as if it had been paid.
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "basic", "monthly", trialDays: 3, ct: Ct);
        await stack.OperatorAsync($"/_emulator/customers/{subscription.CustomerId}/cards?outcome=authentication_required");

        await stack.AdvanceAsync(clock, Start.AddDays(40), Ct);
        var shown = await stack.SubscriptionAsync(user, Ct);
        var usage = await stack.MeterAsync(user, ct: Ct);

        Assert.Equal("past_due", shown.Text("status"));
        // Neither the trial nor the month whose invoice was never paid rolls anything over.
        Assert.Equal(("basic", 0L), (usage.Tier, usage.Rollover));
    }

    [Fact]
    public async Task A_period_that_went_past_due_and_ended_canceled_rolls_nothing_over()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "basic", "monthly", ct: Ct);
        var renewal = Start.AddMonths(1);

        await stack.OperatorAsync($"/_emulator/customers/{subscription.CustomerId}/cards?outcome=decline");
        await stack.AdvanceAsync(clock, renewal.AddHours(1), Ct);
        var pastDue = await stack.SubscriptionAsync(user, Ct);
        var dunning = await stack.MeterAsync(user, ct: Ct);
        await stack.AdvanceAsync(clock, renewal.AddDays(8), Ct);
        var ended = await stack.SubscriptionAsync(user, Ct);
        var usage = await stack.MeterAsync(user, ct: Ct);

        Assert.Equal(("basic", "past_due"), (pastDue.Text("tier"), pastDue.Text("status")));
        Assert.Equal(BasicTokens, dunning.Rollover); // the paid first month rolled over
        Assert.Equal(("free", "canceled"), (ended.Text("tier"), ended.Text("status")));
        Assert.Equal(("free", BasicTokens), (usage.Tier, usage.Rollover)); // the unpaid second month did not
    }

    [Fact]
    public async Task Monthly_to_yearly_mid_month_credits_the_unused_days_and_rolls_none_of_that_months_allowance_over()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "max", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        var spent = await stack.Service().PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":1000000,"idempotency_key":"pre-switch-{{user}}"}""", Ct);

        var (status, changed) = await stack.ChangeAsync(user, "max", "yearly", Ct);
        await stack.SettleAsync(Ct);
        var tokens = await stack.MeterAsync(user, ct: Ct);
        var voice = await stack.MeterAsync(user, "voice_chars", Ct);

        Assert.Equal(HttpStatusCode.OK, spent.Status);
        Assert.Equal((HttpStatusCode.OK, "interval_switch"), (status, changed.Text("classification")));
        // The 20 unused days are credited by Stripe: their allowance is neither rolled over nor kept; the year's first
        // month starts with its full allowance.
        Assert.Equal(("max", 15_000_000L, 0L, 0L), (tokens.Tier, tokens.Limit, tokens.Used, tokens.Rollover));
        Assert.Equal(0, voice.Rollover);
    }
}
