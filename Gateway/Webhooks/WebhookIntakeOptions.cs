namespace Yapit.Gateway.Webhooks;

/// <summary>Bound from <c>Stripe</c>: <c>Stripe__WebhookSecrets__0</c>, <c>__1</c>, ... (several while a secret is rolled).</summary>
public sealed class WebhookIntakeOptions
{
    public List<string> WebhookSecrets { get; set; } = [];

    /// <summary>How far a signature's timestamp may be from now.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Larger bodies are refused with 413 before they are read whole.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Inbox inserts running at once (<c>Stripe__MaxConcurrentInserts</c>), each a batch of the webhooks that queued
    /// while the others committed (see <see cref="WebhookInboxWriter"/>). More only add connections.
    /// </summary>
    public int MaxConcurrentInserts { get; set; } = 4;

    /// <summary>Most webhooks in one insert (<c>Stripe__MaxInsertBatch</c>).</summary>
    public int MaxInsertBatch { get; set; } = 64;

    /// <summary>The secret key, only to learn whether this deployment is in test or live mode.</summary>
    public string? SecretKey { get; set; }
}
