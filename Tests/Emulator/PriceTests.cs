using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Prices: immutable amounts, unique lookup keys that move only when asked, filters and expansion.</summary>
[Trait("Category", "Integration")]
public sealed class PriceTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<StripeClient> WithProductsAsync(params string[] ids)
    {
        var stripe = emulator.CreateClient();
        foreach (var id in ids)
        {
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = id, Name = id }, cancellationToken: _ct);
        }
        return stripe;
    }

    private static PriceCreateOptions Monthly(string product, long amount, string? lookupKey = null) => new()
    {
        Product = product,
        Currency = "usd",
        UnitAmount = amount,
        LookupKey = lookupKey,
        Recurring = new PriceRecurringOptions { Interval = "month" },
    };

    [Fact]
    public async Task A_recurring_price_is_created_with_stripes_defaults_and_its_product_expands()
    {
        var stripe = await WithProductsAsync("plus");

        var created = await stripe.V1.Prices.CreateAsync(Monthly("plus", 1900, "plus_monthly"), cancellationToken: _ct);
        var expanded = await stripe.V1.Prices.GetAsync(created.Id, new PriceGetOptions { Expand = ["product"] }, cancellationToken: _ct);

        Assert.Matches("^price_[A-Za-z0-9]{24}$", created.Id);
        Assert.Equal(("recurring", "per_unit", "usd", 1900L, 1900m), (created.Type, created.BillingScheme, created.Currency, created.UnitAmount, created.UnitAmountDecimal));
        Assert.Equal(("month", 1L, "licensed"), (created.Recurring!.Interval, created.Recurring.IntervalCount, created.Recurring.UsageType));
        Assert.Equal(("plus_monthly", "unspecified"), (created.LookupKey, created.TaxBehavior));
        Assert.Null(created.Product); // not expanded: only the id
        Assert.Equal("plus", created.ProductId);
        Assert.Equal(("plus", "plus"), (expanded.ProductId, expanded.Product!.Name));
    }

    [Fact]
    public async Task A_one_time_price_can_create_its_product_with_product_data()
    {
        using var http = emulator.CreateHttpClient();

        var price = await http.StripePostAsync("/v1/prices", "currency=usd&unit_amount=500&product_data[name]=Credits&product_data[id]=credits");
        var product = await http.StripeGetAsync("/v1/products/credits");

        Assert.Equal(("one_time", "credits"), (price.Body.GetProperty("type").GetString(), price.Body.GetProperty("product").GetString()));
        Assert.Equal("Credits", product.Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_price_needs_exactly_one_of_product_and_product_data_and_an_existing_product()
    {
        using var http = emulator.CreateHttpClient();

        var neither = await http.StripePostAsync("/v1/prices", "currency=usd&unit_amount=5");
        var both = await http.StripePostAsync("/v1/prices", "currency=usd&unit_amount=5&product=x&product_data[name]=X");
        var missing = await http.StripePostAsync("/v1/prices", "currency=usd&unit_amount=5&product=prod_missing");
        var noAmount = await http.StripePostAsync("/v1/prices", "currency=usd&product_data[name]=X");

        Assert.Equal((400, "parameter_missing", "product"), (neither.Status, neither.ErrorCode, neither.ErrorParam));
        Assert.Equal((400, "parameters_exclusive"), (both.Status, both.ErrorCode));
        Assert.Equal((400, "resource_missing", "product"), (missing.Status, missing.ErrorCode, missing.ErrorParam));
        Assert.Equal((400, "parameter_missing", "unit_amount"), (noAmount.Status, noAmount.ErrorCode, noAmount.ErrorParam));
    }

    [Fact]
    public async Task A_lookup_key_is_unique_and_moves_only_with_transfer_lookup_key()
    {
        var stripe = await WithProductsAsync("basic");
        var old = await stripe.V1.Prices.CreateAsync(Monthly("basic", 900, "basic_monthly"), cancellationToken: _ct);

        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Prices.CreateAsync(Monthly("basic", 1000, "basic_monthly"), cancellationToken: _ct));
        var transfer = Monthly("basic", 1000, "basic_monthly");
        transfer.TransferLookupKey = true;
        var replacement = await stripe.V1.Prices.CreateAsync(transfer, cancellationToken: _ct);
        var oldAfter = await stripe.V1.Prices.GetAsync(old.Id, cancellationToken: _ct);
        var byKey = await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["basic_monthly"] }, cancellationToken: _ct);
        var updates = await stripe.V1.Events.ListAsync(new EventListOptions { Type = "price.updated" }, cancellationToken: _ct);

        Assert.Equal((400, "resource_already_exists", "lookup_key"), ((int)refused.HttpStatusCode, refused.Code, refused.StripeError.Param));
        Assert.Contains(old.Id, refused.Message, StringComparison.Ordinal);
        Assert.Null(oldAfter.LookupKey);
        Assert.Equal(replacement.Id, Assert.Single(byKey.Data).Id);
        var moved = Assert.Single(updates.Data);
        Assert.Equal(old.Id, moved.ObjectId);
        Assert.Equal("basic_monthly", moved.PreviousAttributesJson!.Value.GetProperty("lookup_key").GetString());
    }

    [Fact]
    public async Task An_update_may_change_only_the_mutable_fields_and_take_over_a_lookup_key()
    {
        var stripe = await WithProductsAsync("max");
        var holder = await stripe.V1.Prices.CreateAsync(Monthly("max", 4900, "max_monthly"), cancellationToken: _ct);
        var price = await stripe.V1.Prices.CreateAsync(Monthly("max", 5900), cancellationToken: _ct);

        var updated = await stripe.V1.Prices.UpdateAsync(price.Id, new PriceUpdateOptions
        {
            Active = false,
            Nickname = "Max (2027)",
            Metadata = new() { ["plan"] = "max" },
            LookupKey = "max_monthly",
            TransferLookupKey = true,
        }, cancellationToken: _ct);
        var holderAfter = await stripe.V1.Prices.GetAsync(holder.Id, cancellationToken: _ct);

        Assert.False(updated.Active);
        Assert.Equal(("Max (2027)", "max_monthly"), (updated.Nickname, updated.LookupKey));
        Assert.Equal("max", updated.Metadata["plan"]);
        Assert.Equal(5900, updated.UnitAmount);
        Assert.Null(holderAfter.LookupKey);
    }

    [Fact]
    public async Task A_products_default_price_cannot_be_archived_until_another_one_takes_its_place()
    {
        var stripe = await WithProductsAsync("plus");
        var old = await stripe.V1.Prices.CreateAsync(Monthly("plus", 1900), cancellationToken: _ct);
        var replacement = await stripe.V1.Prices.CreateAsync(Monthly("plus", 2100), cancellationToken: _ct);
        await stripe.V1.Products.UpdateAsync("plus", new ProductUpdateOptions { DefaultPrice = old.Id }, cancellationToken: _ct);

        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Prices.UpdateAsync(old.Id, new PriceUpdateOptions { Active = false }, cancellationToken: _ct));
        await stripe.V1.Products.UpdateAsync("plus", new ProductUpdateOptions { DefaultPrice = replacement.Id }, cancellationToken: _ct);
        var archived = await stripe.V1.Prices.UpdateAsync(old.Id, new PriceUpdateOptions { Active = false }, cancellationToken: _ct);

        Assert.Equal((400, "active"), ((int)refused.HttpStatusCode, refused.StripeError.Param));
        Assert.Contains("default price", refused.Message, StringComparison.Ordinal);
        Assert.False(archived.Active);
    }

    [Fact]
    public async Task Prices_are_filtered_by_product_active_type_and_lookup_keys_and_expand_their_products_in_lists()
    {
        var stripe = await WithProductsAsync("basic", "plus");
        var basic = await stripe.V1.Prices.CreateAsync(Monthly("basic", 900, "basic_monthly"), cancellationToken: _ct);
        var plus = await stripe.V1.Prices.CreateAsync(Monthly("plus", 1900, "plus_monthly"), cancellationToken: _ct);
        var credits = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "plus", Currency = "usd", UnitAmount = 500 }, cancellationToken: _ct);
        await stripe.V1.Prices.UpdateAsync(basic.Id, new PriceUpdateOptions { Active = false }, cancellationToken: _ct);

        var ofPlus = await stripe.V1.Prices.ListAsync(new PriceListOptions { Product = "plus" }, cancellationToken: _ct);
        var active = await stripe.V1.Prices.ListAsync(new PriceListOptions { Active = true }, cancellationToken: _ct);
        var oneTime = await stripe.V1.Prices.ListAsync(new PriceListOptions { Type = "one_time" }, cancellationToken: _ct);
        var byKeys = await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["plus_monthly", "basic_monthly"], Expand = ["data.product"] }, cancellationToken: _ct);

        Assert.Equal([credits.Id, plus.Id], ofPlus.Data.Select(p => p.Id));
        Assert.Equal([credits.Id, plus.Id], active.Data.Select(p => p.Id));
        Assert.Equal([credits.Id], oneTime.Data.Select(p => p.Id));
        Assert.Equal([plus.Id, basic.Id], byKeys.Data.Select(p => p.Id));
        Assert.All(byKeys.Data, p => Assert.NotNull(p.Product));
        Assert.Equal(["plus", "basic"], byKeys.Data.Select(p => p.Product!.Name));
    }

    [Fact]
    public async Task Tiers_are_returned_only_when_expanded_and_an_unknown_expansion_is_refused()
    {
        using var http = emulator.CreateHttpClient();
        var form = "currency=usd&product_data[name]=Tokens&billing_scheme=tiered&tiers_mode=graduated&recurring[interval]=month"
            + "&tiers[0][up_to]=1000&tiers[0][unit_amount]=0&tiers[1][up_to]=inf&tiers[1][unit_amount_decimal]=0.5";

        var created = await http.StripePostAsync("/v1/prices", form);
        var path = $"/v1/prices/{created.Body.GetProperty("id").GetString()}";
        var expanded = await http.StripeGetAsync(path, "expand[]=tiers");
        var refused = await http.StripeGetAsync(path, "expand[]=nickname");

        Assert.False(created.Body.TryGetProperty("tiers", out _));
        var tiers = expanded.Body.GetProperty("tiers").EnumerateArray().ToArray();
        Assert.Equal(1000, tiers[0].GetProperty("up_to").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tiers[1].GetProperty("up_to").ValueKind);
        Assert.Equal("0.5", tiers[1].GetProperty("unit_amount_decimal").GetString());
        Assert.Equal(400, refused.Status);
        Assert.Equal("This property cannot be expanded (nickname).", refused.ErrorMessage);
    }
}
