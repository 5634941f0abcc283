using System.Text;
using System.Text.Json;
using Yapit.Billing.Stripe;

namespace Yapit.Tests.Infrastructure;

/// <summary>Stripe-shaped events, signed like Stripe signs them.</summary>
public static class SignedEvents
{
    public const string Secret = "whsec_test_primary_secret";
    public const string SecondSecret = "whsec_test_rolled_secret";

    private static int _sequence;

    public static string NewId() => $"evt_test_{Interlocked.Increment(ref _sequence):D6}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A realistic event body (3-8 KB with <paramref name="paddingBytes"/>).</summary>
    public static byte[] Body(string? id = null, string type = "price.updated", bool livemode = false, string objectId = "price_123", int paddingBytes = 0, DateTimeOffset? created = null) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["id"] = id ?? NewId(),
            ["object"] = "event",
            ["api_version"] = "2026-10-28.endive",
            ["created"] = (created ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
            ["livemode"] = livemode,
            ["pending_webhooks"] = 1,
            ["request"] = new { id = "req_test", idempotency_key = "key" },
            ["type"] = type,
            ["data"] = new Dictionary<string, object?>
            {
                ["object"] = new Dictionary<string, object?>
                {
                    ["id"] = objectId,
                    ["object"] = objectId.StartsWith("prod_", StringComparison.Ordinal) ? "product" : "price",
                    ["active"] = true,
                    ["currency"] = "eur",
                    ["lookup_key"] = "yapit_basic_monthly_v2",
                    ["metadata"] = new Dictionary<string, string> { ["managed_by"] = "yapit-stripe-setup" },
                    ["nickname"] = paddingBytes > 0 ? new string('x', paddingBytes) : null,
                    ["unit_amount"] = 1000,
                },
                ["previous_attributes"] = new { active = false },
            },
        });

    public static string Header(byte[] body, DateTimeOffset? at = null, params string[] secrets) =>
        WebhookSignature.Sign(body, at ?? DateTimeOffset.UtcNow, secrets.Length == 0 ? [Secret] : secrets);

    public static HttpRequestMessage Request(byte[] body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/billing/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, signature);
        }
        return request;
    }

    public static string EventId(byte[] body) => JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;

    public static byte[] Tamper(byte[] body)
    {
        var copy = (byte[])body.Clone();
        var index = Encoding.UTF8.GetString(copy).IndexOf("1000", StringComparison.Ordinal);
        copy[index] = (byte)'2';
        return copy;
    }
}
