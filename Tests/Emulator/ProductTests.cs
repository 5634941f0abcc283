using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Products through Stripe.net: create, retrieve, update, list, delete, and their events.</summary>
[Trait("Category", "Integration")]
public sealed class ProductTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_product_is_created_with_a_custom_id_and_read_back_as_created()
    {
        var stripe = emulator.CreateClient();

        var created = await stripe.V1.Products.CreateAsync(new ProductCreateOptions
        {
            Id = "yapit_plus",
            Name = "Yapit Plus",
            Description = "More voices",
            Metadata = new() { ["tier"] = "plus", ["dropped"] = string.Empty },
            MarketingFeatures = [new ProductMarketingFeatureOptions { Name = "All voices" }],
            UnitLabel = "seat",
        }, cancellationToken: _ct);
        var read = await stripe.V1.Products.GetAsync("yapit_plus", cancellationToken: _ct);

        Assert.Equal("yapit_plus", read.Id);
        Assert.Equal("product", read.Object);
        Assert.True(read.Active);
        Assert.False(read.Livemode);
        Assert.Equal("Yapit Plus", read.Name);
        Assert.Equal("More voices", read.Description);
        Assert.Equal(new Dictionary<string, string> { ["tier"] = "plus" }, read.Metadata);
        Assert.Equal("All voices", Assert.Single(read.MarketingFeatures).Name);
        Assert.Equal("service", read.Type);
        Assert.Equal("seat", read.UnitLabel);
        Assert.Equal(created.Created, read.Created);
        Assert.InRange(read.Created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_generated_id_has_stripes_prefix_and_a_taken_custom_id_is_refused()
    {
        var stripe = emulator.CreateClient();
        var generated = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Generated" }, cancellationToken: _ct);
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "taken", Name = "First" }, cancellationToken: _ct);

        var error = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "taken", Name = "Second" }, cancellationToken: _ct));

        Assert.Matches("^prod_[A-Za-z0-9]{14}$", generated.Id);
        Assert.Equal((400, "resource_already_exists", "id"), ((int)error.HttpStatusCode, error.Code, error.StripeError.Param));
    }

    [Fact]
    public async Task An_update_changes_given_fields_clears_empty_ones_merges_metadata_and_emits_the_old_values()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions
        {
            Id = "basic",
            Name = "Basic",
            Description = "Starter",
            Metadata = new() { ["tier"] = "basic", ["legacy"] = "yes" },
        }, cancellationToken: _ct);

        var updated = await stripe.V1.Products.UpdateAsync("basic", new ProductUpdateOptions
        {
            Name = "Yapit Basic",
            Description = string.Empty,
            Metadata = new() { ["legacy"] = string.Empty, ["rank"] = "1" },
        }, cancellationToken: _ct);
        var events = await stripe.V1.Events.ListAsync(new EventListOptions { Type = "product.updated" }, cancellationToken: _ct);

        Assert.Equal("Yapit Basic", updated.Name);
        Assert.Null(updated.Description);
        Assert.Equal(new Dictionary<string, string> { ["tier"] = "basic", ["rank"] = "1" }, updated.Metadata);
        var updatedEvent = Assert.Single(events.Data);
        Assert.Equal("Yapit Basic", ((Product)updatedEvent.Data.Object).Name);
        var previous = updatedEvent.PreviousAttributesJson!.Value;
        Assert.Equal("Basic", previous.GetProperty("name").GetString());
        Assert.Equal("Starter", previous.GetProperty("description").GetString());
        Assert.Equal("yes", previous.GetProperty("metadata").GetProperty("legacy").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, previous.GetProperty("metadata").GetProperty("rank").ValueKind);
        Assert.False(previous.GetProperty("metadata").TryGetProperty("tier", out _));
    }

    [Fact]
    public async Task An_update_that_changes_nothing_emits_no_event()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "same", Name = "Same" }, cancellationToken: _ct);

        await stripe.V1.Products.UpdateAsync("same", new ProductUpdateOptions { Name = "Same" }, cancellationToken: _ct);
        var events = await stripe.V1.Events.ListAsync(new EventListOptions { Type = "product.*" }, cancellationToken: _ct);

        Assert.Equal("product.created", Assert.Single(events.Data).Type);
    }

    [Fact]
    public async Task Products_are_listed_newest_first_and_filtered_by_active_and_ids()
    {
        var stripe = emulator.CreateClient();
        foreach (var id in new[] { "p1", "p2", "p3" })
        {
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = id, Name = id }, cancellationToken: _ct);
        }
        await stripe.V1.Products.UpdateAsync("p2", new ProductUpdateOptions { Active = false }, cancellationToken: _ct);

        var all = await stripe.V1.Products.ListAsync(cancellationToken: _ct);
        var active = await stripe.V1.Products.ListAsync(new ProductListOptions { Active = true }, cancellationToken: _ct);
        var inactive = await stripe.V1.Products.ListAsync(new ProductListOptions { Active = false }, cancellationToken: _ct);
        var byIds = await stripe.V1.Products.ListAsync(new ProductListOptions { Ids = ["p1", "p3", "nope"] }, cancellationToken: _ct);

        Assert.Equal(["p3", "p2", "p1"], all.Data.Select(p => p.Id));
        Assert.Equal("/v1/products", all.Url);
        Assert.False(all.HasMore);
        Assert.Equal(["p3", "p1"], active.Data.Select(p => p.Id));
        Assert.Equal(["p2"], inactive.Data.Select(p => p.Id));
        Assert.Equal(["p3", "p1"], byIds.Data.Select(p => p.Id));
    }

    [Fact]
    public async Task A_product_is_deleted_only_once_no_price_uses_it()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "priced", Name = "Priced" }, cancellationToken: _ct);
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "bare", Name = "Bare" }, cancellationToken: _ct);
        await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "priced", Currency = "usd", UnitAmount = 100 }, cancellationToken: _ct);

        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Products.DeleteAsync("priced", cancellationToken: _ct));
        var deleted = await stripe.V1.Products.DeleteAsync("bare", cancellationToken: _ct);
        var gone = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Products.GetAsync("bare", cancellationToken: _ct));
        var events = await stripe.V1.Events.ListAsync(new EventListOptions { Type = "product.deleted" }, cancellationToken: _ct);

        Assert.Equal(400, (int)refused.HttpStatusCode);
        Assert.Contains("has one or more user-created prices", refused.Message, StringComparison.Ordinal);
        Assert.Equal(("bare", "product", true), (deleted.Id, deleted.Object, deleted.Deleted));
        Assert.True(gone.StripeError.Code == "resource_missing");
        Assert.Equal("bare", Assert.Single(events.Data).ObjectId);
    }

    [Fact]
    public async Task Default_price_data_creates_the_price_with_the_product()
    {
        using var http = emulator.CreateHttpClient();

        var product = await http.StripePostAsync("/v1/products",
            "id=with_price&name=With+price&default_price_data[currency]=eur&default_price_data[unit_amount]=500&default_price_data[recurring][interval]=month&expand[0]=default_price");

        Assert.Equal(200, product.Status);
        var price = product.Body.GetProperty("default_price");
        Assert.Equal("with_price", price.GetProperty("product").GetString());
        Assert.Equal((500, "eur", "month"), (price.GetProperty("unit_amount").GetInt64(), price.GetProperty("currency").GetString(),
            price.GetProperty("recurring").GetProperty("interval").GetString()));
    }

    [Fact]
    public async Task The_default_price_must_be_an_active_price_of_the_product()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "a", Name = "A" }, cancellationToken: _ct);
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "b", Name = "B" }, cancellationToken: _ct);
        var priceOfB = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "b", Currency = "usd", UnitAmount = 1 }, cancellationToken: _ct);
        var priceOfA = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "a", Currency = "usd", UnitAmount = 1 }, cancellationToken: _ct);

        var foreign = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Products.UpdateAsync("a", new ProductUpdateOptions { DefaultPrice = priceOfB.Id }, cancellationToken: _ct));
        var missing = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Products.UpdateAsync("a", new ProductUpdateOptions { DefaultPrice = "price_nope" }, cancellationToken: _ct));
        var updated = await stripe.V1.Products.UpdateAsync("a", new ProductUpdateOptions { DefaultPrice = priceOfA.Id }, cancellationToken: _ct);

        Assert.Equal((400, "default_price"), ((int)foreign.HttpStatusCode, foreign.StripeError.Param));
        Assert.Equal((400, "resource_missing", "default_price"), ((int)missing.HttpStatusCode, missing.Code, missing.StripeError.Param));
        Assert.Equal(priceOfA.Id, updated.DefaultPriceId);
    }
}
