using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// The intake under hostile input (issue 13): signed but malformed envelopes, rows Postgres can never store, short
/// bodies, and a connection that a failed bind leaves out of step. None of it may answer 500.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileIntakeTests(GatewayFixture fixture, PostgresServerFixture postgres) : IClassFixture<GatewayFixture>
{
    private async Task<long> RowsAsync(string eventId)
    {
        await using var command = fixture.Database.CreateCommand("SELECT count(*) FROM billing.webhook_inbox WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventId });
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>A valid event's JSON with one member's raw JSON text replaced (the value may be any JSON, or broken).</summary>
    public static byte[] WithMember(string id, string member, string rawJson)
    {
        var text = Encoding.UTF8.GetString(SignedEvents.Body(id));
        var at = text.IndexOf($"\"{member}\":", StringComparison.Ordinal) + member.Length + 3;
        var end = at;
        var depth = 0;
        var inString = false;
        for (; end < text.Length; end++)
        {
            var c = text[end];
            if (inString)
            {
                if (c == '\\') { end++; } else if (c == '"') { inString = false; }
                continue;
            }
            if (c == '"') { inString = true; }
            else if (c is '{' or '[') { depth++; }
            else if (c is '}' or ']') { if (depth == 0) { break; } depth--; }
            else if (c == ',' && depth == 0) { break; }
        }
        return Encoding.UTF8.GetBytes(text[..at] + rawJson + text[end..]);
    }

    /// <summary>(what is wrong, the member, its raw JSON): every one signed correctly.</summary>
    public static TheoryData<string, string, string> Malformed => new()
    {
        { "id as a number", "id", "12345" },
        { "id without evt_", "id", "\"price_123\"" },
        { "id of 10,000 random characters", "id", $"\"evt_{new string('x', 10_000)}\"" },
        { "id with a space", "id", "\"evt_ab cd\"" },
        { "type as a number", "type", "42" },
        { "type with a NUL", "type", "\"price.updated\\u0000\"" },
        { "type with a lone surrogate", "type", "\"price.\\ud800updated\"" },
        { "type empty", "type", "\"\"" },
        { "type of 10,000 characters", "type", $"\"{new string('a', 10_000)}\"" },
        { "api_version as a number", "api_version", "20261028" },
        { "api_version with a NUL", "api_version", "\"2026\\u0000\"" },
        { "created negative", "created", "-5" },
        { "created beyond year 9999", "created", "253402300800" },
        { "created as a string", "created", "\"yesterday\"" },
        { "created fractional", "created", "1.5" },
        { "livemode as a string", "livemode", "\"false\"" },
        { "data.object.id as a number", "data", """{"object":{"id":7,"object":"price"}}""" },
        { "data.object.id with a NUL", "data", """{"object":{"id":"price_\u0000","object":"price"}}""" },
        { "data.object.object as an object", "data", """{"object":{"id":"price_1","object":{"a":1}}}""" },
        { "data as a string", "data", "\"price\"" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_signed_but_malformed_envelope_gets_400_without_the_reason_and_stores_nothing(string what, string member, string rawJson)
    {
        var ct = TestContext.Current.CancellationToken;
        var id = SignedEvents.NewId();
        var body = WithMember(id, member, rawJson);

        using var response = await fixture.Client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode}");
        // The generic status only: the reason is logged and counted, never returned.
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal("Bad Request", problem.GetProperty("title").GetString());
        Assert.False(problem.TryGetProperty("detail", out _));
        Assert.Equal(0, await RowsAsync(id));
    }

    [Fact]
    public async Task A_body_postgres_json_would_refuse_is_400_not_503_and_the_intake_keeps_working()
    {
        // The payload passes System.Text.Json but not Postgres' json type (a lone surrogate escape deep inside, 22P02):
        // answered 503 it would be retried for days, and its failed bind could confuse the connection.
        var ct = TestContext.Current.CancellationToken;
        var id = SignedEvents.NewId();
        var body = WithMember(id, "request", """{"id":"req_\ud800","idempotency_key":"k"}""");

        using var response = await fixture.Client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await RowsAsync(id));
        // The intake still works.
        var good = SignedEvents.Body();
        using var next = await fixture.Client.SendAsync(SignedEvents.Request(good, SignedEvents.Header(good)), ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Refusals_are_counted_by_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new ConcurrentBag<(string? Outcome, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Yapit.Gateway.Webhooks.WebhookTelemetry.MeterName && instrument.Name == "yapit.webhooks.received")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? outcome = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome") { outcome = tag.Value as string; }
                if (tag.Key == "reason") { reason = tag.Value as string; }
            }
            seen.Add((outcome, reason));
        });
        listener.Start();

        var body = WithMember(SignedEvents.NewId(), "created", "-1");
        using var response = await fixture.Client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(("invalid_payload", "created"), seen);
    }

    [Fact]
    public async Task A_body_that_stalls_gets_408_not_500()
    {
        // Half the body, then nothing: Kestrel's minimum data rate (240 bytes/s after a 5 s grace) ends the read.
        var ct = TestContext.Current.CancellationToken;
        var body = SignedEvents.Body();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(fixture.Gateway.Address.Host, fixture.Gateway.Address.Port, ct);
        var head = $"POST /v1/billing/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            $"Stripe-Signature: {SignedEvents.Header(body)}\r\nContent-Length: {body.Length}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head), ct);
        await socket.SendAsync(body.AsMemory(0, body.Length / 2), ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        var read = await socket.ReceiveAsync(buffer, timeout.Token);
        var statusLine = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];

        Assert.Equal("HTTP/1.1 408 Request Timeout", statusLine);
        Assert.Equal(0, await RowsAsync(SignedEvents.EventId(body)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    public async Task A_connection_that_failed_to_bind_a_row_is_never_used_again(int insertsBefore)
    {
        // Issue 13, defect 1: with auto-prepare on, a NUL in a text value fails the bind (22021) and, in Npgsql 10.0.x,
        // left the connection out of step: the next insert on it threw "Received unexpected backend message DataRow".
        var ct = TestContext.Current.CancellationToken;
        var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync("desync"))
        {
            MaxAutoPrepare = 32,
            MaxPoolSize = 1,
        }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var inbox = new InboxStore(dataSource);
        static IncomingEvent Event(string type)
        {
            var id = SignedEvents.NewId();
            return new IncomingEvent(id, type, "2026-10-28.endive", false, DateTimeOffset.UtcNow, "price_1", "price",
                Encoding.UTF8.GetString(SignedEvents.Body(id, type)), null, null);
        }
        for (var i = 0; i < insertsBefore; i++)
        {
            Assert.True(await inbox.InsertAsync(Event("price.updated"), ct));
        }

        // The failing insert itself may already see the confusion (a System.Exception, not a PostgresException).
        await Assert.ThrowsAnyAsync<Exception>(() => inbox.InsertAsync(Event("price.\0updated"), ct));

        for (var i = 0; i < 4; i++)
        {
            Assert.True(await inbox.InsertAsync(Event("price.updated"), ct));
        }
    }
}
