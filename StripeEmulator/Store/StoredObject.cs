using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Store;

/// <summary>
/// One Stripe object as the store keeps it: its type (the <c>object</c> field, e.g. <c>price</c>), its id, a
/// sequence number that orders objects created in the same second, and its JSON. Stored JSON is never changed in
/// place: writers put a new object, readers get copies.
/// </summary>
public sealed record StoredObject(string Type, string Id, long Sequence, JsonObject Data)
{
    public long Created => Data["created"]?.GetValue<long>() ?? 0;

    /// <summary>
    /// For events: when the store recorded it, in the store's own time. An event of a customer on a test clock is
    /// <see cref="Created"/> at the clock's time, which may be months back; it is kept for the retention window from
    /// when it really happened, as Stripe keeps it.
    /// </summary>
    public long? Recorded { get; init; }

    /// <summary>The time the event retention window counts from.</summary>
    public long RetainedFrom => Math.Max(Created, Recorded ?? 0);

    /// <summary>Newest first, as Stripe lists: by creation time, then by the order of creation.</summary>
    public static int NewestFirst(StoredObject a, StoredObject b)
    {
        var byCreated = b.Created.CompareTo(a.Created);
        return byCreated != 0 ? byCreated : b.Sequence.CompareTo(a.Sequence);
    }
}

/// <summary>An event the store committed, with what its delivery needs.</summary>
/// <param name="Payload">The event's JSON as delivered (rendered once, when it happened).</param>
/// <param name="EndpointIds">The webhook endpoints that were enabled for its type when it happened.</param>
/// <param name="Generation">The store's generation; a reset drops deliveries of older generations.</param>
public sealed record EmittedEvent(string Id, string Type, ReadOnlyMemory<byte> Payload, IReadOnlyList<string> EndpointIds, long Generation);

/// <summary>Who caused a change: the API request, echoed in the event's <c>request</c> field.</summary>
public sealed record RequestInfo(string? RequestId, string? IdempotencyKey)
{
    /// <summary>Where the emulator was reached, for the hosted pages' URLs that objects carry.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>A change no API request caused (time passing, a hosted page).</summary>
    public static RequestInfo None { get; } = new(null, null);
}
