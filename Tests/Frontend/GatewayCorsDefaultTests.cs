using System.Net;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Frontend;

/// <summary>Two real gateways without a <c>Cors</c> setting: one in Development (the local stack), one in Production.</summary>
public sealed class GatewaysWithoutCorsSetting : IAsyncLifetime
{
    /// <summary>Not the default AppOrigin, so the test sees the setting followed rather than a constant.</summary>
    public const string AppOrigin = "http://localhost:6173";

    public ServiceFactory<Yapit.Gateway.TestingEntryPoint> Development { get; private set; } = null!;

    public ServiceFactory<Yapit.Gateway.TestingEntryPoint> Production { get; private set; } = null!;

    private static ServiceFactory<Yapit.Gateway.TestingEntryPoint> Start(string environment) =>
        new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
        {
            ["environment"] = environment,
            // Nothing listens on port 1: preflights never reach Postgres.
            ["ConnectionStrings:billingdb"] = "Host=127.0.0.1;Port=1;Username=x;Password=y;Database=billingdb;Timeout=2",
            ["Stripe:SecretKey"] = "sk_test_frontend",
            ["Auth:SigningKey"] = "frontend-signing-key-0123456789abcdefghij",
            ["Billing:AppOrigin"] = AppOrigin + "/",
        }).Start();

    public ValueTask InitializeAsync()
    {
        Development = Start("Development");
        Production = Start("Production");
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Development.DisposeAsync();
        await Production.DisposeAsync();
    }
}

/// <summary>
/// The gateway's own CORS default: with no <c>Cors__AllowedOrigins</c>, the local stack (Development) allows the
/// product's origin, <c>Billing__AppOrigin</c>, on the user endpoints only; any other environment allows no origin.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GatewayCorsDefaultTests(GatewaysWithoutCorsSetting gateways) : IClassFixture<GatewaysWithoutCorsSetting>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> PreflightAsync(ServiceFactory<Yapit.Gateway.TestingEntryPoint> gateway, string method, string path, string origin)
    {
        using var client = gateway.CreateRealClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return await client.SendAsync(request, Ct);
    }

    [Theory]
    [MemberData(nameof(GatewayCorsTests.UserEndpoints), MemberType = typeof(GatewayCorsTests))]
    public async Task In_development_the_app_origin_may_call_a_user_endpoint_and_no_other_origin_may(string method, string path)
    {
        using var fromApp = await PreflightAsync(gateways.Development, method, path, GatewaysWithoutCorsSetting.AppOrigin);
        using var fromOther = await PreflightAsync(gateways.Development, method, path, "http://localhost:5173");

        Assert.Equal(HttpStatusCode.NoContent, fromApp.StatusCode);
        Assert.Equal(GatewaysWithoutCorsSetting.AppOrigin, Assert.Single(fromApp.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(fromOther.Headers.Contains("Access-Control-Allow-Origin"), $"{method} {path} must not allow another origin");
    }

    [Theory]
    [MemberData(nameof(GatewayCorsTests.ClosedEndpoints), MemberType = typeof(GatewayCorsTests))]
    public async Task In_development_admin_usage_service_and_webhook_endpoints_stay_closed_to_the_app_origin(string method, string path)
    {
        using var response = await PreflightAsync(gateways.Development, method, path, GatewaysWithoutCorsSetting.AppOrigin);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"{method} {path} must stay closed to browsers");
        Assert.NotEqual(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Outside_development_no_origin_is_allowed_until_one_is_configured()
    {
        using var response = await PreflightAsync(gateways.Production, "GET", "/v1/billing/subscription", GatewaysWithoutCorsSetting.AppOrigin);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), "a deployment lists its frontends in Cors__AllowedOrigins");
    }
}
