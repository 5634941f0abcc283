using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Wire.Parameters;

/// <summary>
/// Bound, validated parameters. A name that is present was sent; a present null means the request cleared it.
/// Values are already of the schema's type, so the accessors only unwrap them.
/// </summary>
public sealed class Params(JsonObject values)
{
    public JsonObject Values { get; } = values;

    public bool Has(string name) => Values.ContainsKey(name);

    public JsonNode? this[string name] => Values[name];

    public string? String(string name) => Values[name]?.GetValue<string>();

    public long? Long(string name) => Values[name]?.GetValue<long>();

    public bool? Bool(string name) => Values[name]?.GetValue<bool>();

    public decimal? Decimal(string name) => Values[name]?.GetValue<decimal>();

    public Params? Object(string name) => Values[name] is JsonObject child ? new Params(child) : null;

    public JsonArray? Array(string name) => Values[name] as JsonArray;

    public IReadOnlyList<string>? Strings(string name) => Array(name)?.Select(item => item!.GetValue<string>()).ToArray();

    /// <summary>A deep copy of a given value, or null (for storing into an object).</summary>
    public JsonNode? Copy(string name) => Values[name]?.DeepClone();

    /// <summary>These parameters without the named ones (e.g. without <c>expand</c> before merging into an object).</summary>
    public Params Without(params string[] names)
    {
        var copy = (JsonObject)Values.DeepClone();
        foreach (var name in names)
        {
            copy.Remove(name);
        }
        return new Params(copy);
    }
}
