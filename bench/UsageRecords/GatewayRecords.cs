using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Bench.Shared;
using Yapit.Billing.Usage;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// The gateway (the Release build of <c>Yapit.Gateway.dll</c>) as its own process on the same database, and a sender
/// that posts each record to <c>POST /v1/usage/records</c> with the service key, as Yapit's services call it.
/// </summary>
public sealed class GatewayRecords : IAsyncDisposable
{
    // Throw-away credentials of this benchmark's own gateway (never a real key).
    private const string ServiceKey = "bench-usage-service-key-0123456789abcdef";
    private readonly ChildService _gateway;
    private readonly HttpClient _http;

    private GatewayRecords(ChildService gateway, Uri baseUrl)
    {
        _gateway = gateway;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = baseUrl };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceKey);
    }

    public int ProcessId => _gateway.ProcessId;

    public static async Task<GatewayRecords> StartAsync(string connectionString, UsageLedgerOptions ledger, CancellationToken cancellationToken)
    {
        var assembly = ProjectMetadata.For("Gateway").AssemblyPath;
        var url = new Uri($"http://127.0.0.1:{LocalPostgresServer.FreePort().ToString(CultureInfo.InvariantCulture)}/");
        var gateway = await ChildService.StartAsync("gateway", assembly, [], new Dictionary<string, string>
        {
            ["ConnectionStrings__billingdb"] = connectionString,
            ["Stripe__SecretKey"] = "sk_test_yapit_bench_usage_never_used",
            ["Stripe__WebhookSecrets__0"] = "whsec_yapit_bench_usage_never_used",
            ["Auth__ServiceApiKey"] = ServiceKey,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Usage__MaxConcurrentRecordWrites"] = ledger.MaxConcurrentRecordWrites.ToString(CultureInfo.InvariantCulture),
            ["Usage__MaxRecordBatch"] = ledger.MaxRecordBatch.ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
        }, new Uri(url, "health"), cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"gateway: {assembly} on {url}");
        return new GatewayRecords(gateway, url);
    }

    /// <summary>One record as a single record's body, several as one batch (<c>records</c>).</summary>
    public async Task<string?> SendAsync(IReadOnlyList<UsageRecordRequest> requests, CancellationToken cancellationToken)
    {
        var records = requests.Select(request => new Dictionary<string, object?>
        {
            ["user_id"] = request.UserId, ["meter"] = request.Meter, ["amount"] = request.Amount,
            ["idempotency_key"] = request.IdempotencyKey, ["reference"] = request.Reference,
        }).ToList();
        var body = requests.Count == 1 ? JsonSerializer.Serialize(records[0]) : JsonSerializer.Serialize(new { records });
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("v1/usage/records", content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"HTTP {(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}";
        }
        using var json = JsonDocument.Parse(text);
        var answers = requests.Count == 1 ? [json.RootElement] : json.RootElement.GetProperty("records").EnumerateArray().ToArray();
        if (answers.Length != requests.Count)
        {
            return $"{answers.Length} answers for {requests.Count} records";
        }
        for (var i = 0; i < answers.Length; i++)
        {
            if (answers[i].GetProperty("replayed").GetBoolean() || answers[i].GetProperty("amount").GetInt64() != requests[i].Amount)
            {
                return $"record {requests[i].IdempotencyKey}: {answers[i].GetRawText()[..Math.Min(200, answers[i].GetRawText().Length)]}";
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync().ConfigureAwait(false);
    }
}
