using Stripe;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Webhooks;

namespace Yapit.Tests.Defaults;

/// <summary>
/// A webhook's journey is one trace, as the Aspire dashboard shows it: the emulator's delivery (its own span and the
/// HttpClient POST within), the gateway's intake request, the worker's processing of the stored event.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WebhookTraceTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task The_emulators_delivery_starts_the_trace_the_gateway_and_worker_continue()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        var otel = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
        await using var pipeline = await PipelineHarness.StartAsync(postgres,
            emulator: new StripeEmulatorSettings { Settings = new Dictionary<string, string?>(otel) { ["OTEL_SERVICE_NAME"] = "stripe" } },
            otel: otel);
        var client = pipeline.Stripe.CreateClient();
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        var price = (await client.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_basic_monthly_v2"] }, cancellationToken: ct)).Data.Single();

        await client.V1.Prices.UpdateAsync(price.Id, new PriceUpdateOptions { Nickname = "traced delivery" }, cancellationToken: ct);

        // Stripe lists events newest first: this is the update's (the catalog's apply emitted others of the type).
        var updated = (await client.V1.Events.ListAsync(new EventListOptions { Type = "price.updated", Limit = 1 }, cancellationToken: ct)).Data.Single();
        Assert.Equal(price.Id, ((Price)updated.Data.Object).Id);
        bool IsProcessing(OtlpItem span) => span.Scope == "Yapit.Webhooks.Processing" && span.Attributes.GetValueOrDefault("stripe.event_id") == updated.Id;
        var processing = (await receiver.WaitForAsync(e => e.Signal == "traces" && e.Items.Any(IsProcessing), TimeSpan.FromSeconds(20))).Items.First(IsProcessing);
        var traceId = processing.TraceId!;
        static bool IsDelivery(OtlpItem span) => span.Scope == "StripeEmulator.Webhooks";
        await receiver.WaitForAsync(e => e.Signal == "traces" && e.Items.Any(i => i.TraceId == traceId && IsDelivery(i)), TimeSpan.FromSeconds(20));
        var exports = receiver.Exports.Where(e => e.Signal == "traces").ToList();
        var trace = exports.SelectMany(e => e.Items).Where(i => i.TraceId == traceId).DistinctBy(i => (i.Scope, i.SpanId)).ToList();

        // The emulator's span, exported under its own service name, is the trace's root: not a child of the API request
        // that created the event (Stripe's deliveries start their own traces).
        var delivery = Assert.Single(trace, IsDelivery);
        Assert.Equal("webhook deliver price.updated", delivery.Name);
        Assert.Null(delivery.ParentSpanId);
        Assert.Equal(updated.Id, delivery.Attributes["stripe.event_id"]);
        Assert.Equal("price.updated", delivery.Attributes["stripe.event_type"]);
        Assert.Equal("1", delivery.Attributes["stripe.webhook.attempt"]);
        Assert.Equal("forward-to", delivery.Attributes["stripe.webhook.endpoint_id"]);
        Assert.Contains(exports, e => e.Batches.Any(b => b.Attributes.GetValueOrDefault("service.name") == "stripe" && b.Items.Any(i => i.SpanId == delivery.SpanId)));

        // The POST is the delivery's child, the gateway's request the POST's, the worker's processing the request's.
        var post = Assert.Single(trace.Where(i => i.Scope == "System.Net.Http" && i.ParentSpanId == delivery.SpanId).DistinctBy(i => i.SpanId));
        Assert.Equal("POST", post.Name);
        var intake = Assert.Single(trace.Where(i => i.Scope == "Microsoft.AspNetCore" && i.Attributes.GetValueOrDefault("url.path") == "/v1/billing/webhook").DistinctBy(i => i.SpanId));
        Assert.Equal(post.SpanId, intake.ParentSpanId);
        Assert.Equal(intake.SpanId, processing.ParentSpanId);
        Assert.Equal("process price.updated", processing.Name);
        Assert.Equal(price.Id, processing.Attributes["stripe.object_id"]);
        Assert.Contains(await pipeline.Inbox.ListAsync(InboxStatus.Done, "price.updated", 10, ct), e => e.ObjectId == price.Id);
    }
}
