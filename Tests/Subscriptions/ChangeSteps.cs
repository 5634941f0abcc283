using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Stripe;
using Stripe.TestHelpers;

namespace Yapit.Tests.Subscriptions;

/// <summary>The steps the change, cancel and reconciliation scenarios share: a subscription bought on a clock, the user's calls.</summary>
public static class ChangeSteps
{
    /// <summary>
    /// A clock at <paramref name="start"/>, a customer on it linked to <paramref name="user"/>, and a subscription to
    /// tier and interval made in Stripe as Checkout would (metadata user_id, tier, interval); settled.
    /// </summary>
    public static async Task<(TestClock Clock, Subscription Subscription)> SubscribeAsync(this BillingStackHarness stack, string user, DateTime start,
        string tier, string interval, int trialDays = 0, string card = "pm_card_visa", CancellationToken ct = default)
    {
        var (clock, customer) = await stack.ClockCustomerAsync(user, start, card, ct);
        var subscription = await stack.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = await stack.PriceIdAsync(tier, interval, ct) }],
            TrialPeriodDays = trialDays > 0 ? trialDays : null,
            Metadata = new Dictionary<string, string> { ["user_id"] = user, ["tier"] = tier, ["interval"] = interval },
        }, cancellationToken: ct);
        await stack.SettleAsync(ct);
        return (clock, subscription);
    }

    /// <summary>Makes <paramref name="card"/> (a test token) the customer's default card, as a customer changing cards would.</summary>
    public static async Task UseCardAsync(this BillingStackHarness stack, string customerId, string card, CancellationToken ct = default)
    {
        var attached = await stack.Stripe.V1.PaymentMethods.AttachAsync(card, new PaymentMethodAttachOptions { Customer = customerId }, cancellationToken: ct);
        await stack.Stripe.V1.Customers.UpdateAsync(customerId, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = attached.Id },
        }, cancellationToken: ct);
    }

    public static async Task<string> PriceIdAsync(this BillingStackHarness stack, string tier, string interval, CancellationToken ct = default) =>
        (await stack.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [$"yapit_{tier}_{interval}_v2"] }, cancellationToken: ct)).Single().Id;

    /// <summary>POSTs <paramref name="body"/> as the user; the status and the JSON answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(this BillingStackHarness stack, string user, string path, object? body, CancellationToken ct = default)
    {
        using var response = await stack.User(user).PostAsJsonAsync(path, body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> ChangeAsync(this BillingStackHarness stack, string user, string tier, string interval, CancellationToken ct = default) =>
        stack.PostAsync(user, "/v1/billing/subscription/change", new { tier, interval }, ct);

    public static Task<(HttpStatusCode Status, JsonElement Body)> PreviewAsync(this BillingStackHarness stack, string user, string tier, string interval, CancellationToken ct = default) =>
        stack.PostAsync(user, "/v1/billing/subscription/preview", new { tier, interval }, ct);

    /// <summary>The subscription as Stripe has it now, with the price of its item.</summary>
    public static Task<Subscription> StripeSubscriptionAsync(this BillingStackHarness stack, string subscriptionId, CancellationToken ct = default) =>
        stack.Stripe.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: ct);

    public static string? Text(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Runs one pass of the worker's reconciliation.</summary>
    public static Task<Yapit.BillingWorker.Reconciliation.ReconciliationReport> ReconcileAsync(this BillingStackHarness stack, CancellationToken ct = default) =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Yapit.BillingWorker.Reconciliation.ReconciliationService>(stack.Pipeline.Worker.Services).RunOnceAsync(ct);

    /// <summary>The user's history rows (change, reason, request id), oldest first.</summary>
    public static async Task<List<(string Change, string Reason, string? RequestId)>> HistoryAsync(this BillingStackHarness stack, string user, CancellationToken ct = default)
    {
        await using var command = stack.Pipeline.Database.CreateCommand("SELECT change, reason, request_id FROM billing.subscription_history WHERE user_id = $1 ORDER BY id");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = user });
        var rows = new List<(string, string, string?)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return rows;
    }
}
