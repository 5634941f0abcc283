using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Yapit.Gateway.OpenApi;

namespace Yapit.Tests.Frontend;

/// <summary>
/// The OpenAPI document a frontend developer reads (and Scalar renders) is true: it parses and validates without a
/// diagnostic, every route carries the credential it takes, and request bodies require what the handlers require.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GatewayOpenApiDocumentTests(GatewayUnderTest gateway) : IClassFixture<GatewayUnderTest>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(OpenApiDocument Document, ReadResult Result)> ReadAsync()
    {
        using var client = gateway.Gateway.CreateRealClient();
        await using var stream = await client.GetStreamAsync("/openapi/v1.json", Ct);
        var result = await OpenApiDocument.LoadAsync(stream, "json", cancellationToken: Ct);
        return (result.Document!, result);
    }

    [Fact]
    public async Task The_document_reads_and_validates_with_no_diagnostics()
    {
        var (document, result) = await ReadAsync();

        Assert.NotNull(result.Document);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        Assert.Empty(result.Diagnostic?.Warnings ?? []);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.Equal(
            [GatewayOpenApi.AdminScheme, GatewayOpenApi.UsageServiceScheme, GatewayOpenApi.UserScheme],
            document.Components!.SecuritySchemes!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_route_has_its_security_scheme()
    {
        var (document, _) = await ReadAsync();
        // Every route the gateway maps under /v1, read from the running app, not a list kept by hand.
        var routes = gateway.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal))
            .ToList();
        Assert.True(routes.Count >= 17, $"found only {routes.Count} routes");

        foreach (var (path, methods) in routes)
        {
            var item = document.Paths.FirstOrDefault(p => p.Key.TrimEnd('/') == path.TrimEnd('/')).Value;
            Assert.True(item is not null, $"{path} is not in the document");
            foreach (var method in methods)
            {
                var operation = item.Operations!.FirstOrDefault(o => o.Key.Method == method).Value;
                Assert.True(operation is not null, $"{method} {path} is not in the document");
                var schemes = (operation.Security ?? []).SelectMany(requirement => requirement.Keys).Select(scheme => scheme.Reference.Id).ToList();
                var expected = ExpectedScheme(method, path);
                Assert.True(expected is null ? schemes.Count == 0 : schemes.SequenceEqual([expected]),
                    $"{method} {path}: expected {expected ?? "no credential"}, the document says [{string.Join(", ", schemes)}]");
                if (expected is not null)
                {
                    Assert.True(operation.Responses!.ContainsKey("401"), $"{method} {path} documents 401");
                }
            }
        }
    }

    /// <summary>What each route takes, by the rule the gateway's filters and policies apply.</summary>
    private static string? ExpectedScheme(string method, string path) => path switch
    {
        "/v1/billing/plans" => null, // public
        "/v1/billing/webhook" => null, // Stripe's signature over the body, not a credential a client holds
        _ when path.StartsWith("/v1/admin/", StringComparison.Ordinal) => GatewayOpenApi.AdminScheme,
        "/v1/usage" or "/v1/usage/history" => GatewayOpenApi.UserScheme,
        _ when path.StartsWith("/v1/usage/", StringComparison.Ordinal) => GatewayOpenApi.UsageServiceScheme,
        _ when path.StartsWith("/v1/billing/", StringComparison.Ordinal) => GatewayOpenApi.UserScheme,
        _ => throw new InvalidOperationException($"{method} {path}: a new route; say here which credential it takes."),
    };

    [Fact]
    public async Task Request_bodies_require_what_the_handlers_require()
    {
        var (document, _) = await ReadAsync();
        var schemas = document.Components!.Schemas!;
        IEnumerable<string> Required(string schema) => (schemas[schema].Required ?? new HashSet<string>()).Order(StringComparer.Ordinal);

        Assert.Equal(["interval", "tier"], Required("CheckoutBody"));
        Assert.Equal(["interval", "tier"], Required("PlanChangeBody"));
        Assert.Equal(["pack"], Required("CreditsCheckoutBody"));
        Assert.Equal(["at_period_end"], Required("CancelBody"));
        Assert.Empty(Required("PortalBody"));
        Assert.Equal(["amount", "meter", "user_id"], Required("UsageCheckBody"));
        Assert.Equal(["amount", "meter", "user_id"], Required("UsageReservationBody"));
        // One record or a batch: nothing is required of both forms, and reference (nullable) is required of neither.
        var record = schemas["UsageRecordBody"];
        Assert.Empty(Required("UsageRecordBody"));
        Assert.Equal(
            ["amount,idempotency_key,meter,user_id", "records"],
            record.AnyOf!.Select(form => string.Join(",", form.Required!.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(record.AnyOf!, form => form.Required!.Contains("reference"));
    }
}
