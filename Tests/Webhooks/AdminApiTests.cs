using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

[Trait("Category", "Integration")]
public sealed class AdminApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static HttpRequestMessage Admin(HttpMethod method, string path, string? key = GatewayFixture.AdminKey)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    [InlineData("admin-test-key-012345678")]
    public async Task Without_the_admin_key_the_api_answers_401(string? key)
    {
        var ct = TestContext.Current.CancellationToken;
        using var list = await fixture.Client.SendAsync(Admin(HttpMethod.Get, "/v1/admin/events", key), ct);
        using var replay = await fixture.Client.SendAsync(Admin(HttpMethod.Post, "/v1/admin/events/evt_1/replay", key), ct);

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal("Bearer", list.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Operators_list_dead_letters_and_replay_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var inbox = new InboxStore(fixture.Database);
        var body = SignedEvents.Body(type: "invoice.payment_failed", objectId: "in_admin_test");
        using (await fixture.Client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct))
        {
        }
        var id = SignedEvents.EventId(body);
        var claimed = await inbox.ClaimAsync("test-worker", 100, TimeSpan.FromMinutes(1), ct);
        Assert.Contains(claimed, c => c.EventId == id);
        foreach (var other in claimed.Where(c => c.EventId != id))
        {
            await inbox.CompleteAsync(other, InboxStatus.Done, ct);
        }
        await inbox.FailAsync(claimed.Single(c => c.EventId == id), "handler exploded", maxAttempts: 1, TimeSpan.Zero, permanent: false, ct);

        using var list = await fixture.Client.SendAsync(Admin(HttpMethod.Get, "/v1/admin/events?status=dead&type=invoice.*"), ct);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var dead = (await list.Content.ReadFromJsonAsync<JsonElement>(ct)).EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
        Assert.Equal("invoice.payment_failed", dead.GetProperty("type").GetString());
        Assert.Equal("dead", dead.GetProperty("status").GetString());
        Assert.Equal(1, dead.GetProperty("attempts").GetInt32());
        Assert.Equal("handler exploded", dead.GetProperty("last_error").GetString());
        Assert.True(dead.TryGetProperty("received_at", out _));
        Assert.True(dead.TryGetProperty("processed_at", out _));

        using var replay = await fixture.Client.SendAsync(Admin(HttpMethod.Post, $"/v1/admin/events/{id}/replay"), ct);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var replayed = await replay.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(("pending", 0), (replayed.GetProperty("status").GetString(), replayed.GetProperty("attempts").GetInt32()));
        Assert.Contains(await inbox.ClaimAsync("test-worker", 100, TimeSpan.FromMinutes(1), ct), c => c.EventId == id);
    }

    [Fact]
    public async Task Unknown_events_and_bad_filters_are_named()
    {
        var ct = TestContext.Current.CancellationToken;
        using var missing = await fixture.Client.SendAsync(Admin(HttpMethod.Post, "/v1/admin/events/evt_nope/replay"), ct);
        using var badStatus = await fixture.Client.SendAsync(Admin(HttpMethod.Get, "/v1/admin/events?status=lost"), ct);
        using var badLimit = await fixture.Client.SendAsync(Admin(HttpMethod.Get, "/v1/admin/events?limit=0"), ct);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.DoesNotContain("evt_nope", await missing.Content.ReadAsStringAsync(ct)); // titles never echo input
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Contains("\"status\"", await badStatus.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }
}
