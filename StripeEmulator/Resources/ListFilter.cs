using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Resources;

/// <summary>One filter of a list endpoint: its parameter and whether a stored object passes it (applied only when sent).</summary>
public sealed record ListFilter(string Name, Param Param, Func<StoredObject, JsonNode, StoreTransaction, bool> Matches)
{
    /// <summary><c>created</c> as an exact time or a range.</summary>
    public static ListFilter Created { get; } = new("created", P.Range, (o, value, _) => RangeParam.Matches(value, o.Created));

    /// <summary>A field (dotted path) equal to the given string or boolean, e.g. <c>customer</c>, <c>promotion.coupon</c>.</summary>
    public static ListFilter Equal(string name, Param param, string? path = null) =>
        new(name, param, (o, value, _) => JsonNode.DeepEquals(JsonObjects.At(o.Data, path ?? name), value));

    public static ListFilter String(string name, string? path = null) => Equal(name, P.String, path);

    public static ListFilter Bool(string name, string? path = null) => Equal(name, P.Boolean, path);

    /// <summary><c>ids[]</c>: the object's id is one of them.</summary>
    public static ListFilter Ids { get; } = new("ids", P.Array(P.String), (o, value, _) => value.AsArray().Any(id => id?.GetValue<string>() == o.Id));

    /// <summary>A filter with its own rule.</summary>
    public static ListFilter Custom(string name, Param param, Func<StoredObject, JsonNode, bool> matches) =>
        new(name, param, (o, value, _) => matches(o, value));
}
