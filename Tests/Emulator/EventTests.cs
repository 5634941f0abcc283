using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>The events every change emits, and the events API's filters and 30-day window.</summary>
[Trait("Category", "Integration")]
public sealed class EventTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task An_event_carries_the_object_the_request_and_the_pinned_api_version()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "evented", Name = "Evented" }, new RequestOptions { IdempotencyKey = "create-evented" }, _ct);

        var listed = Assert.Single((await stripe.V1.Events.ListAsync(cancellationToken: _ct)).Data);
        var retrieved = await stripe.V1.Events.GetAsync(listed.Id, cancellationToken: _ct);

        Assert.Matches("^evt_[A-Za-z0-9]{24}$", retrieved.Id);
        Assert.Equal(("event", "product.created", StripeConfiguration.ApiVersion, false), (retrieved.Object, retrieved.Type, retrieved.ApiVersion, retrieved.Livemode));
        Assert.Equal(("evented", "product"), (retrieved.ObjectId, retrieved.ObjectType));
        Assert.Equal("Evented", ((Product)retrieved.Data.Object).Name);
        Assert.Null(retrieved.PreviousAttributesJson);
        Assert.StartsWith("req_", retrieved.Request!.Id, StringComparison.Ordinal);
        Assert.Equal("create-evented", retrieved.Request.IdempotencyKey);
        Assert.Equal(0, retrieved.PendingWebhooks);
    }

    [Fact]
    public async Task A_missing_event_is_404()
    {
        var error = await Assert.ThrowsAsync<StripeException>(() => emulator.CreateClient().V1.Events.GetAsync("evt_missing", cancellationToken: _ct));

        Assert.Equal((404, "resource_missing"), ((int)error.HttpStatusCode, error.Code));
    }

    [Fact]
    public async Task Events_are_filtered_by_type_pattern_types_and_created()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "basic", Name = "Basic" }, cancellationToken: _ct);
        var price = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "basic", Currency = "usd", UnitAmount = 900 }, cancellationToken: _ct);
        await stripe.V1.Prices.UpdateAsync(price.Id, new PriceUpdateOptions { Nickname = "Basic" }, cancellationToken: _ct);
        await stripe.V1.Products.UpdateAsync("basic", new ProductUpdateOptions { Name = "Yapit Basic" }, cancellationToken: _ct);

        async Task<string[]> TypesAsync(EventListOptions options) =>
            [.. (await stripe.V1.Events.ListAsync(options, cancellationToken: _ct)).Data.Select(e => e.Type)];

        Assert.Equal(["product.updated", "price.updated", "price.created", "product.created"], await TypesAsync(new EventListOptions()));
        Assert.Equal(["price.updated"], await TypesAsync(new EventListOptions { Type = "price.updated" }));
        Assert.Equal(["price.updated", "price.created"], await TypesAsync(new EventListOptions { Type = "price.*" }));
        Assert.Equal(["product.updated", "price.updated"], await TypesAsync(new EventListOptions { Type = "*.updated" }));
        Assert.Equal(["product.updated", "product.created"], await TypesAsync(new EventListOptions { Types = ["product.created", "product.updated"] }));
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(4, (await TypesAsync(new EventListOptions { Created = new DateRangeOptions { GreaterThanOrEqual = now.AddMinutes(-5).UtcDateTime } })).Length);
        Assert.Empty(await TypesAsync(new EventListOptions { Created = new DateRangeOptions { LessThan = now.AddMinutes(-5).UtcDateTime } }));
    }

    [Fact]
    public async Task Events_older_than_thirty_days_are_gone()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var timed = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { Clock = clock });
        var stripe = timed.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "old", Name = "Old" }, cancellationToken: _ct);
        var old = Assert.Single((await stripe.V1.Events.ListAsync(cancellationToken: _ct)).Data);

        clock.Advance(TimeSpan.FromDays(29));
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "recent", Name = "Recent" }, cancellationToken: _ct);
        Assert.Equal(2, (await stripe.V1.Events.ListAsync(cancellationToken: _ct)).Data.Count);

        clock.Advance(TimeSpan.FromDays(2));
        var remaining = await stripe.V1.Events.ListAsync(cancellationToken: _ct);
        var error = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Events.GetAsync(old.Id, cancellationToken: _ct));

        Assert.Equal("recent", Assert.Single(remaining.Data).ObjectId);
        Assert.True(error.StripeError.Code == "resource_missing");
        Assert.Equal("old", (await stripe.V1.Products.GetAsync("old", cancellationToken: _ct)).Id);
    }
}
