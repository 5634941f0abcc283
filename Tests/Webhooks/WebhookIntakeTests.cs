using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>A gateway on real Kestrel over its own migrated database, shared by a test class.</summary>
public sealed class GatewayFixture(PostgresServerFixture postgres) : IAsyncLifetime
{
    public ServiceFactory<Yapit.Gateway.TestingEntryPoint> Gateway { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string ConnectionString { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await postgres.CreateDatabaseAsync("gateway");
        Database = NpgsqlDataSource.Create(ConnectionString);
        Gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = ConnectionString,
            ["Stripe:SecretKey"] = "sk_test_intake",
            ["Stripe:WebhookSecrets:0"] = SignedEvents.Secret,
            ["Stripe:WebhookSecrets:1"] = SignedEvents.SecondSecret,
            ["Admin:ApiKey"] = AdminKey,
        }).Start();
        Client = Gateway.CreateRealClient();
    }

    public const string AdminKey = "admin-test-key-0123456789";

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The gateway's webhook endpoint over real HTTP, storing into real Postgres.</summary>
[Trait("Category", "Integration")]
public sealed class WebhookIntakeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private readonly NpgsqlDataSource _db = fixture.Database;
    private readonly HttpClient _client = fixture.Client;

    private async Task<long> RowsAsync(string eventId)
    {
        await using var command = _db.CreateCommand("SELECT count(*) FROM billing.webhook_inbox WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task A_signed_event_is_stored_with_its_trace_and_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body(type: "price.updated", objectId: "price_abc");

        using var response = await _client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // One write with a length, not a chunked JSON result (a second write and a second read per webhook).
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(21, response.Content.Headers.ContentLength);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal("""{"status":"accepted"}""", await response.Content.ReadAsStringAsync(ct));
        await using var command = _db.CreateCommand("SELECT event_type, api_version, object_id, object_type, status, traceparent, payload::text, source FROM billing.webhook_inbox WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SignedEvents.EventId(body) });
        await using var row = await command.ExecuteReaderAsync(ct);
        Assert.True(await row.ReadAsync(ct));
        Assert.Equal(("price.updated", "2026-10-28.endive", "price_abc", "price", "pending"), (row.GetString(0), row.GetString(1), row.GetString(2), row.GetString(3), row.GetString(4)));
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", row.GetString(5));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(body), row.GetString(6));
        Assert.Equal("webhook", row.GetString(7));
    }

    [Fact]
    public async Task Webhooks_are_written_through_the_intakes_own_pool()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body();
        using var response = await _client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using var command = _db.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%(webhook intake)'");
        Assert.True((long)(await command.ExecuteScalarAsync(ct))! >= 1);
    }

    [Fact]
    public void Kestrel_reads_requests_without_a_zero_byte_wait_first()
    {
        var sockets = fixture.Gateway.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        Assert.False(sockets.WaitForDataBeforeAllocatingBuffer);
    }

    [Fact]
    public async Task The_same_event_delivered_fifty_times_at_once_is_stored_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body();
        var header = SignedEvents.Header(body);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await _client.SendAsync(SignedEvents.Request(body, header), ct);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(ct))!["status"]);
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(responses, r => r.Item2 == "accepted");
        Assert.Equal(49, responses.Count(r => r.Item2 == "duplicate"));
        Assert.Equal(1, await RowsAsync(SignedEvents.EventId(body)));
    }

    public static TheoryData<string> Forgeries => ["wrong secret", "old timestamp", "future timestamp", "one byte changed", "missing header", "malformed header", "unknown scheme only"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_bad_signature_gets_400_without_detail_and_stores_nothing(string forgery)
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body();
        var (sent, header) = forgery switch
        {
            "wrong secret" => (body, SignedEvents.Header(body, secrets: "whsec_not_ours")),
            "old timestamp" => (body, SignedEvents.Header(body, DateTimeOffset.UtcNow.AddMinutes(-6))),
            "future timestamp" => (body, SignedEvents.Header(body, DateTimeOffset.UtcNow.AddMinutes(6))),
            "one byte changed" => (SignedEvents.Tamper(body), SignedEvents.Header(body)),
            "missing header" => (body, (string?)null),
            "malformed header" => (body, "v1=abc"),
            _ => (body, SignedEvents.Header(body).Replace("v1=", "v0=", StringComparison.Ordinal)),
        };

        using var response = await _client.SendAsync(SignedEvents.Request(sent, header), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        // Only the generic status (Problem Details' "Bad Request"): nothing says what was wrong.
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.DoesNotMatch("(?i)signature|timestamp|secret|tolerance|scheme|header|v1", text);
        Assert.Equal(0, await RowsAsync(SignedEvents.EventId(body)));
    }

    [Fact]
    public async Task An_event_signed_with_the_second_secret_is_accepted_during_rotation()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body();

        using var response = await _client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body, secrets: SignedEvents.SecondSecret)), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await RowsAsync(SignedEvents.EventId(body)));
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_gets_413()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body(paddingBytes: 1024 * 1024);

        using var response = await _client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await RowsAsync(SignedEvents.EventId(body)));
    }

    [Fact]
    public async Task A_live_event_at_a_test_deployment_is_acknowledged_and_ignored()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body(livemode: true);

        using var response = await _client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ignored", (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(ct))!["status"]);
        Assert.Equal(0, await RowsAsync(SignedEvents.EventId(body)));
    }
}
