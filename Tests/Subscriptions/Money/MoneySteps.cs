using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>What the money-rule scenarios read and send: a meter as <c>GET /v1/usage</c> shows it, records and raw JSON bodies.</summary>
public static class MoneySteps
{
    public sealed record MeterView(string Tier, long? Limit, long Used, long Rollover, long Debt, long? Available);

    /// <summary>One meter of the user's usage as the frontend reads it.</summary>
    public static async Task<MeterView> MeterAsync(this BillingStackHarness stack, string user, string meter = "tokens", CancellationToken ct = default)
    {
        var body = await stack.User(user).GetFromJsonAsync<JsonElement>("/v1/usage", ct);
        var m = body.GetProperty("meters").EnumerateArray().Single(x => x.GetProperty("meter").GetString() == meter);
        static long? N(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt64();
        return new MeterView(body.GetProperty("tier").GetString()!, N(m.GetProperty("limit")), m.GetProperty("used").GetInt64(), m.GetProperty("rollover").GetInt64(),
            m.GetProperty("debt").GetInt64(), N(m.GetProperty("available")));
    }

    /// <summary>POSTs a raw JSON body with <paramref name="client"/>; the status and the parsed answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient client, string path, string json, CancellationToken ct = default, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }
        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The field names a validation problem's <c>errors</c> lists (empty when it has none).</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().Select(e => e.Name).ToArray()
            : [];
}
