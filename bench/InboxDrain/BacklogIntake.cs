using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Yapit.Billing.Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Bench.InboxDrain;

/// <summary>
/// Takes the backlog in through the gateway's webhook endpoint, signed as Stripe signs, while no worker runs:
/// <c>customer.subscription.updated</c> events, each about a subscription drawn at random from the first
/// <c>backlog / events-per-object</c> seeded ones, in order of creation.
/// </summary>
public static class BacklogIntake
{
    public static async Task<TimeSpan> PostAsync(HttpClient gateway, string secret, IReadOnlyList<SeededSubscription> subscriptions, int backlog, int concurrency, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var random = new Random(backlog);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - backlog / 100;
        var objects = Enumerable.Range(0, backlog).Select(_ => subscriptions[random.Next(subscriptions.Count)].Id).ToArray();
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < backlog)
            {
                // Stripe's created is in seconds: a hundred events a second, in order.
                var body = Body($"evt_drain_{backlog}_{i:D7}", objects[i], created + i / 100);
                using var request = SignedEvents.Request(body, WebhookSignature.Sign(body, DateTimeOffset.UtcNow, [secret]));
                using var response = await gateway.SendAsync(request, ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"The gateway answered {(int)response.StatusCode} to event {i}: {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
        });
        await Task.WhenAll(workers);
        return Stopwatch.GetElapsedTime(started);
    }

    private static byte[] Body(string id, string subscriptionId, long created) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = "2026-10-28.endive",
            ["created"] = created,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new Dictionary<string, object?> { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = "customer.subscription.updated",
            ["data"] = new Dictionary<string, object?>
            {
                ["object"] = new Dictionary<string, object?> { ["id"] = subscriptionId, ["object"] = "subscription", ["status"] = "trialing" },
                ["previous_attributes"] = new Dictionary<string, object?> { ["status"] = "trialing" },
            },
        });
}
