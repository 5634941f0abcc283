using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Wire.Parameters;

/// <summary>
/// One request parameter as the official SDK types describe it. Binding checks a form node against it and turns it
/// into JSON: a given value, or the cleared form of the field when the request sent an empty value (<c>key=</c>)
/// and the field may be cleared (<c>Emptyable</c> in the SDK types): null for a scalar or object, an empty array
/// for an array, an empty object (meaning "remove every key") for metadata.
/// </summary>
public abstract record Param
{
    public bool IsRequired { get; private init; }

    /// <summary>Accepts an empty value as "clear this field".</summary>
    public bool IsEmptyable { get; private init; }

    public Param Required() => this with { IsRequired = true };

    public Param Emptyable() => this with { IsEmptyable = true };

    /// <summary>Binds the node found under <paramref name="path"/> (Stripe's notation, e.g. <c>recurring[interval]</c>).</summary>
    public JsonNode? Bind(FormNode node, string path)
    {
        if (node.IsEmptyValue)
        {
            return IsEmptyable ? Cleared() : throw StripeErrors.InvalidEmpty(path);
        }
        return BindValue(node, path);
    }

    protected abstract JsonNode? BindValue(FormNode node, string path);

    protected virtual JsonNode? Cleared() => null;

    protected static string Leaf(FormNode node, string path, string kind) =>
        node.IsLeaf ? node.Value! : throw StripeErrors.InvalidValue(path, $"Invalid {kind} for {path}: a value was expected, not nested parameters.");

    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}[{key}]";
}
