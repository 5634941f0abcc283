namespace Yapit.Bench.WebhookToEntitlement;

/// <summary>A seeded user: their JWT, their subscription in the emulator, and the state the last change set.</summary>
public sealed class BenchUser(string id, string token, string subscriptionId, string itemId)
{
    public string Id { get; } = id;
    public string Token { get; } = token;
    public string SubscriptionId { get; } = subscriptionId;
    public string ItemId { get; } = itemId;

    /// <summary>cancel_at_period_end as the last change left it.</summary>
    public bool Canceling { get; set; }

    /// <summary>On Max monthly (else Plus monthly) as the last change left it.</summary>
    public bool OnMax { get; set; }
}
