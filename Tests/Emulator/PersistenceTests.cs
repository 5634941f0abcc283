using Stripe;
using Yapit.Billing.Stripe;
using Yapit.Tests.Infrastructure;
using File = System.IO.File;

namespace Yapit.Tests.Emulator;

/// <summary>With a state directory, a restarted emulator finds its catalog, its events and its secrets again.</summary>
[Trait("Category", "Integration")]
public sealed class PersistenceTests : IDisposable
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"yapit-emulator-state-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_restart_with_the_same_state_directory_keeps_objects_events_and_secrets()
    {
        var settings = new StripeEmulatorSettings { StateDirectory = _directory };
        string listenSecret;
        string endpointSecret;
        string priceId;
        await using (var first = await StripeEmulatorFixture.StartAsync(settings))
        {
            var stripe = first.CreateClient();
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "kept", Name = "Kept" }, cancellationToken: _ct);
            priceId = (await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "kept", Currency = "usd", UnitAmount = 900, LookupKey = "kept_monthly", Recurring = new() { Interval = "month" } }, cancellationToken: _ct)).Id;
            endpointSecret = (await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = "http://127.0.0.1:1/x", EnabledEvents = ["coupon.created"] }, cancellationToken: _ct)).Secret!;
            listenSecret = first.WebhookSecret;
        }

        await using var second = await StripeEmulatorFixture.StartAsync(settings);
        var again = second.CreateClient();

        Assert.Equal(listenSecret, second.WebhookSecret);
        Assert.Equal("Kept", (await again.V1.Products.GetAsync("kept", cancellationToken: _ct)).Name);
        Assert.Equal(priceId, Assert.Single((await again.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["kept_monthly"] }, cancellationToken: _ct)).Data).Id);
        Assert.Equal(["price.created", "product.created"], (await again.V1.Events.ListAsync(cancellationToken: _ct)).Data.Select(e => e.Type));
        // Ids keep their order: a new object sorts after the restored ones.
        await again.V1.Products.CreateAsync(new ProductCreateOptions { Id = "newer", Name = "Newer" }, cancellationToken: _ct);
        Assert.Equal(["newer", "kept"], (await again.V1.Products.ListAsync(cancellationToken: _ct)).Data.Select(p => p.Id));
        // The endpoint still signs with the secret it was created with.
        await using var receiver = await WebhookReceiver.StartAsync();
        var endpoint = Assert.Single((await again.V1.WebhookEndpoints.ListAsync(cancellationToken: _ct)).Data);
        await again.V1.WebhookEndpoints.UpdateAsync(endpoint.Id, new WebhookEndpointUpdateOptions { Url = receiver.Url.ToString(), EnabledEvents = ["product.updated"] }, cancellationToken: _ct);
        await again.V1.Products.UpdateAsync("kept", new ProductUpdateOptions { Name = "Kept still" }, cancellationToken: _ct);
        var received = Assert.Single(await receiver.WaitUntilAsync(r => r.Count >= 1));
        WebhookSignature.Verify(received.Body, received.Signature, [endpointSecret]);
    }

    [Fact]
    public async Task The_state_file_is_readable_only_by_its_owner()
    {
        await using (var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { StateDirectory = _directory }))
        {
            await emulator.CreateClient().V1.Products.CreateAsync(new ProductCreateOptions { Name = "Private" }, cancellationToken: _ct);
        }

        var file = Path.Combine(_directory, "state.json");
        Assert.True(File.Exists(file));
        Assert.False(File.Exists(file + ".tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Contains("\"Private\"", await File.ReadAllTextAsync(file, _ct), StringComparison.Ordinal);
    }
}
