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

    /// <summary>
    /// "No interval is paid twice", against Stripe's invoices: the periods of the paid invoices' positive lines for
    /// <paramref name="prices"/> (price id to tier), less the periods their proration credits gave back (a line of the
    /// same price whose period lies within), must not overlap. Null when they do not, else the two lines that do.
    /// </summary>
    public static string? PaidTwice(IEnumerable<Stripe.Invoice> invoices, IReadOnlyDictionary<string, string> prices)
    {
        var lines = invoices.Where(i => i.Status == "paid").SelectMany(i => i.Lines.Data.Select(l => (Invoice: i.Id, Line: l)))
            .Where(x => x.Line.Pricing?.PriceDetails?.PriceId is { } price && prices.ContainsKey(price))
            .Select(x => (x.Invoice, Price: x.Line.Pricing!.PriceDetails!.PriceId, x.Line.Amount, x.Line.Period.Start, x.Line.Period.End))
            .ToList();
        var paid = lines.Where(l => l.Amount > 0).Select(l => (l.Invoice, l.Price, l.Start, l.End)).ToList();
        foreach (var credit in lines.Where(l => l.Amount < 0))
        {
            var i = paid.FindIndex(p => p.Price == credit.Price && p.Start <= credit.Start && credit.End <= p.End && credit.Start < p.End);
            if (i >= 0)
            {
                // The credit gives back the line's time from its start on (unused time runs to the period's end).
                paid[i] = paid[i] with { End = credit.Start };
            }
        }
        var tolerance = TimeSpan.FromMinutes(1);
        for (var a = 0; a < paid.Count; a++)
        {
            for (var b = a + 1; b < paid.Count; b++)
            {
                var overlap = (paid[a].End < paid[b].End ? paid[a].End : paid[b].End) - (paid[a].Start > paid[b].Start ? paid[a].Start : paid[b].Start);
                if (overlap > tolerance)
                {
                    return $"paid twice for {overlap}: {prices[paid[a].Price]} {paid[a].Start:O}..{paid[a].End:O} ({paid[a].Invoice}) and {prices[paid[b].Price]} {paid[b].Start:O}..{paid[b].End:O} ({paid[b].Invoice})";
                }
            }
        }
        return null;
    }

    /// <summary>The field names a validation problem's <c>errors</c> lists (empty when it has none).</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().Select(e => e.Name).ToArray()
            : [];
}
