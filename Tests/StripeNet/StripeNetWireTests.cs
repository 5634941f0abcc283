using Stripe;
using Stripe.BillingPortal;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.StripeNet;

/// <summary>
/// What our own client's tests proved about Stripe's wire format, now proved with Stripe.net against the emulator:
/// paging, expansion, Stripe.net's ways of clearing (an empty value, an empty list, AddExtraParam for all metadata),
/// errors as <see cref="StripeException"/>, and idempotent replays.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StripeNetWireTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task ListAutoPagingAsync_walks_every_page_with_starting_after_one_request_per_page()
    {
        var stripe = emulator.CreateClient();
        for (var i = 0; i < 230; i++)
        {
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = $"p{i:D3}", Name = $"Product {i}" }, cancellationToken: _ct);
        }
        await emulator.ResetStatsAsync(_ct);

        var ids = new List<string>();
        await foreach (var product in stripe.V1.Products.ListAutoPagingAsync(new ProductListOptions { Limit = 100 }, cancellationToken: _ct))
        {
            ids.Add(product.Id);
        }

        Assert.Equal(230, ids.Count);
        Assert.Equal(230, ids.Distinct().Count());
        Assert.Equal("p229", ids[0]); // newest first
        Assert.Equal("p000", ids[^1]);
        Assert.Equal(3, (await emulator.GetStatsAsync(_ct)).Count("GET", "/v1/products"));
    }

    [Fact]
    public async Task Expansion_of_list_items_holds_on_every_page()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "plus", Name = "Plus" }, cancellationToken: _ct);
        for (var amount = 100; amount <= 500; amount += 100)
        {
            await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "plus", Currency = "eur", UnitAmount = amount }, cancellationToken: _ct);
        }

        var prices = new List<Price>();
        await foreach (var price in stripe.V1.Prices.ListAutoPagingAsync(new PriceListOptions { Limit = 2, Expand = ["data.product"] }, cancellationToken: _ct))
        {
            prices.Add(price);
        }
        var single = await stripe.V1.Prices.GetAsync(prices[0].Id, cancellationToken: _ct);

        Assert.Equal(5, prices.Count);
        Assert.All(prices, p => Assert.Equal(("plus", "Plus"), (p.ProductId, p.Product?.Name)));
        Assert.Equal(("plus", null), (single.ProductId, single.Product)); // not asked for: only the id
    }

    [Fact]
    public async Task Metadata_is_cleared_by_key_with_an_empty_value_and_whole_with_AddExtraParam()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "meta", Name = "Meta", Metadata = new() { ["a"] = "1", ["b"] = "2", ["c"] = "3" } }, cancellationToken: _ct);

        var oneKey = await stripe.V1.Products.UpdateAsync("meta", new ProductUpdateOptions { Metadata = new() { ["a"] = string.Empty } }, cancellationToken: _ct);
        // Stripe.net sends an empty dictionary as nothing: the metadata stays.
        var emptyDictionary = await stripe.V1.Products.UpdateAsync("meta", new ProductUpdateOptions { Metadata = [] }, cancellationToken: _ct);
        var clearAll = new ProductUpdateOptions();
        clearAll.AddExtraParam("metadata", string.Empty);
        var cleared = await stripe.V1.Products.UpdateAsync("meta", clearAll, cancellationToken: _ct);

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, oneKey.Metadata);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, emptyDictionary.Metadata);
        Assert.Empty(cleared.Metadata);
        Assert.Empty((await stripe.V1.Products.GetAsync("meta", cancellationToken: _ct)).Metadata);
    }

    [Fact]
    public async Task An_empty_list_is_sent_as_key_equals_and_clears_the_portals_schedule_conditions()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "basic", Name = "Basic" }, cancellationToken: _ct);
        var monthly = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = "basic", Currency = "eur", UnitAmount = 900, Recurring = new PriceRecurringOptions { Interval = "month" },
        }, cancellationToken: _ct);
        var created = await stripe.V1.BillingPortal.Configurations.CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions
            {
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Enabled = true,
                    DefaultAllowedUpdates = ["price"],
                    Products = [new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = "basic", Prices = [monthly.Id] }],
                    ScheduleAtPeriodEnd = new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndOptions
                    {
                        Conditions = [new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndConditionOptions { Type = "decreasing_item_amount" }],
                    },
                },
            },
        }, cancellationToken: _ct);

        var updated = await stripe.V1.BillingPortal.Configurations.UpdateAsync(created.Id, new ConfigurationUpdateOptions
        {
            Features = new ConfigurationFeaturesOptions
            {
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    ScheduleAtPeriodEnd = new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndOptions { Conditions = [] },
                },
            },
        }, cancellationToken: _ct);

        Assert.Equal("decreasing_item_amount", Assert.Single(created.Features.SubscriptionUpdate.ScheduleAtPeriodEnd.Conditions).Type);
        Assert.Empty(updated.Features.SubscriptionUpdate.ScheduleAtPeriodEnd.Conditions);
        Assert.True(updated.Features.SubscriptionUpdate.Enabled); // the rest of the tree stays
    }

    [Fact]
    public async Task Errors_arrive_as_StripeException_with_status_type_code_and_param()
    {
        var stripe = emulator.CreateClient();

        var missing = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Prices.GetAsync("price_missing", cancellationToken: _ct));
        var invalid = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Prices.CreateAsync(new PriceCreateOptions { UnitAmount = 100, Product = "nope" }, cancellationToken: _ct));

        Assert.Equal((404, "invalid_request_error", "resource_missing"), ((int)missing.HttpStatusCode, missing.StripeError.Type, missing.StripeError.Code));
        Assert.Contains("price_missing", missing.Message, StringComparison.Ordinal);
        Assert.Equal((400, "invalid_request_error", "parameter_missing", "currency"),
            ((int)invalid.HttpStatusCode, invalid.StripeError.Type, invalid.StripeError.Code, invalid.StripeError.Param));
        Assert.StartsWith("req_", missing.StripeResponse.RequestId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_create_repeated_with_its_idempotency_key_is_replayed_and_a_changed_body_is_refused()
    {
        var stripe = emulator.CreateClient();
        var key = new RequestOptions { IdempotencyKey = $"yapit-setup-{Guid.NewGuid():N}" };

        var first = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Once" }, key, _ct);
        var replay = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Once" }, key, _ct);
        var changed = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Twice" }, key, _ct));

        Assert.Equal(first.Id, replay.Id);
        Assert.Equal("true", replay.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single((await stripe.V1.Products.ListAsync(cancellationToken: _ct)).Data);
        Assert.Equal((400, "idempotency_error"), ((int)changed.HttpStatusCode, changed.StripeError.Type));
    }
}
