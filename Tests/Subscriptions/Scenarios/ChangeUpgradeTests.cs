using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>An upgrade mid-period: previewed, made at once, its proration invoiced and paid now; bad requests refused.</summary>
[Trait("Category", "Integration")]
public sealed class ChangeUpgradeTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Clocks run after today's real date: grace and other decisions in effect are judged against real time.
    private static readonly DateTime Start = new(2027, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Stripe prorates by the second, rounding to the cent.</summary>
    private static long Prorate(long amount, DateTime at, DateTime start, DateTime end) =>
        (long)Math.Round((decimal)amount * (long)(end - at).TotalSeconds / (long)(end - start).TotalSeconds, MidpointRounding.AwayFromZero);

    [Fact]
    public async Task An_upgrade_mid_period_is_previewed_then_made_at_once_with_the_proration_invoiced_and_paid_now()
    {
        using var metrics = new MetricCollector("yapit.subscriptions.plan_changes");
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var (clock, subscription) = await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        var midPeriod = Start.AddDays(15);
        await stack.AdvanceAsync(clock, midPeriod, Ct);
        var periodEnd = Start.AddMonths(1);
        var expected = Prorate(4000, midPeriod, Start, periodEnd) - Prorate(2000, midPeriod, Start, periodEnd);

        var (previewStatus, preview) = await stack.PreviewAsync(user, "max", "monthly", Ct);
        var (status, changed) = await stack.ChangeAsync(user, "max", "monthly", Ct);
        await stack.SettleAsync(Ct);
        var inStripe = await stack.StripeSubscriptionAsync(subscription.Id, Ct);
        var invoice = await stack.Stripe.V1.Invoices.GetAsync(inStripe.LatestInvoiceId, cancellationToken: Ct);
        var after = await stack.SubscriptionAsync(user, Ct);
        var history = await stack.HistoryAsync(user, Ct);

        Assert.Equal(HttpStatusCode.OK, previewStatus);
        Assert.Equal(("upgrade", "now_with_proration"), (preview.Text("classification"), preview.Text("timing")));
        Assert.Equal(1033, expected);
        Assert.Equal(expected, preview.GetProperty("amount_due_now").GetInt64());
        Assert.Equal(4000, preview.GetProperty("next_invoice").GetProperty("amount").GetInt64());
        Assert.Equal(new DateTimeOffset(periodEnd), preview.GetProperty("next_invoice").GetProperty("date").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("upgrade", "ok"), (changed.Text("classification"), changed.GetProperty("payment").Text("state")));
        Assert.Equal(expected, changed.GetProperty("payment").GetProperty("amount_due").GetInt64());
        Assert.Equal("max", changed.GetProperty("subscription").Text("tier"));
        Assert.Equal(("subscription_update", "paid", expected), (invoice.BillingReason, invoice.Status, invoice.AmountPaid));
        Assert.Equal(await stack.PriceIdAsync("max", "monthly", Ct), inStripe.Items.Data.Single().Price.Id);
        Assert.Equal(("max", "max", "active"), (after.Text("tier"), after.Text("subscribed_tier"), after.Text("status")));
        Assert.Equal(new DateTimeOffset(periodEnd), after.GetProperty("current_period_end").GetDateTimeOffset());
        Assert.Contains(history, h => h.Change == "plan_change" && h.RequestId == changed.Text("request_id"));
        Assert.Contains(("upgrade", "now_with_proration"), metrics.Tags("direction", "timing"));
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_problem_naming_the_field_or_state()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var stranger = BillingStackHarness.NewUserId();
        await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);

        var weekly = await stack.ChangeAsync(user, "plus", "weekly", Ct);
        var gold = await stack.PreviewAsync(user, "gold", "monthly", Ct);
        var empty = await stack.PostAsync(user, "/v1/billing/subscription/change", new { }, Ct);
        var none = await stack.ChangeAsync(stranger, "max", "monthly", Ct);
        var noCancel = await stack.PostAsync(stranger, "/v1/billing/subscription/cancel", new { at_period_end = true }, Ct);
        using var anonymous = stack.Pipeline.Gateway.CreateRealClient();
        using var unauthenticated = await anonymous.PostAsync("/v1/billing/subscription/change", JsonContent("{\"tier\":\"max\",\"interval\":\"monthly\"}"), Ct);
        using var malformed = await stack.User(user).PostAsync("/v1/billing/subscription/change", JsonContent("{\"tier\":"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, weekly.Status);
        Assert.Contains("weekly", weekly.Body.GetProperty("errors").GetProperty("interval")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, gold.Status);
        Assert.Contains("gold", gold.Body.GetProperty("errors").GetProperty("tier")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.True(empty.Body.GetProperty("errors").TryGetProperty("tier", out _));
        Assert.Equal(HttpStatusCode.NotFound, none.Status);
        Assert.Contains("checkout", none.Body.Text("detail"));
        Assert.Equal(HttpStatusCode.NotFound, noCancel.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    /// <summary>The measurements of one instrument of the Yapit.Subscriptions meter while it lives (the services run in this process).</summary>
    private sealed class MetricCollector : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<KeyValuePair<string, object?>[]> _measurements = new();

        public MetricCollector(string instrument)
        {
            _listener.InstrumentPublished = (published, listener) =>
            {
                if (published.Meter.Name == "Yapit.Subscriptions" && published.Name == instrument)
                {
                    listener.EnableMeasurementEvents(published);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) => _measurements.Enqueue(tags.ToArray()));
            _listener.Start();
        }

        public List<(string?, string?)> Tags(string first, string second) =>
            _measurements.Select(tags => (Find(tags, first), Find(tags, second))).ToList();

        private static string? Find(KeyValuePair<string, object?>[] tags, string key) => tags.FirstOrDefault(t => t.Key == key).Value as string;

        public void Dispose() => _listener.Dispose();
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
