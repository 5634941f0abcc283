using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Health;
using Yapit.BillingWorker.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

[Trait("Category", "Integration")]
public sealed class InboxHealthAndMetricsTests(PostgresServerFixture postgres)
{
    private sealed class Monitor(InboxOptions value) : IOptionsMonitor<InboxOptions>
    {
        public InboxOptions CurrentValue => value;
        public InboxOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<InboxOptions, string?> listener) => null;
    }

    [Fact]
    public async Task Health_is_degraded_while_an_event_waits_too_long_and_healthy_once_it_is_done()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("inbox_health"));
        var inbox = new InboxStore(db);
        var check = new InboxHealthCheck(inbox, new Monitor(new InboxOptions { MaxPendingAge = TimeSpan.FromMinutes(5) }), TimeProvider.System);
        var context = new HealthCheckContext();

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, ct)).Status);

        await using (var old = db.CreateCommand("""
            INSERT INTO billing.webhook_inbox (event_id, event_type, livemode, stripe_created, payload, received_at)
            VALUES ('evt_old', 'price.updated', false, now(), '{}', now() - interval '10 minutes')
            """))
        {
            await old.ExecuteNonQueryAsync(ct);
        }
        var degraded = await check.CheckHealthAsync(context, ct);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("oldest unprocessed event", degraded.Description);

        var claimed = Assert.Single(await inbox.ClaimAsync("w", 1, TimeSpan.FromMinutes(1), ct));
        await inbox.CompleteAsync(claimed, InboxStatus.Done, ct);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, ct)).Status);
    }

    [Fact]
    public async Task Intake_counts_outcomes_and_the_worker_records_duration_lag_and_depth()
    {
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("Yapit.Webhooks", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        await using var pipeline = await PipelineHarness.StartAsync(postgres);
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        listener.RecordObservableInstruments();

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Instrument == "yapit.webhooks.received" && (string?)m.Tags["outcome"] == "accepted");
            Assert.Contains(measurements, m => m.Instrument == "yapit.webhooks.processing.duration" && (string?)m.Tags["outcome"] == "done" && (string?)m.Tags["event_type"] == "price.created");
            Assert.Contains(measurements, m => m.Instrument == "yapit.webhooks.lag" && m.Value >= 0);
            Assert.Contains(measurements, m => m.Instrument == "yapit.webhooks.inbox.depth" && (string?)m.Tags["status"] == "dead");
        }
    }
}
