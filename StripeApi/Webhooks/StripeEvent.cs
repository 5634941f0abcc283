using System.Text.Json;
using System.Text.Json.Serialization;
using Yapit.StripeApi.Common;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Webhooks;

/// <summary>Stripe's event envelope, as delivered to webhooks and listed by <c>/v1/events</c>.</summary>
public sealed class StripeEvent : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "event";
    public string? ApiVersion { get; init; }
    public DateTimeOffset Created { get; init; }
    public bool Livemode { get; init; }
    public string Type { get; init; } = string.Empty;
    public EventData Data { get; init; } = new();
    public EventRequest? Request { get; init; }
    public long? PendingWebhooks { get; init; }

    /// <summary>The id of the object the event is about (<c>data.object.id</c>), if it has one.</summary>
    [JsonIgnore]
    public string? ObjectId => Data.Object.ValueKind == JsonValueKind.Object && Data.Object.TryGetProperty("id", out var id) ? id.GetString() : null;

    /// <summary>The object's type (<c>data.object.object</c>, e.g. "price").</summary>
    [JsonIgnore]
    public string? ObjectType => Data.Object.ValueKind == JsonValueKind.Object && Data.Object.TryGetProperty("object", out var type) ? type.GetString() : null;

    public static StripeEvent Parse(ReadOnlySpan<byte> json) => StripeJson.Deserialize<StripeEvent>(json);

    /// <summary>The event's object as a typed resource.</summary>
    public T GetObject<T>() => StripeJson.Deserialize<T>(Data.Object);
}

public sealed class EventData
{
    public JsonElement Object { get; init; }

    /// <summary>For <c>*.updated</c> events: the changed fields' previous values.</summary>
    public JsonElement? PreviousAttributes { get; init; }
}

public sealed class EventRequest
{
    public string? Id { get; init; }
    public string? IdempotencyKey { get; init; }
}
