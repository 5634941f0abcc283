using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Http;

/// <summary>
/// Stripe's request encoding, as the official SDKs send it: nested objects as <c>parent[child]=v</c>, arrays with
/// indices (<c>items[0][price]=p</c>), brackets left unescaped, values percent-encoded (RFC 3986), and an empty value
/// to clear a field. In parameters, <c>null</c> leaves a field out; an empty string, empty list or empty dictionary
/// sends <c>key=</c> (clear); a null dictionary value clears that one key (<c>metadata[k]=</c>).
/// </summary>
public static class FormEncoder
{
    public static IReadOnlyList<KeyValuePair<string, string>> Flatten(object? parameters)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (parameters is null)
        {
            return pairs;
        }
        var node = parameters as JsonNode ?? JsonSerializer.SerializeToNode(parameters, parameters.GetType(), StripeJson.RequestOptions);
        if (node is not JsonObject root)
        {
            throw new ArgumentException("Stripe parameters must be an object.", nameof(parameters));
        }
        foreach (var (key, value) in root)
        {
            Add(pairs, key, value);
        }
        return pairs;
    }

    public static string Encode(object? parameters) => Encode(Flatten(parameters));

    public static string Encode(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }
            text.Append(Escape(key)).Append('=').Append(Escape(value));
        }
        return text.ToString();
    }

    private static void Add(List<KeyValuePair<string, string>> pairs, string key, JsonNode? value)
    {
        switch (value)
        {
            case null:
                pairs.Add(new(key, string.Empty)); // an explicit null inside a dictionary: clear it
                break;
            case JsonObject obj when obj.Count == 0:
            case JsonArray { Count: 0 }:
                pairs.Add(new(key, string.Empty));
                break;
            case JsonObject obj:
                foreach (var (child, childValue) in obj)
                {
                    Add(pairs, $"{key}[{child}]", childValue);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Add(pairs, $"{key}[{i.ToString(CultureInfo.InvariantCulture)}]", array[i]);
                }
                break;
            case JsonValue scalar:
                pairs.Add(new(key, Scalar(scalar)));
                break;
        }
    }

    private static string Scalar(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.ToJsonString(),
        _ => value.ToJsonString(),
    };

    /// <summary>Percent-encodes like encodeURIComponent plus <c>!*()'</c>, then restores brackets (what stripe-node does).</summary>
    private static string Escape(string value) =>
        Uri.EscapeDataString(value).Replace("%5B", "[", StringComparison.Ordinal).Replace("%5D", "]", StringComparison.Ordinal);
}
