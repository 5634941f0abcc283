namespace Yapit.Billing.Stripe;

public enum StripeMode
{
    Test,
    Live,
}

/// <summary>What a key says about the account mode it acts in; callers refuse live mode unless asked for it.</summary>
public static class StripeKeys
{
    public static StripeMode ModeOf(string secretKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretKey);
        if (secretKey.StartsWith("sk_test_", StringComparison.Ordinal) || secretKey.StartsWith("rk_test_", StringComparison.Ordinal))
        {
            return StripeMode.Test;
        }
        if (secretKey.StartsWith("sk_live_", StringComparison.Ordinal) || secretKey.StartsWith("rk_live_", StringComparison.Ordinal))
        {
            return StripeMode.Live;
        }
        throw new ArgumentException("A Stripe secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_.", nameof(secretKey));
    }

    /// <summary>The key with everything after its prefix hidden, for messages.</summary>
    public static string Redact(string? secretKey) =>
        string.IsNullOrEmpty(secretKey) ? "(none)" : secretKey.Length <= 8 ? "***" : secretKey[..8] + "***";
}
