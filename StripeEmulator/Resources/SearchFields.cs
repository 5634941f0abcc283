using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Resources;

/// <summary>
/// Stripe's search (<c>GET /v1/xxx/search?query=...</c>) over the fields a resource names: clauses
/// <c>field:'value'</c> (exact), <c>field~'value'</c> (substring), <c>-field:'value'</c> (not),
/// <c>metadata['key']:'value'</c>, and <c>created&gt;=unix</c>, joined by all <c>AND</c> or all <c>OR</c>.
/// Stripe's search is eventually consistent; the emulator's sees every write at once.
/// </summary>
public sealed partial class SearchFields(IReadOnlyDictionary<string, string> fields)
{
    public const int MaxLimit = 100;

    public static ObjectParam Schema { get; } = RequestSchema.Body(
        ("query", P.Max(10000).Required()),
        ("limit", new IntegerParam { Min = 1, Max = MaxLimit }),
        ("page", P.String));

    /// <summary>Query field → dotted path in the object (e.g. <c>email</c> → <c>email</c>, <c>status</c> → <c>status</c>).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; } = fields;

    internal IResult Respond(StoreTransaction tx, StripeRequest request, Params parameters, ResourceApi resource)
    {
        var predicate = Parse(parameters.String("query")!);
        var limit = (int)(parameters.Long("limit") ?? 10);
        var offset = 0;
        if (parameters.String("page") is { } page && !int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            throw StripeErrors.InvalidValue("page", $"Invalid page: {page} is not a page token this search returned.");
        }
        var matching = tx.All(resource.Definition.Type).Where(o => predicate(o.Data)).ToList();
        var pageItems = matching.Skip(offset).Take(limit).ToList();
        var hasMore = matching.Count > offset + limit;
        var list = ObjectRenderer.RenderList(tx, pageItems, hasMore, $"{resource.Path}/search", request.Expand);
        list["object"] = "search_result";
        list["next_page"] = hasMore ? (offset + limit).ToString(CultureInfo.InvariantCulture) : null;
        list["total_count"] = matching.Count;
        return StripeResults.Json(list);
    }

    private Func<JsonObject, bool> Parse(string query)
    {
        var hasAnd = AndSplit().IsMatch(query);
        var hasOr = OrSplit().IsMatch(query);
        if (hasAnd && hasOr)
        {
            throw StripeErrors.InvalidValue("query", "Search queries cannot mix AND and OR.");
        }
        var clauses = (hasOr ? OrSplit() : AndSplit()).Split(query.Trim()).Select(ParseClause).ToList();
        return hasOr ? o => clauses.Any(c => c(o)) : o => clauses.All(c => c(o));
    }

    private Func<JsonObject, bool> ParseClause(string clause)
    {
        var match = Clause().Match(clause.Trim());
        if (!match.Success)
        {
            throw StripeErrors.InvalidValue("query", $"Invalid search clause: {clause.Trim()}. Clauses look like field:'value' or metadata['key']:'value'.");
        }
        var negate = match.Groups["not"].Success;
        var field = match.Groups["field"].Value;
        var key = match.Groups["key"].Success ? match.Groups["key"].Value : null;
        var op = match.Groups["op"].Value;
        var value = match.Groups["q1"].Success ? match.Groups["q1"].Value : match.Groups["q2"].Success ? match.Groups["q2"].Value : match.Groups["bare"].Value;

        Func<JsonObject, JsonNode?> read;
        if (field == "metadata" && key is not null)
        {
            read = o => (o["metadata"] as JsonObject)?[key];
        }
        else if (field == "created")
        {
            read = o => o["created"];
        }
        else if (key is null && Fields.TryGetValue(field, out var path))
        {
            read = o => JsonObjects.At(o, path);
        }
        else
        {
            throw StripeErrors.InvalidValue("query", $"Field '{field}' is not supported for search on this resource; supported: {string.Join(", ", Fields.Keys.Append("metadata").Append("created"))}.");
        }

        Func<JsonObject, bool> test = op switch
        {
            ":" => o => Text(read(o)) is { } text && string.Equals(text, value, StringComparison.OrdinalIgnoreCase),
            "~" => o => Text(read(o)) is { } text && text.Contains(value, StringComparison.OrdinalIgnoreCase),
            _ => o => Number(read(o)) is { } number && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound) && op switch
            {
                ">" => number > bound,
                ">=" => number >= bound,
                "<" => number < bound,
                _ => number <= bound,
            },
        };
        return negate ? o => !test(o) : test;
    }

    private static string? Text(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value => value.ToJsonString(),
        _ => null,
    };

    private static long? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    [GeneratedRegex(@"\s+AND\s+")]
    private static partial Regex AndSplit();

    [GeneratedRegex(@"\s+OR\s+")]
    private static partial Regex OrSplit();

    [GeneratedRegex(@"^(?<not>-)?(?<field>[a-z_\.]+)(\[['""](?<key>[^'""]+)['""]\])?\s*(?<op>>=|<=|:|~|>|<)\s*(?:'(?<q1>[^']*)'|""(?<q2>[^""]*)""|(?<bare>\S+))$")]
    private static partial Regex Clause();
}
