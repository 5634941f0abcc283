using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Subscriptions.Scenarios;

namespace Yapit.Tests.Subscriptions;

/// <summary>The gateway's OpenAPI document at /openapi/v1.json: every billing and usage route, its shapes and its problems.</summary>
[Trait("Category", "Integration")]
public sealed class GatewayOpenApiTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_lists_every_billing_and_usage_route_with_snake_case_shapes_problems_and_the_bearer_scheme()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        using var anonymous = stack.Pipeline.Gateway.CreateRealClient();

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var paths = document.GetProperty("paths");
        // Every route the gateway maps under /v1/billing and /v1/usage, read from the running app, not a list kept by hand.
        var routes = stack.Pipeline.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Path.StartsWith("/v1/billing", StringComparison.Ordinal) || r.Path.StartsWith("/v1/usage", StringComparison.Ordinal))
            .ToList();

        Assert.Contains(routes, r => r.Path == "/v1/billing/checkout");
        Assert.Contains(routes, r => r.Path == "/v1/usage/records");
        foreach (var (path, methods) in routes)
        {
            var item = paths.EnumerateObject().FirstOrDefault(p => p.Name.TrimEnd('/') == path.TrimEnd('/'));
            Assert.True(item.Value.ValueKind == JsonValueKind.Object, $"{path} is not in the document");
            foreach (var method in methods)
            {
                Assert.True(item.Value.TryGetProperty(method.ToLowerInvariant(), out _), $"{method} {path} is not in the document");
            }
        }
        var checkout = paths.GetProperty("/v1/billing/checkout").GetProperty("post");
        var responses = checkout.GetProperty("responses");
        foreach (var status in new[] { "200", "400", "401", "409", "422", "502" })
        {
            Assert.True(responses.TryGetProperty(status, out _), $"checkout documents {status}");
        }
        Assert.Contains("problem+json", string.Join(",", responses.GetProperty("409").GetProperty("content").EnumerateObject().Select(c => c.Name)));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("CheckoutResponse").GetProperty("properties").TryGetProperty("checkout_url", out _));
        Assert.True(schemas.GetProperty("CheckoutBody").GetProperty("properties").TryGetProperty("interval", out _));
        Assert.True(paths.GetProperty("/v1/usage/check").GetProperty("post").GetProperty("responses").TryGetProperty("402", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty(Yapit.Gateway.OpenApi.GatewayOpenApi.UserScheme).Text("scheme"));
        Assert.False(paths.GetProperty("/v1/billing/plans").GetProperty("get").TryGetProperty("security", out _));
        Assert.True(checkout.TryGetProperty("security", out _));
    }
}
