namespace Yapit.StripeApi.Http;

/// <summary>Per-request settings, beside the resource's parameters.</summary>
public sealed record RequestOptions
{
    /// <summary>Sent as Idempotency-Key on a POST; generated when absent. The same key is used on every retry.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Acts on a connected account (<c>Stripe-Account</c>).</summary>
    public string? StripeAccount { get; init; }

    /// <summary>Overrides the client's retry count for this request.</summary>
    public int? MaxNetworkRetries { get; init; }
}
