using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Npgsql;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// Random and mutated envelopes, each correctly signed, thrown at the real intake (Kestrel, Postgres): every answer is
/// a 2xx for a row that is committed, or a 4xx/503 with no row. Never a 500.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IntakePropertyTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static readonly string[] Members = ["id", "type", "api_version", "created", "livemode", "data", "object", "request", "pending_webhooks"];

    private static readonly string[] NastyJson =
    [
        "null", "true", "0", "-1", "1.5", "1e400", "-9223372036854775809", "9223372036854775807", "253402300800", "[]", "{}",
        "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"evt_\"", "\"evt_\\u0000\"", "\"evt_ä\"", "\"évt_1\"",
        "\"price.updated\\n\"", $"\"evt_{new string('a', 300)}\"", $"\"{new string('b', 20_000)}\"", "{\"object\":{\"id\":1}}",
        "{\"object\":{\"id\":\"\\u0000\",\"object\":\"price\"}}", "{\"object\":[]}", "{\"object\":{\"id\":\"price_1\",\"object\":\"\\ud800\"}}",
        "\"2026-10-28.endive\"", "\"price.updated\"", "\"\\u007f\"",
    ];

    /// <summary>A JSON string literal of any .NET string, every character escaped (lone surrogates included).</summary>
    private static string Literal(string value) =>
        "\"" + string.Concat(value.Select(c => $"\\u{(int)c:x4}")) + "\"";

    private static string Splice(string text, string member, string rawJson)
    {
        var node = JsonNode.Parse(text)!.AsObject();
        var placeholder = $"\"__{Guid.NewGuid():N}__\"";
        node[member] = JsonValue.Create(placeholder);
        return node.ToJsonString().Replace(JsonSerializer.Serialize(placeholder), rawJson, StringComparison.Ordinal);
    }

    private static Gen<byte[]> Bodies()
    {
        var valid = Gen.Constant(0).Select(_ => SignedEvents.Body());
        var anyString = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null);
        var rawValue = Gen.OneOf(Gen.Elements(NastyJson), anyString.Select(Literal), anyString.Select(s => Literal("evt_" + s)));
        var replaced = from body in valid
                       from member in Gen.Elements(Members)
                       from raw in rawValue
                       select Encoding.UTF8.GetBytes(Splice(Encoding.UTF8.GetString(body), member, raw));
        var removed = from body in valid
                      from member in Gen.Elements(Members)
                      select RemoveMember(body, member);
        var truncated = from body in valid
                        from cut in Gen.Choose(0, 400)
                        select body[..Math.Min(cut, body.Length)];
        var flipped = from body in valid
                      from position in Gen.Choose(0, 1000)
                      from flip in Gen.Choose(1, 255)
                      select Flip(body, position, flip);
        var random = ArbMap.Default.GeneratorFor<byte[]>();
        return Gen.Frequency(
            (2, valid), (8, replaced), (2, removed), (2, truncated), (3, flipped), (1, random));
    }

    private static byte[] RemoveMember(byte[] body, string member)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        node.Remove(member);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static byte[] Flip(byte[] body, int position, int flip)
    {
        var copy = (byte[])body.Clone();
        copy[position % copy.Length] ^= (byte)flip;
        return copy;
    }

    /// <summary>The id the body names, if it names one as a JSON string.</summary>
    private static string? IdOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private async Task<bool> HoldsAsync(byte[] body)
    {
        using var response = await fixture.Client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)));
        var status = (int)response.StatusCode;
        var id = IdOf(body);
        long rows = 0;
        if (id is not null)
        {
            await using var command = fixture.Database.CreateCommand("SELECT count(*) FROM billing.webhook_inbox WHERE event_id = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            try
            {
                rows = (long)(await command.ExecuteScalarAsync())!;
            }
            catch (PostgresException)
            {
                rows = 0; // an id Postgres cannot even compare (a NUL): it cannot be stored either
            }
        }
        if (status is >= 200 and < 300)
        {
            var receipt = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString();
            return receipt == "ignored" ? rows == 0 : rows == 1;
        }
        return (status is >= 400 and < 500 or 503) && rows == 0
            || Fail($"{status} with {rows} rows for {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 300)]}");
    }

    private static bool Fail(string message) => throw new Xunit.Sdk.XunitException(message);

    [Fact]
    public void Every_signed_body_gets_2xx_with_its_row_committed_or_4xx_or_503_without_one()
    {
        Prop.ForAll(Bodies().ToArbitrary(), body => HoldsAsync(body).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
