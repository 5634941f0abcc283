namespace Yapit.Billing.Stripe;

/// <summary>Bound from the configuration section <c>Stripe</c> (environment: <c>Stripe__SecretKey</c>, <c>Stripe__ApiBase</c>, ...).</summary>
public sealed class StripeSettings
{
    public const string SectionName = "Stripe";

    public string SecretKey { get; set; } = string.Empty;

    /// <summary>Stripe itself unless set (the emulator in the local stack and the tests).</summary>
    public Uri? ApiBase { get; set; }

    /// <summary>
    /// Stripe.net's retries after the first attempt (connection failures, 409, 429, 5xx, with the same idempotency key,
    /// honouring Stripe-Should-Retry). The only retry layer of Stripe calls.
    /// </summary>
    public int MaxNetworkRetries { get; set; } = 2;

    /// <summary>Time allowed for one attempt (the HttpClient's timeout; Stripe.net sends each attempt separately).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>
    /// The most requests per second this process sends to Stripe; 0 or less is no limit. Unset: 20 with a test key
    /// and 80 with a live one when talking to Stripe itself (which allows 25 and 100), no limit with another
    /// <see cref="ApiBase"/> (the emulator). Several processes share Stripe's limit: set it per process accordingly.
    /// </summary>
    public double? MaxRequestsPerSecond { get; set; }

    /// <summary>The limit in force (see <see cref="MaxRequestsPerSecond"/>), null when there is none.</summary>
    public double? EffectiveMaxRequestsPerSecond => MaxRequestsPerSecond switch
    {
        { } set when set > 0 => set,
        { } => null,
        null when ApiBase is null && !string.IsNullOrWhiteSpace(SecretKey) => Mode == StripeMode.Live ? 80 : 20,
        null => null,
    };

    /// <summary>The key's mode; throws <see cref="InvalidOperationException"/> naming the setting when it is missing or not a Stripe key.</summary>
    public StripeMode Mode
    {
        get
        {
            if (string.IsNullOrWhiteSpace(SecretKey))
            {
                throw new InvalidOperationException("No Stripe secret key is configured (Stripe:SecretKey, environment Stripe__SecretKey).");
            }
            try
            {
                return StripeKeys.ModeOf(SecretKey);
            }
            catch (ArgumentException)
            {
                throw new InvalidOperationException($"Stripe:SecretKey ({StripeKeys.Redact(SecretKey)}) is not a Stripe secret key (sk_test_, sk_live_, rk_test_ or rk_live_).");
            }
        }
    }
}
