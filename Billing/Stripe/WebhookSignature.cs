using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Yapit.Billing.Stripe;

public enum WebhookSignatureFailure
{
    MissingHeader,
    MalformedHeader,
    NoSupportedScheme,
    TimestampOutsideTolerance,
    NoMatchingSignature,
}

/// <summary>Why a webhook was refused. The reason is for logs and metrics, never for the HTTP response.</summary>
public sealed class WebhookSignatureException(WebhookSignatureFailure failure, string message) : Exception(message)
{
    public WebhookSignatureFailure Failure { get; } = failure;
}

/// <summary>The parsed <c>Stripe-Signature</c> header: <c>t=&lt;unix&gt;,v1=&lt;hex&gt;[,v1=...][,v0=...]</c>.</summary>
public sealed record SignatureHeader(long Timestamp, IReadOnlyList<string> V1Signatures);

/// <summary>
/// Stripe's webhook signatures: HMAC-SHA256 keyed with the whole <c>whsec_...</c> secret over
/// <c>"&lt;t&gt;.&lt;raw body&gt;"</c>, compared in constant time, with a timestamp tolerance (default 300 s) against
/// replays. Several secrets may be valid at once while one is rolled.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Stripe-Signature";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    /// <summary>The hex HMAC of <c>"t.payload"</c>.</summary>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(signed, 0);
        payload.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>A header as Stripe sends it; one <c>v1</c> per secret (Stripe signs with each active secret while rolling).</summary>
    public static string Sign(ReadOnlySpan<byte> payload, DateTimeOffset time, params string[] secrets)
    {
        var timestamp = time.ToUnixTimeSeconds();
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(Compute(secret, timestamp, payload));
        }
        return header.ToString();
    }

    public static SignatureHeader Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new WebhookSignatureException(WebhookSignatureFailure.MissingHeader, "The Stripe-Signature header is missing.");
        }
        long? timestamp = null;
        var v1 = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new WebhookSignatureException(WebhookSignatureFailure.MalformedHeader, "The Stripe-Signature header has an element without '='.");
            }
            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t")
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                {
                    throw new WebhookSignatureException(WebhookSignatureFailure.MalformedHeader, "The Stripe-Signature header's timestamp is missing a value, repeated or not a number.");
                }
                timestamp = t;
            }
            else if (key == "v1")
            {
                v1.Add(value);
            }
            // Other schemes (v0 is Stripe's test scheme) are ignored, as Stripe's SDKs do.
        }
        if (timestamp is null)
        {
            throw new WebhookSignatureException(WebhookSignatureFailure.MalformedHeader, "The Stripe-Signature header has no timestamp.");
        }
        if (v1.Count == 0)
        {
            throw new WebhookSignatureException(WebhookSignatureFailure.NoSupportedScheme, "The Stripe-Signature header has no v1 signature.");
        }
        return new SignatureHeader(timestamp.Value, v1);
    }

    /// <summary>Throws <see cref="WebhookSignatureException"/> unless one v1 signature matches one secret within the tolerance.</summary>
    public static void Verify(ReadOnlySpan<byte> payload, string? header, IReadOnlyCollection<string> secrets, TimeProvider? clock = null, TimeSpan? tolerance = null)
    {
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one webhook secret is needed.", nameof(secrets));
        }
        var parsed = Parse(header);
        var now = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        var allowed = (long)(tolerance ?? DefaultTolerance).TotalSeconds;
        if (Math.Abs(now - parsed.Timestamp) > allowed)
        {
            throw new WebhookSignatureException(WebhookSignatureFailure.TimestampOutsideTolerance,
                $"The signature's timestamp is {now - parsed.Timestamp} s from now; at most {allowed} s is allowed.");
        }

        var matched = false;
        foreach (var secret in secrets)
        {
            var expected = Encoding.ASCII.GetBytes(Compute(secret, parsed.Timestamp, payload));
            foreach (var signature in parsed.V1Signatures)
            {
                // Constant time, and every candidate is compared so timing says nothing about which one matched.
                matched |= CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
            }
        }
        if (!matched)
        {
            throw new WebhookSignatureException(WebhookSignatureFailure.NoMatchingSignature, "No signature matches the payload and any configured secret.");
        }
    }
}
