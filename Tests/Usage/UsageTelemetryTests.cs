using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yapit.Billing.Usage;
using Yapit.Tests.Infrastructure;
using static Yapit.Tests.Usage.UsageLedgerHarness;

namespace Yapit.Tests.Usage;

/// <summary>
/// What the ledger reports (source and meter <c>Yapit.Usage</c>): records, checks and refusals by meter, units by
/// waterfall source, debt created and repaid, rollover applied, and spans naming the user and the meter. The test's
/// meter has a name of its own, so measurements of tests running at the same time are not counted here.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsageTelemetryTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_checks_refusals_sources_debt_and_rollover_are_measured_by_meter_and_spans_name_user_and_meter()
    {
        await using var h = await CreateAsync(postgres);
        var meter = "m_" + Guid.NewGuid().ToString("N")[..8];
        await using (var seed = h.DataSource.CreateCommand($"""
            INSERT INTO billing.meters (name, rollover_cap) VALUES ('{meter}', 1000);
            INSERT INTO billing.plan_limits (tier, meter, period_limit) VALUES ('basic', '{meter}', 100);
            """))
        {
            await seed.ExecuteNonQueryAsync(Ct);
        }
        var user = "tel-" + Guid.NewGuid().ToString("N")[..8];
        using var measured = new Measurements(meter);
        using var spans = new Spans(user);

        await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 0), Ct);
        await h.Ledger.GrantCreditsAsync("cs_" + user, user, meter, 50, Ct);
        await h.Ledger.RecordAsync(new UsageRecordRequest(user, meter, 80, "a", null), Ct); // allowance 80
        await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 1), Ct); // 20 unused roll over
        await h.Ledger.RecordAsync(new UsageRecordRequest(user, meter, 200, "b", null), Ct); // allowance 100, rollover 20, purchased 50, debt 30
        await h.Ledger.RecordAsync(new UsageRecordRequest(user, meter, 200, "b", null), Ct); // replayed
        await h.Ledger.CheckAsync(user, meter, 1, Ct); // refused: 30 in debt
        await Assert.ThrowsAsync<UsageLimitExceededException>(() => h.Ledger.ReserveAsync(user, meter, 1, null, null, Ct));
        await h.Ledger.GrantCreditsAsync("cs2_" + user, user, meter, 10, Ct); // repays 10 of the debt
        await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 2), Ct); // nothing unused, nothing repaid
        await h.Ledger.RecordAsync(new UsageRecordRequest(user, meter, 10, "c", null), Ct); // allowance 10
        await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", 3), Ct); // 90 unused: 20 repay the debt, 70 roll over
        await h.Ledger.CheckAsync(user, meter, 70, Ct); // allowed

        Assert.Equal(3, measured.Sum("yapit.usage.records", ("outcome", "applied")));
        Assert.Equal(1, measured.Sum("yapit.usage.records", ("outcome", "replayed")));
        Assert.Equal(190, measured.Sum("yapit.usage.units", ("source", "allowance")));
        Assert.Equal(20, measured.Sum("yapit.usage.units", ("source", "rollover")));
        Assert.Equal(50, measured.Sum("yapit.usage.units", ("source", "purchased")));
        Assert.Equal(30, measured.Sum("yapit.usage.units", ("source", "debt")));
        Assert.Equal(30, measured.Sum("yapit.usage.debt_created"));
        Assert.Equal(10, measured.Sum("yapit.usage.debt_repaid", ("by", "credit_pack")));
        Assert.Equal(20, measured.Sum("yapit.usage.debt_repaid", ("by", "renewal")));
        Assert.Equal(20 + 70, measured.Sum("yapit.usage.rolled_over"));
        Assert.Equal(60, measured.Sum("yapit.usage.credits_granted"));
        Assert.Equal((1, 1), (measured.Sum("yapit.usage.checks", ("outcome", "refused")), measured.Sum("yapit.usage.checks", ("outcome", "allowed"))));
        Assert.Equal((1, 1), (measured.Sum("yapit.usage.refusals", ("operation", "check")), measured.Sum("yapit.usage.refusals", ("operation", "reserve"))));
        Assert.Equal(4, measured.Sum("yapit.usage.renewals", ("trial", false))); // the free month the plan took over from, periods 0, 1 and 2

        var names = spans.All.Select(s => s.DisplayName).ToList();
        Assert.Equal(4, names.Count(n => n == "usage record"));
        Assert.Equal(2, names.Count(n => n == "usage check"));
        Assert.Contains("usage reserve", names);
        Assert.Contains("usage grant credits", names);
        Assert.Contains("usage apply plan", names);
        Assert.All(spans.All.Where(s => s.DisplayName != "usage apply plan"), s => Assert.Equal(meter, s.GetTagItem("yapit.meter")));
        Assert.Contains(spans.All, s => s.DisplayName == "usage record" && s.GetTagItem("yapit.usage.replayed") is true);
        Assert.Contains(spans.All, s => s.DisplayName == "usage check" && s.GetTagItem("yapit.usage.allowed") is false);
    }

    /// <summary>Sums of the Yapit.Usage instruments' measurements whose meter tag is <c>meter</c>.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _seen = new();

        public Measurements(string meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == UsageTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var copy = tags.ToArray();
                if (copy.Any(t => t.Key == "meter" && Equals(t.Value, meter)))
                {
                    _seen.Enqueue((instrument.Name, value, copy));
                }
            });
            _listener.Start();
        }

        public long Sum(string instrument, params (string Key, object Value)[] tags) => _seen
            .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(x => x.Key == t.Key && Equals(x.Value, t.Value))))
            .Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>The Yapit.Usage spans of one user.</summary>
    private sealed class Spans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public Spans(string user)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == UsageTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (Equals(activity.GetTagItem("yapit.user_id"), user))
                    {
                        _stopped.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> All => [.. _stopped];

        public void Dispose() => _listener.Dispose();
    }
}
