using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Store;

/// <summary>
/// What the store needs to know of one kind of Stripe object to answer for it: how it is named in errors, which
/// fields hold ids that <c>expand</c> can replace by the object, which fields Stripe returns only when expanded
/// ("includable"), which it never returns, and fields computed when it is read.
/// </summary>
public sealed class ResourceDefinition
{
    /// <summary>The <c>object</c> value, e.g. <c>price</c> or <c>billing_portal.configuration</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The prefix of its events when not its type (<c>customer.subscription</c> for <c>subscription</c>).</summary>
    public string? EventPrefix { get; init; }

    /// <summary>As in "No such price: 'x'".</summary>
    public required string Noun { get; init; }

    /// <summary>Dotted path of an id field → the type of object it names (<c>promotion.coupon</c> → <c>coupon</c>).</summary>
    public IReadOnlyDictionary<string, string> Expandable { get; init; } = new Dictionary<string, string>();

    /// <summary>Dotted paths returned only when the request expands them (<c>tiers</c>, <c>applies_to</c>).</summary>
    public IReadOnlyList<string> Includable { get; init; } = [];

    /// <summary>Fields kept for the emulator's own use and never returned (a webhook endpoint's secret).</summary>
    public IReadOnlyList<string> Hidden { get; init; } = [];

    /// <summary>Computes fields that depend on the time of reading (a coupon's <c>valid</c>).</summary>
    public Action<JsonObject, DateTimeOffset>? Derive { get; init; }

    /// <summary>Objects Stripe provides without anyone creating them (tax codes, test payment methods), by id.</summary>
    public Func<string, JsonObject?>? BuiltIn { get; init; }
}

/// <summary>Every resource the emulator serves, by type; each resource registers its definition at start-up.</summary>
public sealed class ResourceRegistry
{
    private readonly Dictionary<string, ResourceDefinition> _definitions;

    public ResourceRegistry(IEnumerable<ResourceDefinition> definitions) =>
        _definitions = definitions.ToDictionary(d => d.Type, StringComparer.Ordinal);

    public ResourceDefinition Get(string type) =>
        _definitions.TryGetValue(type, out var definition)
            ? definition
            : throw new InvalidOperationException($"No resource definition is registered for '{type}'.");

    public bool TryGet(string type, out ResourceDefinition definition) => _definitions.TryGetValue(type, out definition!);
}
