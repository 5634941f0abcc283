using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Events;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Store;

/// <summary>
/// One request's view of the store, under its lock: reads see this transaction's own changes; changes and events
/// are staged and committed together when the request's work returns. Objects handed out are copies.
/// </summary>
public sealed class StoreTransaction
{
    private readonly StripeStore _store;
    private bool _timeSet;
    private readonly Dictionary<(string Type, string Id), StoredObject?> _staged = [];
    private readonly List<(StoredObject Event, IReadOnlyList<string> EndpointIds)> _events = [];

    internal StoreTransaction(StripeStore store, RequestInfo request, DateTimeOffset now)
    {
        _store = store;
        Request = request;
        Now = now;
        StartedAt = now;
    }

    /// <summary>The store's time when the transaction began, whatever clock its objects follow.</summary>
    public DateTimeOffset StartedAt { get; }

    public RequestInfo Request { get; }

    /// <summary>
    /// The time the transaction's objects and events carry: the store's clock when it began, or the frozen time of
    /// the test clock the touched customer lives on (<see cref="UseClockOf"/>), or a moment a clock advance is at.
    /// </summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>How many events this transaction has emitted so far (a clock advance logs which each step sent).</summary>
    public int EmittedCount => _events.Count;

    /// <summary>The types of the events emitted from position <paramref name="from"/> on.</summary>
    public IEnumerable<string> EmittedTypesFrom(int from) => _events.Skip(from).Select(e => e.Event.Data["type"]!.GetValue<string>());

    /// <summary>
    /// Objects of a customer on a test clock take their times from the clock: call with the customer (or any object
    /// carrying <c>test_clock</c>) before the rule reads <see cref="Now"/>.
    /// </summary>
    public void UseClockOf(JsonObject? owner) => UseClock(owner?["test_clock"]?.GetValue<string>());

    public void UseClock(string? clockId)
    {
        // A clock advance has set the moment explicitly; the rules it runs must not reset it to the frozen time.
        if (!_timeSet && clockId is not null && Current(TestClockType, clockId) is { } clock)
        {
            Now = DateTimeOffset.FromUnixTimeSeconds(clock.Data["frozen_time"]!.GetValue<long>());
        }
    }

    /// <summary>Moves this transaction to a moment (a clock advance runs each due piece of work at its own time).</summary>
    public void SetTime(DateTimeOffset now)
    {
        Now = now;
        _timeSet = true;
    }

    /// <summary>A value kept with the store (operators' settings such as the dunning schedule); null when unset.</summary>
    public string? Setting(string name) => _store.SettingUnlocked(name);

    public const string TestClockType = "test_helpers.test_clock";

    public long NowUnix => Now.ToUnixTimeSeconds();

    public ResourceRegistry Registry => _store.Registry;

    internal IReadOnlyDictionary<(string Type, string Id), StoredObject?> Staged => _staged;

    internal IReadOnlyList<(StoredObject Event, IReadOnlyList<string> EndpointIds)> EmittedEvents => _events;

    /// <summary>The object as stored, for reading only (never modify its Data); null when there is none.</summary>
    public StoredObject? Current(string type, string id) =>
        _staged.TryGetValue((type, id), out var staged) ? staged : _store.Committed(type, id);

    /// <summary>A copy of the object, or null.</summary>
    public JsonObject? Find(string type, string id) => (JsonObject?)Current(type, id)?.Data.DeepClone();

    /// <summary>A copy of the object, or Stripe's "No such ..." error (404 for an id in the URL, 400 for one in a parameter).</summary>
    public JsonObject Get(string type, string id, string param = "id", int status = 404) =>
        Find(type, id) ?? throw StripeErrors.ResourceMissing(Registry.TryGet(type, out var definition) ? definition.Noun : type, id, param, status);

    /// <summary>Every object of a type as stored (read only), newest first.</summary>
    public List<StoredObject> All(string type)
    {
        var all = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
        foreach (var stored in _store.Committed(type))
        {
            all[stored.Id] = stored;
        }
        foreach (var ((stagedType, id), stored) in _staged)
        {
            if (stagedType != type)
            {
                continue;
            }
            if (stored is null)
            {
                all.Remove(id);
            }
            else
            {
                all[id] = stored;
            }
        }
        var list = all.Values.ToList();
        list.Sort(StoredObject.NewestFirst);
        return list;
    }

    /// <summary>Adds a new object; its type and id are its <c>object</c> and <c>id</c> fields.</summary>
    public void Insert(JsonObject data)
    {
        var (type, id) = Identity(data);
        if (Current(type, id) is not null)
        {
            throw new InvalidOperationException($"A {type} with id '{id}' already exists.");
        }
        _staged[(type, id)] = new StoredObject(type, id, _store.NextSequence(), Normalized(data));
    }

