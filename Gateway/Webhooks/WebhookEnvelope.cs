using System.Runtime.InteropServices;
using System.Text.Json;

namespace Yapit.Gateway.Webhooks;

/// <summary>What the inbox row needs from a verified event; the payload is kept whole for the worker.</summary>
public sealed record WebhookEnvelope(string Id, string Type, string? ApiVersion, bool Livemode, DateTimeOffset Created, string? ObjectId, string? ObjectType)
{
    /// <summary>Longest event id: Stripe's are about 30 characters; the bound keeps every id well inside a btree row.</summary>
    public const int MaxIdLength = 255;

    /// <summary>Longest type, API version, object id or object type.</summary>
    public const int MaxTextLength = 255;

    /// <summary>Earliest and latest <c>created</c> taken: Stripe did not exist before 2009, and later than 9999 is no date .NET can hold.</summary>
    public static readonly DateTimeOffset MinCreated = new(2009, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset MaxCreated = DateTimeOffset.MaxValue.AddSeconds(-1);

    /// <summary>
    /// Reads and validates the envelope of a signed body. Anything that could never be stored or processed (wrong
    /// JSON kinds, ids and types that are not bounded printable text, a <c>created</c> out of range) is refused here,
    /// before an insert: values Postgres cannot bind never reach a connection. On refusal, <paramref name="reason"/>
    /// names the member (for logs and metrics; never for the caller).
    /// </summary>
    public static bool TryRead(byte[] body, out WebhookEnvelope envelope, out string reason)
    {
        envelope = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            reason = "not_json";
            return false;
        }
        using (document)
        {
            if (HasLoneSurrogateEscape(body))
            {
                // Valid to System.Text.Json, refused by Postgres' json type (22P02): it could never be stored.
                reason = "unicode_escape";
                return false;
            }
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "not_an_object";
                return false;
            }
            if (!TryText(root, "id", required: true, out var id) || !IsEventId(id!))
            {
                reason = "id";
                return false;
            }
            if (!TryText(root, "type", required: true, out var type))
            {
                reason = "type";
                return false;
            }
            if (!TryText(root, "api_version", required: false, out var apiVersion))
            {
                reason = "api_version";
                return false;
            }
            if (!root.TryGetProperty("created", out var createdElement) || createdElement.ValueKind != JsonValueKind.Number || !createdElement.TryGetInt64(out var seconds)
                || seconds < MinCreated.ToUnixTimeSeconds() || seconds > MaxCreated.ToUnixTimeSeconds())
            {
                reason = "created";
                return false;
            }
            var livemode = false;
            if (root.TryGetProperty("livemode", out var live))
            {
                if (live.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    reason = "livemode";
                    return false;
                }
                livemode = live.ValueKind == JsonValueKind.True;
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
            {
                reason = "data.object";
                return false;
            }
            if (!TryText(obj, "id", required: false, out var objectId))
            {
                reason = "data.object.id";
                return false;
            }
            if (!TryText(obj, "object", required: false, out var objectType))
            {
                reason = "data.object.object";
                return false;
            }
            envelope = new WebhookEnvelope(id!, type!, apiVersion, livemode, DateTimeOffset.FromUnixTimeSeconds(seconds), objectId, objectType);
            reason = string.Empty;
            return true;
        }
    }

    /// <summary>
    /// Whether a <c>\uD800</c>-<c>\uDFFF</c> escape stands without its partner anywhere in the (valid JSON) body.
    /// One vectorised search for backslashes; bodies without escapes cost nothing more.
    /// </summary>
    public static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        var i = 0;
        while (i < json.Length)
        {
            var next = json[i..].IndexOf((byte)'\\');
            if (next < 0)
            {
                return false;
            }
            i += next;
            if (i + 1 >= json.Length)
            {
                return false;
            }
            if (json[i + 1] != (byte)'u')
            {
                i += 2; // \\, \", \n...: the escaped character is never the start of another escape
                continue;
            }
            var unit = Hex(json, i + 2);
            i += 6;
            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return true; // a low surrogate first
            }
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 6 > json.Length || json[i] != (byte)'\\' || json[i + 1] != (byte)'u' || Hex(json, i + 2) is < 0xDC00 or > 0xDFFF)
                {
                    return true;
                }
                i += 6;
            }
        }
        return false;
    }

    private static int Hex(ReadOnlySpan<byte> json, int at)
    {
        if (at + 4 > json.Length)
        {
            return -1;
        }
        var value = 0;
        for (var k = at; k < at + 4; k++)
        {
            var digit = HexDigit(json[k]);
            if (digit < 0)
            {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary><c>evt_</c> and then letters, digits and underscores, bounded.</summary>
    public static bool IsEventId(string value)
    {
        if (value.Length is <= 4 or > MaxIdLength || !value.StartsWith("evt_", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in value.AsSpan(4))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Non-empty printable ASCII without spaces, bounded: what Stripe's types, versions and ids are.</summary>
    public static bool IsPrintableToken(string value, int maxLength = MaxTextLength)
    {
        if (value.Length is 0 || value.Length > maxLength)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A member that must be a printable token when present (null is absent). Lengths are checked on the raw value
    /// first, so a 10,000-character string is never decoded.
    /// </summary>
    private static bool TryText(JsonElement parent, string name, bool required, out string? value)
    {
        value = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return !required;
        }
        // The raw bytes, never decoded: GetRawText would throw on invalid UTF-8.
        if (element.ValueKind != JsonValueKind.String || JsonMarshal.GetRawUtf8Value(element).Length > (MaxTextLength * 6) + 2)
        {
            return false;
        }
        // Escapes may decode to anything (a NUL, or a lone surrogate, which GetString refuses): only printable ASCII passes.
        try
        {
            value = element.GetString();
        }
        catch (Exception error) when (error is InvalidOperationException or ArgumentException)
        {
            return false;
        }
        return value is not null && IsPrintableToken(value);
    }
}
