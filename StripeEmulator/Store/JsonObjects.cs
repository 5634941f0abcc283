using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Store;

/// <summary>The few operations on Stripe objects as JSON that every resource needs.</summary>
public static class JsonObjects
{
    /// <summary>
    /// Applies bound update parameters the way Stripe updates: given scalars and arrays replace, nested hashes merge
    /// field by field, metadata merges key by key (a null value removes the key, an empty hash removes them all).
    /// </summary>
    public static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (key == "metadata")
            {
                target["metadata"] = MergeMetadata(target["metadata"] as JsonObject, value as JsonObject);
            }
            else if (value is JsonObject nested && target[key] is JsonObject existing)
            {
                Merge(existing, nested);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>New metadata from the old and the bound parameter (null keys removed, empty means clear all).</summary>
    public static JsonObject MergeMetadata(JsonObject? current, JsonObject? patch)
    {
        var result = (JsonObject?)current?.DeepClone() ?? [];
        if (patch is null || patch.Count == 0)
        {
            return patch is null ? result : [];
        }
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }
        return result;
    }

    /// <summary>Metadata for a new object: the given keys without the ones sent empty.</summary>
    public static JsonObject NewMetadata(JsonNode? parameter) => MergeMetadata(null, parameter as JsonObject ?? []);

    /// <summary>
    /// Stripe's <c>previous_attributes</c>: for each field that changed, its old value (null when it was absent);
    /// nested hashes (metadata among them) only with their changed keys. Null when nothing changed.
    /// </summary>
    public static JsonObject? PreviousAttributes(JsonObject before, JsonObject after)
    {
        var changes = new JsonObject();
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)))
        {
            var old = before[key];
            var now = after[key];
            if (JsonNode.DeepEquals(old, now))
            {
                continue;
            }
            changes[key] = old is JsonObject oldObject && now is JsonObject newObject
                ? PreviousAttributes(oldObject, newObject)
                : old?.DeepClone();
        }
        return changes.Count == 0 ? null : changes;
    }

    /// <summary>The node at a dotted path (<c>features.subscription_update.products</c>), or null.</summary>
    public static JsonNode? At(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[segment] : null;
        }
        return node;
    }

    /// <summary>Replaces (or removes, with <paramref name="remove"/>) the field at a dotted path if its parent exists.</summary>
    public static void Set(JsonObject root, string path, JsonNode? value, bool remove = false)
    {
        var dot = path.LastIndexOf('.');
        var parent = dot < 0 ? root : At(root, path[..dot]) as JsonObject;
        var name = path[(dot + 1)..];
        if (parent is null)
        {
            return;
        }
        if (remove)
        {
            parent.Remove(name);
        }
        else
        {
            parent[name] = value;
        }
    }
}
