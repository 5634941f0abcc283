using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Yapit.StripeEmulator.Webhooks;

/// <summary>
/// Signs deliveries as Stripe does: <c>Stripe-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;</c>, the HMAC-SHA256 of
/// <c>"&lt;t&gt;.&lt;raw body&gt;"</c> keyed with the whole <c>whsec_...</c> secret, one <c>v1</c> per secret.
/// </summary>
public static class WebhookSigner
{
    public const string HeaderName = "Stripe-Signature";

    public static string Sign(ReadOnlySpan<byte> payload, DateTimeOffset time, params string[] secrets)
    {
        var timestamp = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = new byte[timestamp.Length + 1 + payload.Length];
        Encoding.ASCII.GetBytes(timestamp + ".", signed);
        payload.CopyTo(signed.AsSpan(timestamp.Length + 1));
        var header = new StringBuilder("t=").Append(timestamp);
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)));
        }
        return header.ToString();
    }
}
