namespace Yapit.StripeApi;

/// <summary>Bound from configuration section <c>Stripe</c> (environment: <c>Stripe__SecretKey</c>, <c>Stripe__ApiBase</c>).</summary>
public sealed class StripeClientOptions
{
    public const string SectionName = "Stripe";
    public static readonly Uri DefaultApiBase = new("https://api.stripe.com");

    public string SecretKey { get; set; } = string.Empty;

    public Uri ApiBase { get; set; } = DefaultApiBase;

    /// <summary>Retries after the first attempt, for connection failures, 409, 429 and 5xx.</summary>
    public int MaxNetworkRetries { get; set; } = 2;

    public TimeSpan InitialNetworkRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxNetworkRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A Retry-After longer than this is not waited for; the normal backoff applies instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for one attempt.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(40);

    public string ApiVersion { get; set; } = StripeApiVersion.Current;
}
