using System.Text.Json;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>
/// The same plan-change scenario with clean delivery and with half the deliveries duplicated, delayed and reordered:
/// the stored state, the customer's facts and the requests on record end the same.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ChaosTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 8, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Duplicated_and_delayed_deliveries_end_in_the_same_state_as_clean_delivery()
    {
        var clean = await RunAsync(chaosRate: 0);
        var chaos = await RunAsync(chaosRate: 0.5);

        Assert.Equal(0, clean.Duplicates);
        Assert.True(chaos.Duplicates > 5, $"chaos mode duplicated {chaos.Duplicates} deliveries");
        Assert.Equal(clean.State, chaos.State);
        Assert.Equal(clean.Customer, chaos.Customer);
        Assert.Equal(clean.Requests, chaos.Requests);
        Assert.Equal(clean.View, chaos.View);
        // The scenario ends where it should: basic after the renewal, canceling at the end of the second period.
        Assert.Contains("tier=basic", clean.State);
        Assert.Contains("cancel_at_period_end=t ", clean.State);
    }

    private sealed record Outcome(string State, string Customer, string Requests, string View, int Duplicates);

    private async Task<Outcome> RunAsync(double chaosRate)
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, chaosRate: chaosRate);
        var user = BillingStackHarness.NewUserId();
        var (clock, _) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.AdvanceAsync(clock, Start.AddDays(10), Ct);
        await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        await stack.ChangeAsync(user, "basic", "monthly", Ct);
        await stack.SettleAsync(Ct);
        await stack.AdvanceAsync(clock, Start.AddMonths(1).AddHours(1), Ct);
        await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        await stack.SettleAsync(Ct);
        await stack.PostAsync(user, "/v1/billing/subscription/reactivate", null, Ct);
        await stack.SettleAsync(Ct);
        await stack.PostAsync(user, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        await stack.SettleAsync(Ct);
        // Let delayed copies arrive and be processed too.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        await stack.SettleAsync(Ct);

        var state = await RowAsync(stack, """
            SELECT format('tier=%s interval=%s status=%s period=%s..%s trial_end=%s cancel_at_period_end=%s cancel_at=%s ended_at=%s payment=%s grace=%s/%s pending=%s/%s',
                          tier, billing_interval, status, current_period_start, current_period_end, trial_end, cancel_at_period_end, cancel_at, ended_at,
                          payment_state, grace_tier, grace_until, pending_tier, pending_interval)
            FROM billing.subscriptions WHERE user_id = $1
            """, user);
        var customer = await RowAsync(stack, "SELECT format('highest=%s ever_paid=%s', highest_tier_subscribed, ever_paid) FROM billing.customers WHERE user_id = $1", user);
        var requests = string.Join("; ", (await stack.HistoryAsync(user, Ct)).Where(h => h.RequestId is not null && h.Change is "plan_change" or "cancel" or "reactivate")
            .Select(h => $"{h.Change} {h.Reason}"));
        var view = await stack.SubscriptionAsync(user, Ct);
        var duplicates = (await stack.Pipeline.Stripe.GetDeliveriesAsync(cancellationToken: Ct)).Count(d => d.Duplicate);
        return new Outcome(state, customer, requests, JsonSerializer.Serialize(view), duplicates);
    }

    private static async Task<string> RowAsync(BillingStackHarness stack, string sql, string user)
    {
        await using var command = stack.Pipeline.Database.CreateCommand(sql);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = user });
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }
}
