using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Yapit.Storefront.Gateway;

/// <summary>
/// Every call this frontend makes to the billing gateway, in the order a person meets them. The base address is
/// <c>https+http://gateway</c>: Aspire's service discovery resolves it from <c>services__gateway__http__0</c>, which
/// the AppHost's <c>WithReference(gateway)</c> sets. Each call carries the signed-in user's token as a bearer token;
/// a refusal becomes a <see cref="GatewayProblemException"/> with the gateway's own words.
/// </summary>
public sealed class GatewayClient(HttpClient http, UserToken token)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>1. The plans for sale and the credit packs (public: no token needed).</summary>
    public Task<PlansResponse> GetPlansAsync(CancellationToken cancellationToken) =>
        SendAsync<PlansResponse>(HttpMethod.Get, "/v1/billing/plans", null, null, cancellationToken);

    /// <summary>2. A Checkout URL for a plan: the browser is sent there and comes back to /subscription?checkout=success.</summary>
    public Task<CheckoutStarted> StartCheckoutAsync(string tier, string interval, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<CheckoutStarted>(HttpMethod.Post, "/v1/billing/checkout", new { tier, interval }, idempotencyKey, cancellationToken);

    /// <summary>3. The subscription as the gateway stored it from Stripe's webhooks (what the user may use now).</summary>
    public Task<UserSubscription> GetSubscriptionAsync(CancellationToken cancellationToken) =>
        SendAsync<UserSubscription>(HttpMethod.Get, "/v1/billing/subscription", null, null, cancellationToken);

    /// <summary>4. What a plan change would cost now and next, before the person confirms it.</summary>
    public Task<ChangePreview> PreviewChangeAsync(string tier, string interval, CancellationToken cancellationToken) =>
        SendAsync<ChangePreview>(HttpMethod.Post, "/v1/billing/subscription/preview", new { tier, interval }, null, cancellationToken);

    /// <summary>5. The change itself; its answer says what was charged and whether a payment waits for the person.</summary>
    public Task<ChangeResult> ChangePlanAsync(string tier, string interval, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<ChangeResult>(HttpMethod.Post, "/v1/billing/subscription/change", new { tier, interval }, idempotencyKey, cancellationToken);

    public Task<CancelResult> CancelAsync(bool atPeriodEnd, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<CancelResult>(HttpMethod.Post, "/v1/billing/subscription/cancel", new { at_period_end = atPeriodEnd }, idempotencyKey, cancellationToken);

    public Task<CancelResult> ReactivateAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<CancelResult>(HttpMethod.Post, "/v1/billing/subscription/reactivate", null, idempotencyKey, cancellationToken);

    /// <summary>6. Stripe's customer portal ("manage billing"); it returns to /subscription. <paramref name="flow"/> deep-links a step.</summary>
    public Task<PortalOpened> OpenPortalAsync(string? flow, CancellationToken cancellationToken) =>
        SendAsync<PortalOpened>(HttpMethod.Post, "/v1/billing/portal", new { flow }, null, cancellationToken);

    /// <summary>7. The user's balances per meter this period.</summary>
    public Task<Usage> GetUsageAsync(CancellationToken cancellationToken) =>
        SendAsync<Usage>(HttpMethod.Get, "/v1/usage", null, null, cancellationToken);

    /// <summary>8. A Checkout URL for a credit pack: back to /credits?checkout=success.</summary>
    public Task<CheckoutStarted> StartCreditPackCheckoutAsync(string pack, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<CheckoutStarted>(HttpMethod.Post, "/v1/billing/credits/checkout", new { pack }, idempotencyKey, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token.Value is { } bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (idempotencyKey is not null)
        {
            // The same key on a resubmitted form makes the gateway repeat, not double, the Stripe call.
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (body is not null || method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(body ?? new { }, options: Json);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new GatewayProblemException(503, "The billing service could not be reached.", "Try again in a moment.", new Dictionary<string, string[]>(), e);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false))!;
            }
            throw await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<GatewayProblemException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        ProblemBody? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync<ProblemBody>(Json, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not a problem document after all: the status speaks alone.
            }
        }
        var title = problem?.Title ?? status switch
        {
            401 => "You are not signed in, or your session has expired.",
            403 => "This is not allowed for your account.",
            404 => "Not found.",
            _ => $"The billing service answered {status}.",
        };
        return new GatewayProblemException(status, title, problem?.Detail, problem?.Errors ?? new Dictionary<string, string[]>());
    }

    private sealed record ProblemBody(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}

public static class GatewayClientRegistration
{
    public static IHostApplicationBuilder AddGatewayClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<UserToken>();
        builder.Services.AddHttpClient<GatewayClient>(http =>
            http.BaseAddress = new Uri(builder.Configuration["Gateway:BaseAddress"] ?? "https+http://gateway"));
        return builder;
    }
}
