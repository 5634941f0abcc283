using Npgsql;
using Yapit.Billing.Inbox;
using Stripe;
using Yapit.StripeSetup.Cli;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>Signed events from the emulator through the gateway and the inbox to the worker, and back to Stripe.</summary>
[Trait("Category", "Integration")]
public sealed class PipelineTests(PostgresServerFixture postgres)
{
    private static async Task<string> PriceIdAsync(StripeClient client, string lookupKey) =>
        (await client.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [lookupKey] }, cancellationToken: CancellationToken.None)).Data.Single().Id;

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Catalog changes made outside stripe-setup, as in the Dashboard.</summary>
    private static async Task ChangeCatalogOutsideSetupAsync(StripeClient client)
    {
        var basicMonthly = await PriceIdAsync(client, "yapit_basic_monthly_v2");
        var plusYearly = await PriceIdAsync(client, "yapit_plus_yearly_v2");
        await client.V1.Prices.UpdateAsync(basicMonthly, new PriceUpdateOptions { Active = false });
        await client.V1.Prices.UpdateAsync(plusYearly, new PriceUpdateOptions { Active = false });
        await client.V1.Prices.UpdateAsync(basicMonthly, new PriceUpdateOptions { Active = true });
        await client.V1.Products.UpdateAsync("yapit_max", new ProductUpdateOptions { Active = false });
        // The lookup key of Plus monthly moves to a new price the plans table does not know.
        await client.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Currency = "eur", UnitAmount = 2200, Product = "yapit_plus", LookupKey = "yapit_plus_monthly_v2", TransferLookupKey = true,
            Recurring = new PriceRecurringOptions { Interval = "month" },
        });
    }

    private static readonly Dictionary<(string, string), bool> AfterOutsideChanges = new()
    {
        [("basic", "monthly")] = true,
        [("basic", "yearly")] = true,
        [("plus", "monthly")] = false, // its lookup key moved away
        [("plus", "yearly")] = false,  // price deactivated
        [("max", "monthly")] = false,  // product archived
        [("max", "yearly")] = false,
    };

    [Fact]
    public async Task Catalog_contradictions_stop_sales_with_a_reason_and_stripe_setup_puts_them_back()
    {
        await using var pipeline = await PipelineHarness.StartAsync(postgres);
        var client = pipeline.Stripe.CreateClient();
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        Assert.True((await pipeline.AvailabilityAsync()).Values.All(v => v), await pipeline.DescribePlansAsync());

        await ChangeCatalogOutsideSetupAsync(client);
        await WaitForAsync(async () => Same(await pipeline.AvailabilityAsync(), AfterOutsideChanges), "the worker reflects the outside changes");
        await using (var reasons = pipeline.Database.CreateCommand("SELECT monthly_unavailable_reason, yearly_unavailable_reason FROM billing.plans WHERE tier = 'plus'"))
        await using (var row = await reasons.ExecuteReaderAsync(CancellationToken.None))
        {
            Assert.True(await row.ReadAsync(CancellationToken.None));
            Assert.Contains("lookup key 'yapit_plus_monthly_v2' is no longer on price", row.GetString(0));
            Assert.Contains("is inactive in Stripe", row.GetString(1));
        }

        // stripe-setup restores the catalog: the price and the product come back, the key moves home; the worker
        // processes setup's own events and agrees.
        var restore = await pipeline.Setup.ApplyAsync("--replace");
        Assert.True(restore.ExitCode == ExitCodes.Success, restore.ToString());
        await pipeline.WaitUntilProcessedAsync(minimum: 30);
        Assert.True((await pipeline.AvailabilityAsync()).Values.All(v => v), await pipeline.DescribePlansAsync());
        Assert.Contains("No changes.", (await pipeline.Setup.PlanAsync()).Output);
    }

    [Fact]
    public async Task Processing_the_same_event_again_changes_nothing()
    {
        await using var pipeline = await PipelineHarness.StartAsync(postgres);
        var client = pipeline.Stripe.CreateClient();
        await client.V1.Prices.UpdateAsync(await PriceIdAsync(client, "yapit_max_yearly_v2"), new PriceUpdateOptions { Active = false }, cancellationToken: TestContext.Current.CancellationToken);
        await WaitForAsync(async () => !(await pipeline.AvailabilityAsync())[("max", "yearly")], "max yearly is unavailable");
        await pipeline.WaitUntilProcessedAsync(minimum: 21);
        var before = await PlansSnapshotAsync(pipeline.Database);
        var deactivation = (await pipeline.Inbox.ListAsync(InboxStatus.Done, "price.updated", 10, CancellationToken.None)).First();

        Assert.True((await pipeline.Inbox.ReplayAsync(deactivation.Id, CancellationToken.None)).Replayed);
        await WaitForAsync(async () => (await pipeline.Inbox.ListAsync(InboxStatus.Done, "price.updated", 10, CancellationToken.None))
            .Any(e => e.Id == deactivation.Id && e.ProcessedAt > deactivation.ProcessedAt), "the replayed event is processed again");

        Assert.Equal(before, await PlansSnapshotAsync(pipeline.Database));
    }

    [Fact]
    public async Task Chaotic_delivery_ends_in_the_same_state_as_clean_delivery_with_each_event_stored_once()
    {
        await using var clean = await PipelineHarness.StartAsync(postgres);
        await using var chaotic = await PipelineHarness.StartAsync(postgres, new StripeEmulatorSettings
        {
            ChaosRate = 0.6,
            ChaosMaxDelay = TimeSpan.FromMilliseconds(400),
        });

        await Task.WhenAll(
            ChangeCatalogOutsideSetupAsync(clean.Stripe.CreateClient()),
            ChangeCatalogOutsideSetupAsync(chaotic.Stripe.CreateClient()));
        await clean.WaitUntilProcessedAsync(minimum: 26);
        await chaotic.WaitUntilProcessedAsync(minimum: 26);
        await WaitForAsync(async () => Same(await chaotic.AvailabilityAsync(), AfterOutsideChanges), "the chaotic pipeline settles", TimeSpan.FromSeconds(30));

        Assert.True(Same(await clean.AvailabilityAsync(), AfterOutsideChanges));
        Assert.True(Same(await chaotic.AvailabilityAsync(), await clean.AvailabilityAsync()));
        var deliveries = await chaotic.Stripe.GetDeliveriesAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(deliveries.Count > deliveries.Select(d => d.EventId).Distinct().Count(), "chaos delivered some events more than once");
        var stored = await chaotic.Inbox.ListAsync(null, null, 500, CancellationToken.None);
        Assert.Equal(stored.Count, stored.Select(e => e.Id).Distinct().Count());
        Assert.Equal(deliveries.Select(d => d.EventId).Distinct().Order(), stored.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task Backfill_recovers_events_that_were_never_delivered()
    {
        await using var pipeline = await PipelineHarness.StartAsync(postgres, forward: false);
        var client = pipeline.Stripe.CreateClient();
        Assert.Empty(await pipeline.Inbox.ListAsync(null, null, 10, CancellationToken.None));

        var recovered = await pipeline.Backfill.RunOnceAsync(CancellationToken.None);
        Assert.Equal(20, recovered); // everything stripe-setup's first apply caused
        await pipeline.WaitUntilProcessedAsync(minimum: 20);

        await client.V1.Prices.UpdateAsync(await PriceIdAsync(client, "yapit_basic_yearly_v2"), new PriceUpdateOptions { Active = false }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, await pipeline.Backfill.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await pipeline.Backfill.RunOnceAsync(CancellationToken.None));
        await WaitForAsync(async () => !(await pipeline.AvailabilityAsync())[("basic", "yearly")], "the missed deactivation is applied");
        Assert.All(await pipeline.Inbox.ListAsync(null, null, 100, CancellationToken.None), e => Assert.Equal("backfill", e.Source));
    }

    [Fact]
    public async Task One_trace_runs_from_intake_through_processing_to_the_stripe_calls_it_makes()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        await using var pipeline = await PipelineHarness.StartAsync(postgres, otel: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        var client = pipeline.Stripe.CreateClient();
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        var priceId = await PriceIdAsync(client, "yapit_plus_yearly_v2");

        await client.V1.Prices.UpdateAsync(priceId, new PriceUpdateOptions { Nickname = "traced" }, cancellationToken: TestContext.Current.CancellationToken);
        await WaitForAsync(async () => (await pipeline.Inbox.ListAsync(InboxStatus.Done, "price.updated", 10, CancellationToken.None)).Any(), "the update is processed");

        // The newest price.updated is this update's (the catalog's apply emitted others, which may be processed later).
        var updated = (await client.V1.Events.ListAsync(new EventListOptions { Type = "price.updated", Limit = 1 }, cancellationToken: TestContext.Current.CancellationToken)).Data.Single();
        bool IsProcessing(OtlpItem span) => span.Scope == "Yapit.Webhooks.Processing" && span.Name == "process price.updated"
            && span.Attributes.GetValueOrDefault("stripe.event_id") == updated.Id;
        var processing = (await receiver.WaitForAsync(e => e.Signal == "traces" && e.Items.Any(IsProcessing), TimeSpan.FromSeconds(20))).Items.First(IsProcessing);
        var traceId = processing.TraceId!;
        await receiver.WaitForAsync(e => e.Signal == "traces" && e.Items.Any(i => i.TraceId == traceId && i.Scope == "Yapit.Stripe"), TimeSpan.FromSeconds(20));
        var trace = receiver.Exports.Where(e => e.Signal == "traces").SelectMany(e => e.Items).Where(i => i.TraceId == traceId).ToList();

        var intake = Assert.Single(trace.Where(i => i.Scope == "Microsoft.AspNetCore" && i.Attributes.GetValueOrDefault("url.path") == "/v1/billing/webhook").DistinctBy(i => i.SpanId));
        Assert.Equal("POST /v1/billing/webhook", intake.Name);
        var insert = Assert.Single(trace.Where(i => i.Scope == "Yapit.Webhooks.Intake" && i.Name == "inbox insert").DistinctBy(i => i.SpanId));
        Assert.Equal(intake.SpanId, insert.ParentSpanId); // the batch that carried this event (alone here) continues its request
        Assert.Contains(trace, i => i.Scope == "Npgsql" && i.ParentSpanId == insert.SpanId); // the INSERT itself
        Assert.Equal(intake.SpanId, processing.ParentSpanId); // processing continues the intake request
        Assert.Contains(trace, i => i.Scope == "Yapit.Stripe" && i.Name == "stripe GET /v1/prices/{id}"); // the worker's re-read
        Assert.Equal(priceId, processing.Attributes["stripe.object_id"]);
    }

    private static bool Same(Dictionary<(string, string), bool> actual, Dictionary<(string, string), bool> expected) =>
        actual.Count == expected.Count && expected.All(e => actual.TryGetValue(e.Key, out var value) && value == e.Value);

    private static async Task<string> PlansSnapshotAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("SELECT string_agg(row_to_json(p)::text, '|' ORDER BY tier) FROM billing.plans p");
        return (string)(await command.ExecuteScalarAsync(CancellationToken.None))!;
    }
}
