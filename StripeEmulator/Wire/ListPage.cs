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

    public static IResult Respond(StoreTransaction transaction, StripeRequest request, Params parameters, string type, string url, Func<StoredObject, bool> filter)
    {
        var limit = (int)(parameters.Long("limit") ?? DefaultLimit);
        var startingAfter = parameters.String("starting_after");
        var endingBefore = parameters.String("ending_before");
        if (startingAfter is not null && endingBefore is not null)
        {
            throw StripeErrors.ParametersExclusive("starting_after", "ending_before");
        }

        var matching = transaction.All(type).Where(filter).ToList();
        List<StoredObject> page;
        bool hasMore;
        if (startingAfter is not null)
        {
            var cursor = Cursor(transaction, type, startingAfter, "starting_after");
            var older = matching.Where(o => StoredObject.NewestFirst(o, cursor) > 0).ToList();
            page = older.Take(limit).ToList();
            hasMore = older.Count > limit;
        }
        else if (endingBefore is not null)
        {
            var cursor = Cursor(transaction, type, endingBefore, "ending_before");
            var newer = matching.Where(o => StoredObject.NewestFirst(o, cursor) < 0).ToList();
            page = newer.TakeLast(limit).ToList();
            hasMore = newer.Count > limit;
        }
        else
        {
            page = matching.Take(limit).ToList();
            hasMore = matching.Count > limit;
        }
        return StripeResults.Json(ObjectRenderer.RenderList(transaction, page, hasMore, url, request.Expand));
    }

    private static StoredObject Cursor(StoreTransaction transaction, string type, string id, string param) =>
        transaction.Current(type, id) ?? throw StripeErrors.ResourceMissing(transaction.Registry.Get(type).Noun, id, param, status: 400);
}
