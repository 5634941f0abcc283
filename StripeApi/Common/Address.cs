using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Common;

/// <summary>A postal address, as returned and as sent (null members are left out of requests).</summary>
public sealed class Address
{
    public string? City { get; set; }

    /// <summary>Two-letter ISO 3166-1 country code.</summary>
    public string? Country { get; set; }

    // Named explicitly: the snake_case policy is not relied on to keep a digit glued to its word.
    [JsonPropertyName("line1")]
    public string? Line1 { get; set; }

    [JsonPropertyName("line2")]
    public string? Line2 { get; set; }

    public string? PostalCode { get; set; }
    public string? State { get; set; }
}
