using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Store;

/// <summary>The store as written to <c>&lt;state dir&gt;/state.json</c>.</summary>
public sealed class StoreSnapshot
{
    /// <summary>Also the options for every JSON the emulator writes: readable, no needless escaping.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public int Format { get; init; }
    public long Sequence { get; init; }
    public Dictionary<string, string> Settings { get; init; } = [];
    public List<StoredSnapshotObject> Objects { get; init; } = [];
}

public sealed record StoredSnapshotObject(string Type, string Id, long Sequence, JsonObject Data, long? Recorded = null);
