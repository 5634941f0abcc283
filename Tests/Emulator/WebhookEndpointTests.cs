using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Webhook endpoints: their secret is shown once; events, versions and URLs are checked as Stripe checks them.</summary>
[Trait("Category", "Integration")]
public sealed class WebhookEndpointTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_secret_is_returned_by_create_only()
    {
        var stripe = emulator.CreateClient();

        var created = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions
        {
            Url = "https://yapit.example/v1/billing/webhook",
            EnabledEvents = ["product.created", "price.updated"],
            ApiVersion = StripeConfiguration.ApiVersion,
            Description = "Yapit",
            Metadata = new() { ["env"] = "test" },
        }, cancellationToken: _ct);
        var retrieved = await stripe.V1.WebhookEndpoints.GetAsync(created.Id, cancellationToken: _ct);
        var listed = Assert.Single((await stripe.V1.WebhookEndpoints.ListAsync(cancellationToken: _ct)).Data);

        Assert.Matches("^we_[A-Za-z0-9]{24}$", created.Id);
        Assert.Matches("^whsec_[A-Za-z0-9]{32}$", created.Secret);
        Assert.Null(retrieved.Secret);
        Assert.Null(listed.Secret);
        Assert.Equal(("enabled", StripeConfiguration.ApiVersion, "Yapit"), (retrieved.Status, retrieved.ApiVersion, retrieved.Description));
        Assert.Equal(["product.created", "price.updated"], retrieved.EnabledEvents);
        Assert.Equal("test", retrieved.Metadata["env"]);
    }

    [Fact]
    public async Task Disabling_sets_the_status_and_an_update_replaces_the_events()
    {
        var stripe = emulator.CreateClient();
        var created = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = "http://127.0.0.1:9/hook", EnabledEvents = ["*"] }, cancellationToken: _ct);

        var disabled = await stripe.V1.WebhookEndpoints.UpdateAsync(created.Id, new WebhookEndpointUpdateOptions { Disabled = true, EnabledEvents = ["coupon.created"], Description = string.Empty }, cancellationToken: _ct);
        var enabled = await stripe.V1.WebhookEndpoints.UpdateAsync(created.Id, new WebhookEndpointUpdateOptions { Disabled = false }, cancellationToken: _ct);

        Assert.Equal("disabled", disabled.Status);
        Assert.Equal(["coupon.created"], disabled.EnabledEvents);
        Assert.Null(disabled.Description);
        Assert.Equal("enabled", enabled.Status);
        Assert.Null(enabled.Secret);
    }

    [Fact]
    public async Task Unknown_event_types_api_versions_and_urls_are_refused()
    {
        var stripe = emulator.CreateClient();
        Task<WebhookEndpoint> Create(string url, string type, string? version = null) =>
            stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = url, EnabledEvents = [type], ApiVersion = version }, cancellationToken: _ct);

        var type = await Assert.ThrowsAsync<StripeException>(() => Create("https://a.example/", "product.exploded"));
        var version = await Assert.ThrowsAsync<StripeException>(() => Create("https://a.example/", "*", "2099-01-01"));
        var url = await Assert.ThrowsAsync<StripeException>(() => Create("ftp://a.example/", "*"));

        Assert.Equal((400, "enabled_events[0]"), ((int)type.HttpStatusCode, type.StripeError.Param));
        Assert.Equal((400, "api_version"), ((int)version.HttpStatusCode, version.StripeError.Param));
        Assert.Equal((400, "url"), ((int)url.HttpStatusCode, url.StripeError.Param));
    }

    [Fact]
    public async Task A_deleted_endpoint_is_gone()
    {
        var stripe = emulator.CreateClient();
        var created = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = "https://a.example/", EnabledEvents = ["*"] }, cancellationToken: _ct);

        var deleted = await stripe.V1.WebhookEndpoints.DeleteAsync(created.Id, cancellationToken: _ct);
        var error = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.WebhookEndpoints.GetAsync(created.Id, cancellationToken: _ct));

        Assert.True(deleted.Deleted);
        Assert.Equal("No such webhook endpoint: '" + created.Id + "'", error.StripeError.Message);
    }
}
