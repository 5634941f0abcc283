using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Yapit.StripeEmulator.Events;

namespace Yapit.StripeEmulator.Store;

/// <summary>
/// Every Stripe object the emulator holds, by type and id, behind one lock. A request reads or writes through a
/// <see cref="StoreTransaction"/> that runs entirely under the lock and commits all of its changes and events at
/// once (or none, if it throws), so a change that touches several objects (a lookup key moving between prices, a
/// Checkout session completing into a customer, a subscription and an invoice) is never seen half done.
/// Committed events go to <see cref="Events"/> (webhook delivery); every commit signals <see cref="Changes"/>
/// (persistence).
/// </summary>
public sealed class StripeStore
{
    public const int SnapshotFormat = 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, StoredObject>> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _settings = new(StringComparer.Ordinal);
    private readonly Channel<EmittedEvent> _events = Channel.CreateUnbounded<EmittedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private long _sequence;
    private long _generation;
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    public StripeStore(ResourceRegistry registry, TimeProvider time, StoreSnapshot? snapshot = null)
    {
        Registry = registry;
        Time = time;
        if (snapshot is not null)
        {
            Restore(snapshot);
        }
    }

    /// <summary>Stripe lists events of the last 30 days only; older ones are dropped.</summary>
    public static TimeSpan EventRetention { get; } = TimeSpan.FromDays(30);

    public ResourceRegistry Registry { get; }

    public TimeProvider Time { get; }

    /// <summary>Events in commit order, read by the webhook dispatcher.</summary>
    public ChannelReader<EmittedEvent> Events => _events.Reader;

    /// <summary>Signalled after every commit that changed something, read by persistence (coalesced).</summary>
    public ChannelReader<bool> Changes => _changes.Reader;

    /// <summary>Incremented by <see cref="Reset"/>, so deliveries of events from before a reset are dropped.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public T Read<T>(Func<StoreTransaction, T> read)
    {
        lock (_gate)
        {
            return read(new StoreTransaction(this, RequestInfo.None, Time.GetUtcNow()));
        }
    }

    public T Write<T>(RequestInfo request, Func<StoreTransaction, T> write)
    {
        lock (_gate)
        {
            var transaction = new StoreTransaction(this, request, Time.GetUtcNow());
            var result = write(transaction);
            Commit(transaction);
            return result;
        }
    }

    /// <summary>A value kept with the store and across restarts, created on first use (the listen secret).</summary>
    public string GetOrAddSetting(string name, Func<string> create)
    {
        lock (_gate)
        {
            if (!_settings.TryGetValue(name, out var value))
            {
                value = _settings[name] = create();
                _changes.Writer.TryWrite(true);
            }
            return value;
        }
    }

    /// <summary>Sets (or with null removes) an operator's setting; <see cref="Reset"/> clears those named <c>reset.*</c>.</summary>
    public void SetSetting(string name, string? value)
    {
        lock (_gate)
        {
            if (value is null)
            {
                _settings.Remove(name);
            }
            else
            {
                _settings[name] = value;
            }
            _changes.Writer.TryWrite(true);
        }
    }

    public string? GetSetting(string name)
    {
        lock (_gate)
        {
            return SettingUnlocked(name);
        }
    }

    internal string? SettingUnlocked(string name) => _settings.GetValueOrDefault(name);

    /// <summary>Empties the store: objects, events, pending deliveries and operators' <c>reset.*</c> settings. The listen secret stays.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _objects.Clear();
            foreach (var name in _settings.Keys.Where(k => k.StartsWith("reset.", StringComparison.Ordinal)).ToList())
            {
                _settings.Remove(name);
            }
            Interlocked.Increment(ref _generation);
            _changes.Writer.TryWrite(true);
        }
    }

    /// <summary>The whole state as JSON, taken under the lock (objects are small; this is an emulator).</summary>
    public byte[] Snapshot()
    {
        lock (_gate)
        {
            var snapshot = new StoreSnapshot
            {
                Format = SnapshotFormat,
                Sequence = _sequence,
                Settings = new Dictionary<string, string>(_settings, StringComparer.Ordinal),
                Objects = [.. _objects.Values.SelectMany(byId => byId.Values)
                    .OrderBy(o => o.Sequence)
                    .Select(o => new StoredSnapshotObject(o.Type, o.Id, o.Sequence, o.Data, o.Recorded))],
            };
            return JsonSerializer.SerializeToUtf8Bytes(snapshot, StoreSnapshot.JsonOptions);
        }
    }

    internal IEnumerable<StoredObject> Committed(string type) =>
        _objects.TryGetValue(type, out var byId) ? byId.Values : [];

    internal StoredObject? Committed(string type, string id) =>
        _objects.TryGetValue(type, out var byId) && byId.TryGetValue(id, out var stored) ? stored : null;

    internal long NextSequence() => ++_sequence;

    private void Commit(StoreTransaction transaction)
    {
        if (transaction.Staged.Count == 0)
        {
            return;
        }
        foreach (var ((type, id), stored) in transaction.Staged)
        {
            if (!_objects.TryGetValue(type, out var byId))
            {
                byId = _objects[type] = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
            }
            if (stored is null)
            {
                byId.Remove(id);
            }
            else
            {
                byId[id] = stored;
            }
        }
        var generation = Generation;
        foreach (var (stored, endpointIds) in transaction.EmittedEvents)
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(stored.Data, StoreSnapshot.JsonOptions);
            _events.Writer.TryWrite(new EmittedEvent(stored.Id, stored.Data["type"]!.GetValue<string>(), payload, endpointIds, generation));
        }
        // Real time, not the transaction's: a test clock's far future must not prune real events.
        PruneEvents(Time.GetUtcNow());
        _changes.Writer.TryWrite(true);
    }

    /// <summary>Drops events past the retention window; at most once a minute of store time, as it scans them all.</summary>
    private void PruneEvents(DateTimeOffset now)
    {
        if (now - _lastPrune < TimeSpan.FromMinutes(1) || !_objects.TryGetValue(EventTypes.ObjectType, out var events))
        {
            return;
        }
        _lastPrune = now;
        var cutoff = (now - EventRetention).ToUnixTimeSeconds();
        foreach (var expired in events.Values.Where(e => e.RetainedFrom < cutoff).Select(e => e.Id).ToList())
        {
            events.Remove(expired);
        }
    }

    private void Restore(StoreSnapshot snapshot)
    {
        if (snapshot.Format != SnapshotFormat)
        {
            throw new InvalidDataException($"The state has format {snapshot.Format}; this emulator reads format {SnapshotFormat}.");
        }
        _sequence = snapshot.Sequence;
        foreach (var (name, value) in snapshot.Settings)
        {
            _settings[name] = value;
        }
        foreach (var stored in snapshot.Objects)
        {
            if (!_objects.TryGetValue(stored.Type, out var byId))
            {
                byId = _objects[stored.Type] = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
            }
            // A deep copy materialises the parsed JSON, so later concurrent reads never race on lazy parsing.
            byId[stored.Id] = new StoredObject(stored.Type, stored.Id, stored.Sequence, (JsonObject)stored.Data.DeepClone()) { Recorded = stored.Recorded };
            _sequence = Math.Max(_sequence, stored.Sequence);
        }
    }
}
