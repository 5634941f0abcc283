using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Common;

/// <summary>
/// An object of a type this library does not model (a payment method, a subscription schedule, ...), reachable
/// through an <see cref="Serialization.Expandable{T}"/> field: its id and type, and its other fields as JSON.
/// </summary>
public sealed class StripeObject : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = string.Empty;

    [JsonExtensionData]
    public Dictionary<string, JsonElement> Fields { get; init; } = [];
}
