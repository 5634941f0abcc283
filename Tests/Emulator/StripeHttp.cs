using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Yapit.Tests.Emulator;

/// <summary>A response read whole: status, headers and JSON body.</summary>
public sealed record StripeResponse(int Status, HttpResponseHeaders Headers, JsonElement Body)
{
    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public JsonElement Error => Body.GetProperty("error");

    public string? ErrorCode => Error.TryGetProperty("code", out var code) ? code.GetString() : null;

    public string? ErrorParam => Error.TryGetProperty("param", out var param) ? param.GetString() : null;

    public string ErrorType => Error.GetProperty("type").GetString()!;

    public string ErrorMessage => Error.GetProperty("message").GetString()!;
}

/// <summary>Raw Stripe requests, as an SDK would put them on the wire (form bodies, query strings).</summary>
public static class StripeHttp
{
    public static async Task<StripeResponse> SendAsync(HttpClient client, HttpMethod method, string path, string? form = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, method == HttpMethod.Post || form is null ? path : $"{path}?{form}");
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent(form ?? string.Empty, Encoding.UTF8, "application/x-www-form-urlencoded");
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return new StripeResponse((int)response.StatusCode, response.Headers, document.RootElement.Clone());
    }

    public static Task<StripeResponse> StripePostAsync(this HttpClient client, string path, string form, string? idempotencyKey = null) =>
        SendAsync(client, HttpMethod.Post, path, form, idempotencyKey);

    public static Task<StripeResponse> StripeGetAsync(this HttpClient client, string path, string? query = null) =>
        SendAsync(client, HttpMethod.Get, path, query);

    public static Task<StripeResponse> StripeDeleteAsync(this HttpClient client, string path) =>
        SendAsync(client, HttpMethod.Delete, path);
}
