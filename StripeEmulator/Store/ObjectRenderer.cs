using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Store;

/// <summary>
/// Turns a stored object into what the API returns: hidden fields removed, time-dependent fields computed, ids
/// replaced by objects where the request expands them (nested up to four levels, as Stripe allows), and
/// includable fields kept only when expanded.
/// </summary>
public static class ObjectRenderer
{
    public const int MaxExpandDepth = 4;

    public static JsonObject Render(StoreTransaction transaction, JsonObject stored, IReadOnlyCollection<string> expand) =>
        Render(transaction, stored, expand.Select(path => (path, path)).ToList(), depth: 1);

    /// <summary>The <c>{object: "list", data, has_more, url}</c> envelope; expansions must name <c>data.</c> paths.</summary>
    public static JsonObject RenderList(StoreTransaction transaction, IEnumerable<StoredObject> page, bool hasMore, string url, IReadOnlyCollection<string> expand)
    {
        var itemPaths = expand.Select(path => path.StartsWith("data.", StringComparison.Ordinal)
            ? (path[5..], path)
            : throw StripeErrors.CannotExpand(path)).ToList();
        var data = new JsonArray();
        foreach (var stored in page)
        {
            data.Add(Render(transaction, stored.Data, itemPaths, depth: 2));
        }
        return new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = hasMore, ["url"] = url };
    }

    /// <summary>What Stripe returns for a deleted object (and what an expansion of one shows).</summary>
    public static JsonObject Deleted(string type, string id) => new() { ["id"] = id, ["object"] = type, ["deleted"] = true };

    private static JsonObject Render(StoreTransaction transaction, JsonObject stored, List<(string Relative, string Full)> expand, int depth)
    {
        var result = (JsonObject)stored.DeepClone();
        if (!transaction.Registry.TryGet(stored["object"]!.GetValue<string>(), out var definition))
        {
            return result; // a type no resource serves yet: returned as stored
        }
        foreach (var hidden in definition.Hidden)
        {
            JsonObjects.Set(result, hidden, null, remove: true);
        }
        definition.Derive?.Invoke(result, transaction.Now);

        var included = new HashSet<string>(StringComparer.Ordinal);
        var byField = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var (relative, full) in expand)
        {
            if (depth > MaxExpandDepth)
            {
                throw StripeErrors.InvalidValue("expand", $"You cannot expand more than {MaxExpandDepth} levels of a property ({full}).");
            }
            if (definition.Includable.Contains(relative))
            {
                included.Add(relative);
                continue;
            }
            var field = definition.Expandable.Keys
                .Where(key => relative == key || relative.StartsWith(key + ".", StringComparison.Ordinal))
                .MaxBy(key => key.Length) ?? throw StripeErrors.CannotExpand(full);
            if (!byField.TryGetValue(field, out var nested))
            {
                nested = byField[field] = [];
            }
            if (relative.Length > field.Length)
            {
                nested.Add((relative[(field.Length + 1)..], full));
            }
        }

        // One lookup per field, with all of its deeper expansions, so "product" and "product.default_price" combine.
        foreach (var (field, nested) in byField)
        {
            var targetType = definition.Expandable[field];
            ExpandAt(transaction, result, field.Split('.'), 0, targetType, nested, depth);
        }

        foreach (var includable in definition.Includable.Where(i => !included.Contains(i)))
        {
            JsonObjects.Set(result, includable, null, remove: true);
        }
        return result;
    }

    /// <summary>
    /// Replaces the id (or each id of an array of ids) at a dotted path by its object, walking through lists on the
    /// way (<c>items.data.price.product</c> expands every item's product).
    /// </summary>
    private static void ExpandAt(StoreTransaction transaction, JsonNode? node, string[] path, int index, string targetType, List<(string, string)> nested, int depth)
    {
        if (node is JsonArray array)
        {
            foreach (var element in array)
            {
                ExpandAt(transaction, element, path, index, targetType, nested, depth);
            }
            return;
        }
        if (node is not JsonObject obj)
        {
            return;
        }
        var name = path[index];
        if (index < path.Length - 1)
        {
            ExpandAt(transaction, obj[name], path, index + 1, targetType, nested, depth);
            return;
        }
        switch (obj[name])
        {
            case JsonValue value when value.TryGetValue<string>(out var id):
                obj[name] = Lookup(transaction, targetType, id, nested, depth);
                break;
            case JsonArray ids:
                for (var i = 0; i < ids.Count; i++)
                {
                    if (ids[i] is JsonValue item && item.TryGetValue<string>(out var itemId))
                    {
                        ids[i] = Lookup(transaction, targetType, itemId, nested, depth);
                    }
                }
                break;
        }
    }

    private static JsonObject Lookup(StoreTransaction transaction, string targetType, string id, List<(string, string)> nested, int depth)
    {
        var target = transaction.Current(targetType, id)?.Data
            ?? (transaction.Registry.TryGet(targetType, out var targetDefinition) ? targetDefinition.BuiltIn?.Invoke(id) : null);
        return target is null ? Deleted(targetType, id) : Render(transaction, target, nested, depth + 1);
    }
}
