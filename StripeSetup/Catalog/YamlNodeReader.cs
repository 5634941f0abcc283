using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Yapit.StripeSetup.Catalog;

/// <summary>One problem in the catalog file, with where it is.</summary>
public sealed record CatalogError(string Path, SourceLocation Location, string Message)
{
    public override string ToString() => $"line {Location.Line}, {Path}: {Message}";
}

/// <summary>The fields of one mapping of the file, with its path for messages.</summary>
internal sealed class FieldSet(YamlNode node, string path, Dictionary<string, YamlNode> fields)
{
    public YamlNode Node { get; } = node;
    public string Path { get; } = path;
    public Dictionary<string, YamlNode> Fields { get; } = fields;

    public bool Has(string name) => Fields.ContainsKey(name);
}

/// <summary>
/// Reads YAML nodes into values while collecting every error with its path and line, so a bad catalog is reported
/// whole, not one mistake per run. A scalar may be written per environment as <c>{test: a, live: b}</c>.
/// </summary>
internal sealed class YamlNodeReader(string environment, IReadOnlySet<string> environments)
{
    public List<CatalogError> Errors { get; } = [];

    public void Error(YamlNode node, string path, string message) => Errors.Add(new CatalogError(path, At(node), message));

    public static SourceLocation At(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    /// <summary>The fields of a mapping; unknown keys are errors.</summary>
    public FieldSet? Fields(YamlNode? node, string path, IReadOnlyCollection<string> known)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, "expected a mapping (key: value lines)");
            return null;
        }
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (!known.Contains(key))
            {
                Error(keyNode, $"{path}.{key}", $"unknown field '{key}'; expected one of: {string.Join(", ", known)}");
                continue;
            }
            if (!fields.TryAdd(key, value))
            {
                Error(keyNode, $"{path}.{key}", $"'{key}' is given twice");
            }
        }
        return new FieldSet(node, path, fields);
    }

    public IEnumerable<(YamlNode Node, string Path)> Items(YamlNode? node, string path)
    {
        if (node is null || IsNull(node))
        {
            yield break;
        }
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, path, "expected a list (lines starting with '- ')");
            yield break;
        }
        var index = 0;
        foreach (var item in sequence.Children)
        {
            yield return (item, $"{path}[{index++}]");
        }
    }

    /// <summary>The entries of a mapping used as a dictionary (for example plan limits by meter).</summary>
    public IEnumerable<(string Key, YamlNode KeyNode, YamlNode Value)> Entries(YamlNode? node, string path)
    {
        if (node is null || IsNull(node))
        {
            yield break;
        }
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, "expected a mapping (key: value lines)");
            yield break;
        }
        foreach (var (key, value) in mapping.Children)
        {
            yield return ((key as YamlScalarNode)?.Value ?? string.Empty, key, value);
        }
    }

    public string? String(FieldSet? fields, string name, bool required = false)
    {
        var node = Value(fields, name, required);
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode scalar && !IsNull(scalar))
        {
            return scalar.Value;
        }
        if (required)
        {
            Error(node, $"{fields?.Path}.{name}", "expected a text value");
        }
        else if (node is not YamlScalarNode)
        {
            Error(node, $"{fields?.Path}.{name}", "expected a text value");
        }
        return null;
    }

    public long? Long(FieldSet? fields, string name, bool required = false, long min = long.MinValue, string? unit = null)
    {
        var node = Value(fields, name, required);
        if (node is not YamlScalarNode scalar || IsNull(node))
        {
            if (node is not null && node is not YamlScalarNode)
            {
                Error(node, $"{fields?.Path}.{name}", "expected a whole number");
            }
            return null;
        }
        var text = scalar.Value!.Replace("_", string.Empty, StringComparison.Ordinal);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"{fields?.Path}.{name}", $"'{scalar.Value}' is not a whole number{(unit is null ? string.Empty : $" ({unit})")}");
            return null;
        }
        if (value < min)
        {
            Error(node, $"{fields?.Path}.{name}", $"{value} is below the minimum {min}{(unit is null ? string.Empty : $" ({unit})")}");
            return null;
        }
        return value;
    }

    public decimal? Decimal(FieldSet? fields, string name)
    {
        var node = Value(fields, name, required: false);
        if (node is not YamlScalarNode scalar || IsNull(node))
        {
            return null;
        }
        if (!decimal.TryParse(scalar.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"{fields?.Path}.{name}", $"'{scalar.Value}' is not a number");
            return null;
        }
        return value;
    }

    public bool? Bool(FieldSet? fields, string name)
    {
        var node = Value(fields, name, required: false);
        if (node is not YamlScalarNode scalar || IsNull(node))
        {
            return null;
        }
        switch (scalar.Value)
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                Error(node, $"{fields?.Path}.{name}", $"'{scalar.Value}' is not true or false");
                return null;
        }
    }

    public DateTimeOffset? Date(FieldSet? fields, string name)
    {
        var node = Value(fields, name, required: false);
        if (node is not YamlScalarNode scalar || IsNull(node))
        {
            return null;
        }
        if (!DateTimeOffset.TryParse(scalar.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            Error(node, $"{fields?.Path}.{name}", $"'{scalar.Value}' is not a date (use ISO 8601, e.g. 2027-01-31T23:59:59Z)");
            return null;
        }
        return value;
    }

    public List<string> Strings(FieldSet? fields, string name)
    {
        var node = Value(fields, name, required: false);
        var values = new List<string>();
        foreach (var (item, itemPath) in Items(node, $"{fields?.Path}.{name}"))
        {
            if (item is YamlScalarNode { Value: { Length: > 0 } value })
            {
                values.Add(value);
            }
            else
            {
                Error(item, itemPath, "expected a text value");
            }
        }
        return values;
    }

    public Dictionary<string, string> StringMap(FieldSet? fields, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, keyNode, value) in Entries(Value(fields, name, required: false), $"{fields?.Path}.{name}"))
        {
            if (Resolve(value, $"{fields?.Path}.{name}.{key}") is YamlScalarNode scalar && !IsNull(scalar))
            {
                map[key] = scalar.Value!;
            }
            else
            {
                Error(keyNode, $"{fields?.Path}.{name}.{key}", "expected a text value");
            }
        }
        return map;
    }

    /// <summary>A field's node, resolved for the current environment; a missing required field is an error.</summary>
    public YamlNode? Value(FieldSet? fields, string name, bool required)
    {
        if (fields is null)
        {
            return null;
        }
        if (!fields.Fields.TryGetValue(name, out var node))
        {
            if (required)
            {
                Error(fields.Node, $"{fields.Path}.{name}", $"'{name}' is required");
            }
            return null;
        }
        return Resolve(node, $"{fields.Path}.{name}");
    }

    /// <summary>A mapping whose keys are all environment names stands for the current environment's value.</summary>
    public YamlNode? Resolve(YamlNode node, string path)
    {
        if (node is YamlMappingNode mapping && mapping.Children.Count > 0
            && mapping.Children.Keys.All(k => k is YamlScalarNode { Value: { } key } && environments.Contains(key)))
        {
            var match = mapping.Children.FirstOrDefault(c => ((YamlScalarNode)c.Key).Value == environment);
            if (match.Value is null)
            {
                Error(node, path, $"no value for environment '{environment}' (given for: {string.Join(", ", mapping.Children.Keys)})");
            }
            return match.Value;
        }
        return node;
    }

    /// <summary>Whether a resource that lists <c>environments</c> belongs in the current one.</summary>
    public bool InEnvironment(FieldSet? fields)
    {
        if (fields is null || !fields.Has("environments"))
        {
            return true;
        }
        var listed = Strings(fields, "environments");
        foreach (var unknown in listed.Where(e => !environments.Contains(e)))
        {
            Error(fields.Fields["environments"], $"{fields.Path}.environments", $"unknown environment '{unknown}'; the catalog declares: {string.Join(", ", environments)}");
        }
        return listed.Contains(environment);
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } scalar
        && scalar.Value is null or "" or "~" or "null";
}
