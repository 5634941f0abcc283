using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Yapit.Tests.Emulator.StripeNet;

namespace Yapit.Tests.Subscriptions.Scenarios;

/// <summary>What the frontend does in the checkout scenarios: call the gateway, then pay on the emulator's hosted pages.</summary>
internal static class CheckoutScenarioSupport
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(this HttpClient client, string path, object? body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    /// <summary><c>POST /v1/billing/checkout</c>, asserting 200; returns the session id.</summary>
    public static async Task<string> CheckoutAsync(this BillingStackHarness stack, string userId, string tier, string interval = "monthly")
    {
        var (status, body) = await stack.User(userId).PostAsync("/v1/billing/checkout", new { tier, interval });
        Assert.True(status == HttpStatusCode.OK, $"checkout {tier} {interval}: {(int)status} {body}");
        var url = body.GetProperty("checkout_url").GetString()!;
        var sessionId = body.GetProperty("session_id").GetString()!;
        Assert.EndsWith("/checkout/" + sessionId, url, StringComparison.Ordinal);
        return sessionId;
    }

    /// <summary>The person pays the session with <paramref name="card"/> (the emulator's shortcut for its hosted page), then the stack settles.</summary>
    public static async Task PayAsync(this BillingStackHarness stack, string sessionId, string card = "pm_card_visa")
    {
        using var browser = stack.Pipeline.Stripe.Browser();
        var paid = await StripeNetHarness.PostFormAsync(browser, $"/_emulator/checkout/{sessionId}/complete", ("card", card));
        Assert.True(paid.Status == HttpStatusCode.OK, $"completing {sessionId}: {(int)paid.Status} {paid.Body}");
        await stack.SettleAsync(Ct);
    }

    public static async Task OperatorAsync(this BillingStackHarness stack, string pathAndQuery) =>
        await stack.Pipeline.Stripe.OperatorPostAsync(pathAndQuery, Ct);

    public static string? Text(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
