using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>
/// Newer API versions (https://docs.stripe.com/api/versioning, https://docs.stripe.com/upgrades): Stripe accepts every
/// released version; the emulator accepts its known ones and any well-formed later version of the pinned train or a
/// newer one (stripe-node 23.2.0 sends <c>2026-11-18.endive</c>), and still refuses malformed ones.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiVersionTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("2026-11-18.endive")]
    [InlineData("2027-02-24.foxglove")]
    [InlineData("2025-03-31.basil")]
    public async Task A_webhook_endpoint_and_a_request_accept_a_released_or_later_version(string version)
    {
        var stripe = emulator.CreateClient();
        var endpoint = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions
        {
            Url = "https://yapit.example/v1/billing/webhook",
            EnabledEvents = ["*"],
            ApiVersion = version,
        }, cancellationToken: _ct);
        Assert.Equal(version, endpoint.ApiVersion);

        using var client = emulator.CreateHttpClient();
        client.DefaultRequestHeaders.Add("Stripe-Version", version);
        var response = await client.StripeGetAsync("/v1/products");
        Assert.Equal((200, version), (response.Status, response.Header("Stripe-Version")));
    }

    [Theory]
    [InlineData("2026-11-18.acacia")]
    [InlineData("2026-13-40.endive")]
    [InlineData("2099-01-01")]
    [InlineData("2026-11-18.Endive")]
    [InlineData("latest")]
    public async Task A_malformed_or_impossible_version_is_refused(string version)
    {
        var stripe = emulator.CreateClient();
        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions
        {
            Url = "https://yapit.example/v1/billing/webhook",
            EnabledEvents = ["*"],
            ApiVersion = version,
        }, cancellationToken: _ct));
        Assert.Equal((400, "api_version", $"Invalid API version: {version}"), ((int)refused.HttpStatusCode, refused.StripeError.Param, refused.StripeError.Message));

        using var client = emulator.CreateHttpClient();
        client.DefaultRequestHeaders.Add("Stripe-Version", version);
        var response = await client.StripeGetAsync("/v1/products");
        Assert.Equal((400, $"Invalid Stripe API version: {version}"), (response.Status, response.ErrorMessage));
    }
}
