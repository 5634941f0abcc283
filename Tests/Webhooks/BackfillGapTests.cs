using System.Net.Http.Json;
using System.Text.Json;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// Backfill (issue 13, defect 5): every event Stripe still lists that the inbox lacks is found, whatever the inbox
/// holds that is newer, and an event claiming to come from the future moves nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BackfillGapTests(PostgresServerFixture postgres)
{
    private static async Task<string> UpdatePriceAsync(StripeEmulatorFixture stripe, string lookupKey, string nickname)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = stripe.CreateHttpClient();
        var list = await http.GetFromJsonAsync<JsonElement>($"/v1/prices?lookup_keys[]={lookupKey}", ct);
        var id = list.GetProperty("data")[0].GetProperty("id").GetString()!;
        using var response = await http.PostAsync($"/v1/prices/{id}", new FormUrlEncodedContent(new Dictionary<string, string> { ["nickname"] = nickname }), ct);
        response.EnsureSuccessStatusCode();
        return id;
    }

    private static async Task<int> UpdatesAsync(PipelineHarness pipeline) =>
        (await pipeline.Inbox.ListAsync(null, "price.updated", 500, CancellationToken.None)).Count;

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_event_missing_from_before_the_newest_stored_one_is_found()
    {
        // No overlap at all: only a cursor that is not the newest stored event can find the gap.
        await using var pipeline = await PipelineHarness.StartAsync(postgres, workerSettings: new Dictionary<string, string?> { ["Backfill:Overlap"] = "00:00:00" });
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        var before = await UpdatesAsync(pipeline);
        var gateway = pipeline.Stripe.ForwardTo;

        pipeline.Stripe.ForwardTo = null; // the gateway is down
        await UpdatePriceAsync(pipeline.Stripe, "yapit_basic_yearly_v2", "missed");
        await Task.Delay(TimeSpan.FromSeconds(1.5), CancellationToken.None); // Stripe's created has whole seconds
        pipeline.Stripe.ForwardTo = gateway; // back, and a newer event arrives at once
        await UpdatePriceAsync(pipeline.Stripe, "yapit_plus_yearly_v2", "delivered");
        await WaitForAsync(async () => await UpdatesAsync(pipeline) == before + 1, "the newer event is stored");

        Assert.Equal(1, await pipeline.Backfill.RunOnceAsync(CancellationToken.None));
        Assert.Equal(before + 2, await UpdatesAsync(pipeline));
    }

    [Fact]
    public async Task An_event_created_in_the_future_does_not_freeze_backfill()
    {
        await using var pipeline = await PipelineHarness.StartAsync(postgres);
        await pipeline.WaitUntilProcessedAsync(minimum: 20);
        var before = await UpdatesAsync(pipeline);
        var id = SignedEvents.NewId();
        await pipeline.Inbox.InsertAsync(new IncomingEvent(id, "test.from_the_future", "2026-10-28.endive", false, new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero),
            null, null, System.Text.Encoding.UTF8.GetString(SignedEvents.Body(id, "test.from_the_future")), null, null), CancellationToken.None);

        pipeline.Stripe.ForwardTo = null;
        await UpdatePriceAsync(pipeline.Stripe, "yapit_basic_monthly_v2", "missed");

        Assert.Equal(1, await pipeline.Backfill.RunOnceAsync(CancellationToken.None));
        Assert.Equal(before + 1, await UpdatesAsync(pipeline));
    }
}
