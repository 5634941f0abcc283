using System.Net;

namespace Yapit.Tests.Frontend;

/// <summary>
/// CORS on the gateway: a single-page app on an allowed origin may call the user endpoints with its bearer token;
/// the admin API, the usage service endpoints and Stripe's webhook stay closed to browsers, and so does every other origin.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GatewayCorsTests(GatewayUnderTest gateway) : IClassFixture<GatewayUnderTest>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> UserEndpoints => new()
    {
        { "GET", "/v1/billing/plans" },
        { "GET", "/v1/billing/subscription" },
        { "POST", "/v1/billing/checkout" },
        { "POST", "/v1/billing/credits/checkout" },
        { "POST", "/v1/billing/portal" },
        { "POST", "/v1/billing/subscription/preview" },
        { "POST", "/v1/billing/subscription/change" },
        { "POST", "/v1/billing/subscription/cancel" },
        { "POST", "/v1/billing/subscription/reactivate" },
        { "GET", "/v1/usage" },
        { "GET", "/v1/usage/history" },
    };

    public static TheoryData<string, string> ClosedEndpoints => new()
    {
        { "GET", "/v1/admin/events" },
        { "POST", "/v1/admin/events/evt_1/replay" },
        { "POST", "/v1/usage/records" },
        { "POST", "/v1/usage/check" },
        { "POST", "/v1/usage/reservations" },
        { "DELETE", "/v1/usage/reservations/res_1" },
        { "POST", "/v1/billing/webhook" },
    };

    private async Task<HttpResponseMessage> PreflightAsync(string method, string path, string origin)
    {
        using var client = gateway.Gateway.CreateRealClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key");
        return await client.SendAsync(request, Ct);
    }

    [Theory]
    [MemberData(nameof(UserEndpoints))]
    public async Task A_preflight_from_the_allowed_origin_passes_for_a_user_endpoint(string method, string path)
    {
        using var response = await PreflightAsync(method, path, GatewayUnderTest.AllowedOrigin);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(GatewayUnderTest.AllowedOrigin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains(method, string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        var headers = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("authorization", headers, StringComparison.Ordinal);
        Assert.Contains("idempotency-key", headers, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), "the token travels in a header, never in cookies");
    }

    [Theory]
    [MemberData(nameof(UserEndpoints))]
    public async Task A_preflight_from_another_origin_fails_for_a_user_endpoint(string method, string path)
    {
        using var response = await PreflightAsync(method, path, "http://evil.example");

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"{method} {path} must not allow another origin");
    }

    [Theory]
    [MemberData(nameof(ClosedEndpoints))]
    public async Task A_preflight_fails_for_admin_usage_service_and_webhook_endpoints_even_from_the_allowed_origin(string method, string path)
    {
        using var response = await PreflightAsync(method, path, GatewayUnderTest.AllowedOrigin);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"{method} {path} must stay closed to browsers");
        Assert.NotEqual(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_simple_request_from_the_allowed_origin_gets_the_allow_origin_header_and_one_from_elsewhere_does_not()
    {
        using var client = gateway.Gateway.CreateRealClient();
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/v1/billing/subscription");
        allowed.Headers.Add("Origin", GatewayUnderTest.AllowedOrigin);
        using var other = new HttpRequestMessage(HttpMethod.Get, "/v1/billing/subscription");
        other.Headers.Add("Origin", "http://evil.example");

        using var fromAllowed = await client.SendAsync(allowed, Ct);
        using var fromOther = await client.SendAsync(other, Ct);

        // No token: 401 either way, but only the allowed origin's browser may read the answer.
        Assert.Equal(HttpStatusCode.Unauthorized, fromAllowed.StatusCode);
        Assert.Equal(GatewayUnderTest.AllowedOrigin, Assert.Single(fromAllowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(fromOther.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
