using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>The operator endpoints under /_emulator/: health, secret, request counts, reset, deliveries.</summary>
[Trait("Category", "Integration")]
public sealed class OperatorTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await emulator.ResetAsync(TestContext.Current.CancellationToken);
        await emulator.ResetStatsAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Health_and_the_webhook_secret_are_plain_text_without_authentication()
    {
        using var anonymous = emulator.CreateHttpClient(authenticated: false);

        Assert.Equal("Healthy", await anonymous.GetStringAsync("/_emulator/health", _ct));
        var secret = await anonymous.GetStringAsync("/_emulator/webhook-secret", _ct);
        Assert.Matches("^whsec_[A-Za-z0-9]{32}$", secret);
        Assert.Equal(emulator.WebhookSecret, secret);
    }

    [Fact]
    public async Task Stats_count_api_calls_by_method_and_route_template_and_reset()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "a", Name = "A" }, cancellationToken: _ct);
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "b", Name = "B" }, cancellationToken: _ct);
        await stripe.V1.Products.GetAsync("a", cancellationToken: _ct);
        await stripe.V1.Products.GetAsync("b", cancellationToken: _ct);
        await stripe.V1.Products.UpdateAsync("a", new ProductUpdateOptions { Name = "A2" }, cancellationToken: _ct);
        await stripe.V1.Products.ListAsync(cancellationToken: _ct);

        var stats = await emulator.GetStatsAsync(_ct);
        await emulator.ResetStatsAsync(_ct);
        var after = await emulator.GetStatsAsync(_ct);

        Assert.Equal(2, stats.Count("POST", "/v1/products"));
        Assert.Equal(2, stats.Count("GET", "/v1/products/{id}"));
        Assert.Equal(1, stats.Count("POST", "/v1/products/{id}"));
        Assert.Equal(1, stats.Count("GET", "/v1/products"));
        Assert.Equal(6, stats.Total);
        Assert.DoesNotContain(stats.Requests, r => r.Path.StartsWith("/_emulator", StringComparison.Ordinal));
        Assert.Equal(0, after.Total);
    }

    [Fact]
    public async Task A_reset_empties_the_store_but_keeps_the_secret()
    {
        var stripe = emulator.CreateClient();
        var secret = emulator.WebhookSecret;
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "gone", Name = "Gone" }, cancellationToken: _ct);

        await emulator.ResetAsync(_ct);

        Assert.Empty((await stripe.V1.Products.ListAsync(cancellationToken: _ct)).Data);
        Assert.Empty((await stripe.V1.Events.ListAsync(cancellationToken: _ct)).Data);
        Assert.Equal(secret, emulator.WebhookSecret);
        // The id is free again.
        Assert.Equal("gone", (await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "gone", Name = "Again" }, cancellationToken: _ct)).Id);
    }

    [Fact]
    public async Task Deliveries_list_each_attempt_and_can_be_narrowed_to_one_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        emulator.ForwardTo = receiver.Url;
        try
        {
            var stripe = emulator.CreateClient();
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "one", Name = "One" }, cancellationToken: _ct);
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "two", Name = "Two" }, cancellationToken: _ct);
            var all = await emulator.WaitForDeliveriesAsync(d => d.Count >= 2, cancellationToken: _ct);
            var one = await emulator.GetDeliveriesAsync(all[0].EventId, _ct);

            Assert.All(all, d => Assert.Equal(("product.created", receiver.Url.ToString(), 1, 200, true), (d.EventType, d.Target, d.Attempt, d.Status, d.Succeeded)));
            Assert.Equal(all[0], Assert.Single(one));
        }
        finally
        {
            emulator.ForwardTo = null;
        }
    }
}
