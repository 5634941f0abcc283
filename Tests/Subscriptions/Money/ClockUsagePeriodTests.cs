using System.Net.Http.Json;
using System.Text.Json;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>
/// Test clocks drive usage periods in test mode, and every period is renewed once however far a clock jumps
/// (docs/billing-rules.md): a yearly plan's monthly allowance resets when its customer's clock passes a month.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClockUsagePeriodTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Before today's real date, so wall-clock time alone would already be past every period here.
    private static readonly DateTime Start = new(2026, 1, 15, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Advancing_a_yearly_subscribers_clock_by_a_month_starts_the_next_monthly_allowance_with_the_rollover()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "basic", "yearly", ct: Ct);
        var spent = await stack.Service().PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":1000000,"idempotency_key":"month1-{{user}}"}""", Ct);
        var first = await PeriodAsync(stack, user);

        await stack.AdvanceAsync(clock, Start.AddMonths(1).AddHours(1), Ct);
        var second = await PeriodAsync(stack, user);
        var usage = await stack.MeterAsync(user, ct: Ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, spent.Status);
        Assert.Equal((new DateTimeOffset(Start), new DateTimeOffset(Start.AddMonths(1))), first);
        Assert.Equal((new DateTimeOffset(Start.AddMonths(1)), new DateTimeOffset(Start.AddMonths(2))), second);
        Assert.Equal(("basic", 0L, 4_000_000L), (usage.Tier, usage.Used, usage.Rollover));
    }

    [Fact]
    public async Task A_yearly_clock_jumping_fourteen_months_in_one_step_renews_each_month_once()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "basic", "yearly", ct: Ct);

        await stack.AdvanceAsync(clock, Start.AddMonths(14).AddHours(1), Ct);
        var period = await PeriodAsync(stack, user);
        await stack.Service().PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":1,"idempotency_key":"m15-{{user}}"}""", Ct);
        await using var command = stack.Pipeline.Database.CreateCommand("SELECT count(*) FROM billing.usage_renewals WHERE user_id = $1 AND meter = 'tokens'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = user });
        var renewals = (long)(await command.ExecuteScalarAsync(Ct))!;

        Assert.Equal((new DateTimeOffset(Start.AddMonths(14)), new DateTimeOffset(Start.AddMonths(15))), period);
        Assert.Equal(14, renewals);
    }

    private static async Task<(DateTimeOffset Start, DateTimeOffset End)> PeriodAsync(BillingStackHarness stack, string user)
    {
        var body = await stack.User(user).GetFromJsonAsync<JsonElement>("/v1/usage", Ct);
        return (body.GetProperty("period_start").GetDateTimeOffset(), body.GetProperty("period_end").GetDateTimeOffset());
    }
}
