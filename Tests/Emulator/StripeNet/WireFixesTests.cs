using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Issue 12's emulator findings: the Idempotency-Key echo, and expanding tax_code and currency_options.</summary>
[Trait("Category", "Integration")]
public sealed class WireFixesTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_post_echoes_its_idempotency_key_on_the_first_answer_and_on_the_replay()
    {
        using var http = emulator.CreateHttpClient();

        var first = await http.StripePostAsync("/v1/customers", "email=echo%40example.com", idempotencyKey: "echo-key-1");
        var replay = await http.StripePostAsync("/v1/customers", "email=echo%40example.com", idempotencyKey: "echo-key-1");
        var withoutKey = await http.StripePostAsync("/v1/customers", "email=none%40example.com");

        Assert.Equal(("echo-key-1", "echo-key-1", "true"), (first.Header("Idempotency-Key"), replay.Header("Idempotency-Key"), replay.Header("Idempotent-Replayed")));
        Assert.Equal(first.Body.GetProperty("id").GetString(), replay.Body.GetProperty("id").GetString());
        Assert.Null(withoutKey.Header("Idempotency-Key"));
    }

    [Fact]
    public async Task A_products_tax_code_and_a_prices_currency_options_expand_as_Stripe_returns_them()
    {
        var stripe = emulator.StripeNet();
        var product = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Taxed", TaxCode = "txcd_10103001" }, cancellationToken: _ct);
        var price = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id, Currency = "eur", UnitAmount = 900, TaxBehavior = "inclusive", Recurring = new PriceRecurringOptions { Interval = "month" },
        }, cancellationToken: _ct);

        var expandedProduct = await stripe.V1.Products.GetAsync(product.Id, new ProductGetOptions { Expand = ["tax_code"] }, cancellationToken: _ct);
        var plainPrice = await stripe.V1.Prices.GetAsync(price.Id, cancellationToken: _ct);
        var expandedPrice = await stripe.V1.Prices.GetAsync(price.Id, new PriceGetOptions { Expand = ["currency_options"] }, cancellationToken: _ct);

        Assert.Equal("txcd_10103001", product.TaxCodeId);
        Assert.Equal(("txcd_10103001", "Software as a service (SaaS) - business use"), (expandedProduct.TaxCode.Id, expandedProduct.TaxCode.Name));
        Assert.Null(plainPrice.CurrencyOptions);
        var eur = Assert.Single(expandedPrice.CurrencyOptions);
        Assert.Equal(("eur", 900L, "inclusive"), (eur.Key, eur.Value.UnitAmount, eur.Value.TaxBehavior));
    }
}
