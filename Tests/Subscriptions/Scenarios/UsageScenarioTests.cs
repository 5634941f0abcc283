using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Stripe.Checkout;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>
/// The usage rules through the whole stack: Stripe (the emulator, on a test clock) drives the periods, the worker
/// applies them, Yapit's services record through the gateway with the service key, and the user reads their balances.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsageScenarioTests(PostgresServerFixture postgres)
{
    private const long PlusTokens = 10_000_000;
    private const long PlusVoice = 1_000_000;
    private const long Pack = 5_000_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_subscribes_spends_renews_with_rollover_goes_into_debt_buys_a_pack_cancels_and_still_spends_their_credits()
    {
        // Half of the deliveries are duplicated (and some delayed): every step must still count once.
        await using var stack = await BillingStackHarness.StartAsync(postgres, chaosRate: 0.5);
        var user = BillingStackHarness.NewUserId();
        var start = new DateTime(2026, 4, 10, 12, 0, 0, DateTimeKind.Utc);
        var (clock, customer) = await stack.ClockCustomerAsync(user, start, ct: Ct);
        var service = stack.Service();
        var me = stack.User(user);

        // 1. Subscribes to Plus (monthly), directly in Stripe for the user's linked customer.
        var price = (await stack.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_plus_monthly_v2"] }, cancellationToken: Ct)).Single();
        var subscription = await stack.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = price.Id }],
            Metadata = new Dictionary<string, string> { ["user_id"] = user },
        }, cancellationToken: Ct);
        await stack.SettleAsync(Ct);
        var subscribed = await UsageAsync(me);
        Assert.Equal(("plus", At(start), At(start.AddMonths(1))), (subscribed.Tier, subscribed.PeriodStart, subscribed.PeriodEnd));
        Assert.Equal(new Meter(PlusTokens, 0, PlusTokens, 0, 0, 0, PlusTokens), subscribed.Tokens);

        // 2. Spends 4M tokens: one record, then a batch of two, one of them a retry of the first (applied once).
        var first = await RecordAsync(service, user, 3_000_000, "synth-1");
        var batch = await service.PostAsJsonAsync("/v1/usage/records", new
        {
            records = new[]
            {
                new { user_id = user, meter = "tokens", amount = 3_000_000L, idempotency_key = "synth-1", reference = "doc-1" },
                new { user_id = user, meter = "tokens", amount = 1_000_000L, idempotency_key = "synth-2", reference = "doc-2" },
            },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        var results = (await batch.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("records");
        Assert.Equal((false, true, false), (first.GetProperty("replayed").GetBoolean(), results[0].GetProperty("replayed").GetBoolean(), results[1].GetProperty("replayed").GetBoolean()));
        Assert.Equal(new Meter(PlusTokens, 4_000_000, 6_000_000, 0, 0, 0, 6_000_000), (await UsageAsync(me)).Tokens);
        var history = await me.GetFromJsonAsync<JsonElement>("/v1/usage/history", Ct);
        Assert.Equal(new (string?, long)[] { ("doc-2", 1_000_000L), ("synth-1", 3_000_000L) }, // the replay kept the first record's reference
            history.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("reference").GetString(), g.GetProperty("amount").GetInt64())).OrderBy(g => g.Item1, StringComparer.Ordinal));

        // 3. Renews on the clock: the unused 6M tokens and the whole 1M voice characters roll over (voice to its cap),
        // once, though the cycle's events arrive several times and the subscription is synced again on top.
        await stack.AdvanceAsync(clock, start.AddMonths(1).AddHours(1), Ct);
        var sync = stack.Pipeline.Worker.Services.GetRequiredService<SubscriptionSync>();
        await sync.SyncAsync(subscription.Id, new ChangeReason("a late duplicate delivery"), Ct);
        await sync.SyncAsync(subscription.Id, new ChangeReason("a late duplicate delivery"), Ct);
        var renewed = await UsageAsync(me);
        Assert.Equal(("plus", At(start.AddMonths(1)), At(start.AddMonths(2))), (renewed.Tier, renewed.PeriodStart, renewed.PeriodEnd));
        Assert.Equal(new Meter(PlusTokens, 0, PlusTokens, 6_000_000, 0, 0, PlusTokens + 6_000_000), renewed.Tokens);
        Assert.Equal(new Meter(PlusVoice, 0, PlusVoice, PlusVoice, 0, 0, 2 * PlusVoice), renewed.Voice);
        Assert.Equal(2, await CountAsync(stack, $"SELECT count(*) FROM billing.usage_renewals WHERE user_id = '{user}' AND period_start = '{At(start):O}'"));

        // 4. Overspends: the allowance, then the rollover, and the rest (4M) becomes debt; a check is then refused.
        var overspent = await RecordAsync(service, user, 20_000_000, "extract-1");
        Assert.Equal((PlusTokens, 6_000_000L, 0L, 4_000_000L), Breakdown(overspent));
        Assert.Equal(new Meter(PlusTokens, PlusTokens, 0, 0, 0, 4_000_000, 0), (await UsageAsync(me)).Tokens);
        var refused = await service.PostAsJsonAsync("/v1/usage/check", new { user_id = user, meter = "tokens", amount = 1 }, Ct);
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((0L, 4_000_000L), (problem.GetProperty("available").GetInt64(), problem.GetProperty("debt").GetInt64()));

        // 5. Buys a 5M token pack while in debt. POST /v1/billing/credits/checkout creates exactly this payment-mode
        // Checkout Session (the pack's price, the user's customer, metadata user_id, pack, meter, quantity); the
        // worker's SubscriptionEventHandler grants it on checkout.session.completed: 4M repay the debt, 1M purchased.
        var packPrice = (await stack.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_tokens_5m_v1"] }, cancellationToken: Ct)).Single();
        var session = await stack.Stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            Customer = customer.Id,
            ClientReferenceId = user,
            LineItems = [new SessionLineItemOptions { Price = packPrice.Id, Quantity = 1 }],
            Metadata = new Dictionary<string, string>
            {
                ["user_id"] = user,
                ["pack"] = "yapit_tokens_5m_v1",
                ["meter"] = "tokens",
                ["quantity"] = Pack.ToString(CultureInfo.InvariantCulture),
            },
            SuccessUrl = "http://app.yapit.test/billing/credits?done=1",
        }, cancellationToken: Ct);
        using var browser = stack.Pipeline.Stripe.Browser();
        var paid = await StripeNetHarness.PostFormAsync(browser, $"/_emulator/checkout/{session.Id}/complete", ("card", "pm_card_visa"));
        Assert.Equal(HttpStatusCode.OK, paid.Status);
        await stack.SettleAsync(Ct);
        Assert.Equal(new Meter(PlusTokens, PlusTokens, 0, 0, 1_000_000, 0, 1_000_000), (await UsageAsync(me)).Tokens);
        var again = await stack.Pipeline.Worker.Services.GetRequiredService<UsageLedger>().GrantCreditsAsync(session.Id, user, "tokens", Pack, Ct);
        Assert.True(again.AlreadyGranted);
        Assert.Equal(1_000_000, (await UsageAsync(me)).Tokens.Purchased);

        // 6. Cancels: the subscription is deleted, the free tier follows, the purchased credits stay.
        await stack.Stripe.V1.Subscriptions.CancelAsync(subscription.Id, cancellationToken: Ct);
        await stack.SettleAsync(Ct);
        var canceled = await UsageAsync(me);
        Assert.Equal("free", canceled.Tier);
        Assert.Equal(new Meter(0, 0, 0, 0, 1_000_000, 0, 1_000_000), canceled.Tokens);

        // 7. Still spends the credits; what is spent beyond them is debt again.
        var fromCredits = await RecordAsync(service, user, 600_000, "synth-after-cancel-1");
        var beyond = await RecordAsync(service, user, 500_000, "synth-after-cancel-2");
        Assert.Equal((0L, 0L, 600_000L, 0L), Breakdown(fromCredits));
        Assert.Equal((0L, 0L, 400_000L, 100_000L), Breakdown(beyond));
        Assert.Equal(new Meter(0, 0, 0, 0, 0, 100_000, 0), (await UsageAsync(me)).Tokens);
    }

    private sealed record Meter(long? Limit, long Used, long? Remaining, long Rollover, long Purchased, long Debt, long? Available);

    private sealed record Summary(string Tier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, Meter Tokens, Meter Voice);

    private static DateTimeOffset At(DateTime utc) => new(utc, TimeSpan.Zero);

    private static async Task<Summary> UsageAsync(HttpClient user)
    {
        var body = await user.GetFromJsonAsync<JsonElement>("/v1/usage", Ct);
        Meter Of(string name)
        {
            var m = body.GetProperty("meters").EnumerateArray().Single(x => x.GetProperty("meter").GetString() == name);
            static long? N(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt64();
            return new Meter(N(m.GetProperty("limit")), m.GetProperty("used").GetInt64(), N(m.GetProperty("remaining")), m.GetProperty("rollover").GetInt64(),
                m.GetProperty("purchased").GetInt64(), m.GetProperty("debt").GetInt64(), N(m.GetProperty("available")));
        }
        return new Summary(body.GetProperty("tier").GetString()!, body.GetProperty("period_start").GetDateTimeOffset(), body.GetProperty("period_end").GetDateTimeOffset(),
            Of("tokens"), Of("voice_chars"));
    }

    private static async Task<JsonElement> RecordAsync(HttpClient service, string user, long amount, string key)
    {
        var response = await service.PostAsJsonAsync("/v1/usage/records", new { user_id = user, meter = "tokens", amount, idempotency_key = key, reference = key }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static (long, long, long, long) Breakdown(JsonElement record)
    {
        var b = record.GetProperty("breakdown");
        return (b.GetProperty("from_allowance").GetInt64(), b.GetProperty("from_rollover").GetInt64(), b.GetProperty("from_purchased").GetInt64(), b.GetProperty("to_debt").GetInt64());
    }

    private static async Task<long> CountAsync(BillingStackHarness stack, string sql)
    {
        await using var command = stack.Pipeline.Database.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }
}