    /// <summary>Replaces an existing object with a new version.</summary>
    public void Update(JsonObject data)
    {
        var (type, id) = Identity(data);
        var current = Current(type, id) ?? throw new InvalidOperationException($"There is no {type} '{id}' to update.");
        _staged[(type, id)] = current with { Data = Normalized(data) };
    }

    public void Delete(string type, string id) => _staged[(type, id)] = null;

    /// <summary>
    /// Records the event Stripe emits for a change: <c>data.object</c> is the object as the API returns it (no
    /// expansions), <c>data.previous_attributes</c> the changed fields' old values for an update. Its webhook
    /// endpoints are those enabled for the type right now.
    /// </summary>
    public JsonObject Emit(string eventType, JsonObject obj, JsonObject? previousAttributes = null)
    {
        var endpoints = All(EventTypes.WebhookEndpointType)
            .Where(e => e.Data["status"]?.GetValue<string>() == "enabled"
                && EventTypes.EndpointWants(e.Data["enabled_events"] as JsonArray, eventType))
            .Select(e => e.Id)
            .ToArray();
        var data = new JsonObject { ["object"] = ObjectRenderer.Render(this, obj, []) };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes.DeepClone();
        }
        var stripeEvent = new JsonObject
        {
            ["id"] = IdGenerator.New("evt"),
            ["object"] = EventTypes.ObjectType,
            ["api_version"] = EmulatedApiVersion.Current,
            ["created"] = NowUnix,
            ["data"] = data,
            ["livemode"] = false,
            ["pending_webhooks"] = (long)endpoints.Length,
            ["request"] = new JsonObject { ["id"] = Request.RequestId, ["idempotency_key"] = Request.IdempotencyKey },
            ["type"] = eventType,
        };
        Insert(stripeEvent);
        var key = (EventTypes.ObjectType, stripeEvent["id"]!.GetValue<string>());
        _staged[key] = _staged[key]! with { Recorded = StartedAt.ToUnixTimeSeconds() };
        _events.Add((Current(EventTypes.ObjectType, stripeEvent["id"]!.GetValue<string>())!, endpoints));
        return stripeEvent;
    }

    /// <summary>
    /// Stores an updated object and emits <paramref name="eventType"/> with the changed fields' old values, unless
    /// nothing changed (Stripe emits no event then, and leaves <c>updated</c> alone). Returns whether anything changed.
    /// </summary>
    public bool UpdateAndEmit(string eventType, JsonObject before, JsonObject after)
    {
        if (JsonObjects.PreviousAttributes(before, after) is null)
        {
            return false;
        }
        if (after.ContainsKey("updated"))
        {
            after["updated"] = NowUnix;
        }
        var previous = JsonObjects.PreviousAttributes(before, after)!;
        Update(after);
        Emit(eventType, after, previous);
        return true;
    }

    /// <summary>Inserts a new object and emits its type's <c>.created</c> event.</summary>
    public JsonObject InsertAndEmit(JsonObject data)
    {
        Insert(data);
        Emit(EventName(data, "created"), data);
        return data;
    }

    /// <summary>Updates an object and emits its type's <c>.updated</c> event with the previous attributes (nothing when unchanged).</summary>
    public bool UpdateAndEmit(JsonObject before, JsonObject after) => UpdateAndEmit(EventName(after, "updated"), before, after);

    /// <summary>Deletes an object, emits its type's <c>.deleted</c> event and returns Stripe's deleted marker.</summary>
    public JsonObject DeleteAndEmit(JsonObject data, JsonObject? asEmitted = null)
    {
        var (type, id) = Identity(data);
        Delete(type, id);
        Emit(EventName(data, "deleted"), asEmitted ?? data);
        return ObjectRenderer.Deleted(type, id);
    }

    /// <summary><c>{prefix}.{action}</c>, the prefix being the type's event prefix (or the type).</summary>
    public string EventName(JsonObject data, string action)
    {
        var type = Identity(data).Type;
        return $"{(Registry.TryGet(type, out var definition) ? definition.EventPrefix ?? type : type)}.{action}";
    }

    /// <summary>
    /// A copy as JSON would read it back, so a number stored from an <c>int</c> reads as a <c>long</c> like every
    /// other (and like the state file restores it).
    /// </summary>
    private static JsonObject Normalized(JsonObject data) => (JsonObject)JsonNode.Parse(data.ToJsonString())!;

    private static (string Type, string Id) Identity(JsonObject data) =>
        (data["object"]?.GetValue<string>() ?? throw new ArgumentException("A stored object needs an 'object' field.", nameof(data)),
         data["id"]?.GetValue<string>() ?? throw new ArgumentException("A stored object needs an 'id' field.", nameof(data)));
}
