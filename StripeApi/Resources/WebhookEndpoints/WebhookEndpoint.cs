using Yapit.StripeApi.Common;

namespace Yapit.StripeApi.Resources.WebhookEndpoints;

/// <summary>Where Stripe sends events (<c>we_...</c>). Its signing <c>secret</c> is returned only by create.</summary>
public sealed class WebhookEndpoint : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "webhook_endpoint";
    public string? ApiVersion { get; init; }
    public string? Application { get; init; }
    public DateTimeOffset Created { get; init; }
    public string? Description { get; init; }
    public List<string> EnabledEvents { get; init; } = [];
    public bool Livemode { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = [];
    public string? Secret { get; init; }

    /// <summary><c>enabled</c> or <c>disabled</c>.</summary>
    public string Status { get; init; } = "enabled";
    public string Url { get; init; } = string.Empty;
}

public sealed class WebhookEndpointCreateOptions : StripeOptions
{
    public required List<string> EnabledEvents { get; set; }
    public required string Url { get; set; }
    public string? ApiVersion { get; set; }
    public bool? Connect { get; set; }
    public string? Description { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
}

public sealed class WebhookEndpointUpdateOptions : StripeOptions
{
    public string? Description { get; set; }
    public bool? Disabled { get; set; }
    public List<string>? EnabledEvents { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Url { get; set; }
}

public sealed class WebhookEndpointListOptions : ListOptions;
