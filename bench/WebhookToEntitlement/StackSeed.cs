using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Stripe;
using Yapit.Billing.Subscriptions;
using Yapit.Gateway.Auth;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Subscriptions;

namespace Yapit.Bench.WebhookToEntitlement;

/// <summary>
/// N users, each with a customer (card attached) in the emulator linked to them, and an active Plus monthly
/// subscription carrying <c>user_id</c> in its metadata, as the product creates them; done once everything is
/// processed and the gateway reports Plus to every user.
/// </summary>
public static class StackSeed
{
    public static async Task<(IReadOnlyList<BenchUser> Users, Price Plus, Price Max, TimeSpan Took)> RunAsync(
        BillingStackHarness stack, HttpClient gateway, int count, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var plus = await PriceAsync(stack.Stripe, "yapit_plus_monthly_v2", ct);
        var max = await PriceAsync(stack.Stripe, "yapit_max_monthly_v2", ct);
        var users = new BenchUser[count];
        // A few at a time: setup speed is not what is measured, and the emulator shares the two cores.
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var userId = BillingStackHarness.NewUserId();
            var customer = await StripeNetHarness.CustomerWithCardAsync(stack.Stripe, "pm_card_visa", token);
            await stack.Subscriptions.LinkCustomerAsync(userId, customer.Id, new ChangeReason("benchmark setup"), token);
            var subscription = await stack.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
            {
                Customer = customer.Id,
                Items = [new SubscriptionItemOptions { Price = plus.Id }],
                Metadata = new Dictionary<string, string> { ["user_id"] = userId },
            }, cancellationToken: token);
            var jwt = DevTokens.Issue(BillingStackHarness.Auth, userId, null, TimeSpan.FromHours(4));
            users[i] = new BenchUser(userId, jwt, subscription.Id, subscription.Items.Data[0].Id);
        });
        await stack.SettleAsync(ct, TimeSpan.FromMinutes(3));
        foreach (var user in users)
        {
            var state = await SubscriptionAsync(gateway, user, ct);
            if (state.GetProperty("tier").GetString() != "plus" || state.GetProperty("status").GetString() != "active")
            {
                throw new InvalidOperationException($"Seeding failed: {user.Id} is not on an active Plus subscription after settling: {state}");
            }
        }
        return (users, plus, max, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>GET /v1/billing/subscription as the user (their JWT), as the frontend asks.</summary>
    public static async Task<JsonElement> SubscriptionAsync(HttpClient gateway, BenchUser user, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/billing/subscription");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        using var response = await gateway.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        return document.RootElement.Clone();
    }

    private static async Task<Price> PriceAsync(StripeClient stripe, string lookupKey, CancellationToken ct) =>
        (await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [lookupKey] }, cancellationToken: ct)).Single();
}
