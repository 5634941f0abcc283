using Npgsql;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Webhooks;

namespace Yapit.Tests.Defaults;

/// <summary>
/// The dashboard's Traces page shows what happened, not the worker waiting: an inbox poll that claims nothing leaves
/// no trace (it polls every Inbox:PollInterval), a claim that takes events is one span linked to their traces, and
/// the poll's statements still count in Npgsql's metrics.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IdlePollTraceTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task An_idle_inbox_poll_exports_no_span_and_a_claim_that_took_events_one_span_linked_to_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        var otel = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
        };
        await using var pipeline = await PipelineHarness.StartAsync(postgres, otel: otel);
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        var database = new NpgsqlConnectionStringBuilder(pipeline.ConnectionString).Database!;

        // The worker polls every 200 ms here (PipelineHarness): ten idle polls and more.
        await Task.Delay(TimeSpan.FromSeconds(2.5), ct);

        // Only this worker's database: the process's other tests run workers too, and every tracer provider in the
        // process hears every Npgsql span.
        var spans = receiver.Exports.Where(e => e.Signal == "traces" && e.HasService("billing-worker"))
            .SelectMany(e => e.Items).DistinctBy(span => span.SpanId).ToList();
        var claimStatements = spans.Where(span => span.Scope == "Npgsql"
            && span.Attributes.Values.Contains(database)
            && span.Attributes.Values.Any(value => value.Contains("FOR UPDATE OF i SKIP LOCKED", StringComparison.Ordinal))).ToList();
        Assert.Empty(claimStatements);
        var claims = spans.Where(span => span.Scope == "Yapit.Webhooks.Processing" && span.Name == "inbox claim").ToList();
        Assert.NotEmpty(claims);
        Assert.All(claims, claim => Assert.True(int.Parse(claim.Attributes["messaging.batch.message_count"], System.Globalization.CultureInfo.InvariantCulture) > 0));
        Assert.Contains(claims, claim => claim.Attributes.ContainsKey("yapit.worker.id"));
        Assert.Contains(receiver.Exports, e => e.Signal == "metrics" && e.HasService("billing-worker") && e.Items.Any(metric => metric.Name.StartsWith("db.client.", StringComparison.Ordinal)));
    }
}
