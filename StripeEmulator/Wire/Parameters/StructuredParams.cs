using System.Globalization;
using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Wire.Parameters;

/// <summary>A hash of named fields; any other name is refused as unknown, as Stripe does.</summary>
public sealed record ObjectParam : Param
{
    public ObjectParam(IEnumerable<(string Name, Param Param)> fields) =>
        Fields = fields.ToDictionary(f => f.Name, f => f.Param, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Param> Fields { get; }

    /// <summary>The same object with more fields (shared parameters such as <c>expand</c>).</summary>
    public ObjectParam With(params (string Name, Param Param)[] more) =>
        new(Fields.Select(f => (f.Key, f.Value)).Concat(more));

    protected override JsonNode? BindValue(FormNode node, string path)
    {
        if (node.IsLeaf)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid object for {path}: nested parameters were expected ({path}[name]=value).");
        }
        var result = new JsonObject();
        foreach (var (key, child) in node.Children)
        {
            var childPath = Child(path, key);
            if (!Fields.TryGetValue(key, out var field))
            {
                throw StripeErrors.ParameterUnknown(childPath);
            }
            result[key] = field.Bind(child, childPath);
        }
        foreach (var (name, field) in Fields)
        {
            if (field.IsRequired && !result.ContainsKey(name))
            {
                throw StripeErrors.ParameterMissing(Child(path, name));
            }
        }
        return result;
    }
}

/// <summary>
/// A list, sent as <c>key[0]=a&amp;key[1]=b</c> (the SDKs) or <c>key[]=a&amp;key[]=b</c> (curl). Cleared with
/// <c>key=</c> when emptyable.
/// </summary>
public sealed record ArrayParam(Param Item) : Param
{
    public int MaxItems { get; init; } = 1000;

    protected override JsonNode? BindValue(FormNode node, string path)
    {
        if (node.IsLeaf)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid array for {path}: send items as {path}[0]=..., {path}[1]=...");
        }
        var items = new List<(long Index, FormNode Node)>();
        foreach (var (key, child) in node.Children)
        {
            if (!long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw StripeErrors.InvalidValue(Child(path, key), $"Invalid array for {path}: '{key}' is not an index.");
            }
            items.Add((index, child));
        }
        if (items.Count > MaxItems)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid {path}: at most {MaxItems} items are allowed.");
        }
        var array = new JsonArray();
        foreach (var (index, child) in items.OrderBy(i => i.Index))
        {
            array.Add(Item.Bind(child, $"{path}[{array.Count.ToString(CultureInfo.InvariantCulture)}]"));
        }
        return array;
    }

    protected override JsonNode? Cleared() => new JsonArray();
}

/// <summary>
/// Stripe's metadata: up to 50 string keys of at most 40 characters, values of at most 500. <c>metadata[k]=</c>
/// removes one key (bound as null); <c>metadata=</c> removes all (bound as an empty object).
/// </summary>
public sealed record MetadataParam : Param
{
    public const int MaxKeys = 50;
    public const int MaxKeyLength = 40;
    public const int MaxValueLength = 500;

    protected override JsonNode? BindValue(FormNode node, string path)
    {
        if (node.IsLeaf)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid metadata: send keys as {path}[key]=value.");
        }
        var result = new JsonObject();
        foreach (var (key, child) in node.Children)
        {
            var childPath = Child(path, key);
            if (!child.IsLeaf)
            {
                throw StripeErrors.InvalidValue(childPath, $"Invalid value type for {childPath}: metadata values must be strings.");
            }
            if (key.Length > MaxKeyLength)
            {
                throw StripeErrors.InvalidValue(childPath, $"Metadata keys can have up to {MaxKeyLength} characters; '{key}' has {key.Length}.");
            }
            if (child.Value!.Length > MaxValueLength)
            {
                throw StripeErrors.InvalidValue(childPath, $"Metadata values can have up to {MaxValueLength} characters; {childPath} has {child.Value.Length}.");
            }
            result[key] = child.Value.Length == 0 ? null : JsonValue.Create(child.Value);
        }
        if (result.Count > MaxKeys)
        {
            throw StripeErrors.InvalidValue(path, $"Metadata can have up to {MaxKeys} keys; {result.Count} were given.");
        }
        return result;
    }

    protected override JsonNode? Cleared() => new JsonObject();
}

/// <summary>A list filter on a timestamp: <c>created=123</c> or <c>created[gte]=...&amp;created[lt]=...</c>.</summary>
public sealed record RangeParam : Param
{
    private static readonly ObjectParam Bounds = new([
        ("gt", new IntegerParam()), ("gte", new IntegerParam()), ("lt", new IntegerParam()), ("lte", new IntegerParam())]);

    protected override JsonNode? BindValue(FormNode node, string path) =>
        node.IsLeaf ? new IntegerParam().Bind(node, path) : Bounds.Bind(node, path);

    /// <summary>Whether a unix time falls in the bound filter (an exact value or a range object).</summary>
    public static bool Matches(JsonNode? filter, long value)
    {
        switch (filter)
        {
            case null:
                return true;
            case JsonValue exact:
                return exact.GetValue<long>() == value;
            case JsonObject range:
                return (range["gt"] is not { } gt || value > gt.GetValue<long>())
                    && (range["gte"] is not { } gte || value >= gte.GetValue<long>())
                    && (range["lt"] is not { } lt || value < lt.GetValue<long>())
                    && (range["lte"] is not { } lte || value <= lte.GetValue<long>());
            default:
                return true;
        }
    }
}

/// <summary>
/// A hash keyed by currency (<c>currency_options[eur][amount_off]=500</c>): each key a three-letter ISO code, each
/// value bound against <see cref="Value"/>.
/// </summary>
public sealed record CurrencyMapParam(Param Value) : Param
{
    protected override JsonNode? BindValue(FormNode node, string path)
    {
        if (node.IsLeaf)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid object for {path}: send options as {path}[currency][name]=value.");
        }
        var result = new JsonObject();
        foreach (var (key, child) in node.Children)
        {
            var currency = key.ToLowerInvariant();
            if (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower))
            {
                throw StripeErrors.InvalidValue(Child(path, key), $"Invalid currency: {key}. Stripe currencies are three-letter ISO codes.");
            }
            result[currency] = Value.Bind(child, Child(path, key));
        }
        return result;
    }
}
