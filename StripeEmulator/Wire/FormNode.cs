using System.Globalization;

namespace Yapit.StripeEmulator.Wire;

/// <summary>
/// A form body or query string as Stripe reads it: <c>a[b][0][c]=v</c> nests, <c>a[]=v</c> appends, and every node
/// is either a value or named children in the order they came. Types are decided later by the endpoint's schema,
/// because <c>[0]</c> is an array index for <c>items</c> but a plain key for <c>metadata</c>.
/// </summary>
public sealed class FormNode
{
    private List<KeyValuePair<string, FormNode>>? _children;

    private FormNode(string? value) => Value = value;

    /// <summary>The value of a leaf; null for a node with children.</summary>
    public string? Value { get; private set; }

    public bool IsLeaf => _children is null;

    /// <summary>A leaf with an empty value: Stripe's way to clear a field.</summary>
    public bool IsEmptyValue => IsLeaf && Value is { Length: 0 };

    public IReadOnlyList<KeyValuePair<string, FormNode>> Children => _children ?? [];

    public static FormNode Empty() => new(null) { _children = [] };

    /// <summary>Parses <c>application/x-www-form-urlencoded</c> text (a query string may start with '?').</summary>
    public static FormNode Parse(string? text)
    {
        var root = Empty();
        if (string.IsNullOrEmpty(text))
        {
            return root;
        }
        foreach (var pair in text.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            if (key.Length > 0)
            {
                root.Add(key, Segments(key), value);
            }
        }
        return root;
    }

    /// <summary>The child named <paramref name="key"/>, if any.</summary>
    public FormNode? this[string key] => _children?.FirstOrDefault(c => c.Key == key).Value;

    private void Add(string fullKey, List<string> segments, string value)
    {
        var node = this;
        for (var i = 0; i < segments.Count; i++)
        {
            if (node._children is null)
            {
                throw Conflict(fullKey);
            }
            var segment = segments[i];
            var isLast = i == segments.Count - 1;
            if (segment.Length == 0)
            {
                // "a[]": a new element at the end, named by its position like an explicit index.
                segment = node._children.Count.ToString(CultureInfo.InvariantCulture);
                var appended = isLast ? new FormNode(value) : Empty();
                node._children.Add(new(segment, appended));
                node = appended;
                continue;
            }
            var index = node._children.FindIndex(c => c.Key == segment);
            if (isLast)
            {
                if (index < 0)
                {
                    node._children.Add(new(segment, new FormNode(value)));
                }
                else if (node._children[index].Value.IsLeaf)
                {
                    node._children[index].Value.Value = value; // a repeated key: the last value wins
                }
                else
                {
                    throw Conflict(fullKey);
                }
                return;
            }
            if (index < 0)
            {
                var child = Empty();
                node._children.Add(new(segment, child));
                node = child;
            }
            else
            {
                node = node._children[index].Value;
            }
        }
    }

    /// <summary><c>a[b][c]</c> → a, b, c. A key with unbalanced brackets stays whole (and is then an unknown parameter).</summary>
    private static List<string> Segments(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0)
        {
            return [key];
        }
        var segments = new List<string> { key[..open] };
        var position = open;
        while (position < key.Length)
        {
            if (key[position] != '[')
            {
                return [key];
            }
            var close = key.IndexOf(']', position);
            if (close < 0)
            {
                return [key];
            }
            segments.Add(key[(position + 1)..close]);
            position = close + 1;
        }
        return segments;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    private static StripeErrorException Conflict(string key) =>
        StripeErrors.InvalidValue(key, $"Invalid parameter {key}: a value and nested parameters were both given for the same name.");
}
