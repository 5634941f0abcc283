using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Wire;

/// <summary>
/// Stripe's cursor paging over a type's objects, newest first: <c>limit</c> (1 to 100, default 10), then either
/// <c>starting_after</c> (the next, older page) or <c>ending_before</c> (the previous, newer page). A cursor is
/// placed by its object's position, so it need not pass the filters itself.
/// </summary>
public static class ListPage
{
    public const int DefaultLimit = 10;

    public static IResult Respond(StoreTransaction transaction, StripeRequest request, Params parameters, string type, string url, Func<StoredObject, bool> filter) =>
        StripeResults.Json(Render(transaction, request, parameters, type, url, filter));

    public static JsonObject Render(StoreTransaction transaction, StripeRequest request, Params parameters, string type, string url, Func<StoredObject, bool> filter)
    {
        var all = transaction.All(type);
        var (page, hasMore) = Slice(all.Where(filter).ToList(), parameters,
            id => all.FirstOrDefault(o => o.Id == id) ?? transaction.Current(type, id) ?? throw StripeErrors.ResourceMissing(transaction.Registry.Get(type).Noun, id, "starting_after", 400),
            StoredObject.NewestFirst);
        return ObjectRenderer.RenderList(transaction, page, hasMore, url, request.Expand);
    }

    /// <summary>A page of objects embedded in another (an invoice's lines, a session's line items), in their own order.</summary>
    public static JsonObject RenderItems(StoreTransaction transaction, StripeRequest request, Params parameters, IReadOnlyList<JsonObject> items, string url)
    {
        var stored = items.Select((item, index) => new StoredObject(item["object"]!.GetValue<string>(), item["id"]!.GetValue<string>(), index, item)).ToList();
        var (page, hasMore) = Slice(stored, parameters,
            id => stored.FirstOrDefault(o => o.Id == id) ?? throw StripeErrors.ResourceMissing("item", id, "starting_after", 400),
            (a, b) => a.Sequence.CompareTo(b.Sequence));
        return ObjectRenderer.RenderList(transaction, page, hasMore, url, request.Expand);
    }

    private static (List<StoredObject> Page, bool HasMore) Slice(List<StoredObject> matching, Params parameters, Func<string, StoredObject> cursor, Comparison<StoredObject> order)
    {
        var limit = (int)(parameters.Long("limit") ?? DefaultLimit);
        var startingAfter = parameters.String("starting_after");
        var endingBefore = parameters.String("ending_before");
        if (startingAfter is not null && endingBefore is not null)
        {
            throw StripeErrors.ParametersExclusive("starting_after", "ending_before");
        }
        if (startingAfter is not null)
        {
            var after = cursor(startingAfter);
            var older = matching.Where(o => order(o, after) > 0).ToList();
            return (older.Take(limit).ToList(), older.Count > limit);
        }
        if (endingBefore is not null)
        {
            var before = cursor(endingBefore);
            var newer = matching.Where(o => order(o, before) < 0).ToList();
            return (newer.TakeLast(limit).ToList(), newer.Count > limit);
        }
        return (matching.Take(limit).ToList(), matching.Count > limit);
    }
}
