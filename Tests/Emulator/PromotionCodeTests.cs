using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Promotion codes: pointing at a coupon through promotion.coupon, unique among active codes, filtered and expanded.</summary>
[Trait("Category", "Integration")]
public sealed class PromotionCodeTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<StripeClient> WithCouponsAsync(params string[] ids)
    {
        var stripe = emulator.CreateClient();
        foreach (var id in ids)
        {
            await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = id, PercentOff = 20 }, cancellationToken: _ct);
        }
        return stripe;
    }

    private static PromotionCodeCreateOptions For(string coupon, string? code = null) =>
        new() { Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = coupon }, Code = code };

    [Fact]
    public async Task A_code_points_to_its_coupon_which_expands()
    {
        var stripe = await WithCouponsAsync("beta");

        var created = await stripe.V1.PromotionCodes.CreateAsync(new PromotionCodeCreateOptions
        {
            Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = "beta" },
            Code = "BETA2027",
            MaxRedemptions = 50,
            Metadata = new() { ["source"] = "newsletter" },
            Restrictions = new PromotionCodeRestrictionsOptions { FirstTimeTransaction = true, MinimumAmount = 1000, MinimumAmountCurrency = "usd" },
        }, cancellationToken: _ct);
        var expanded = await stripe.V1.PromotionCodes.GetAsync(created.Id, new PromotionCodeGetOptions { Expand = ["promotion.coupon"] }, cancellationToken: _ct);

        Assert.Matches("^promo_[A-Za-z0-9]{24}$", created.Id);
        Assert.Equal(("BETA2027", true, 50L, 0L), (created.Code, created.Active, created.MaxRedemptions, created.TimesRedeemed));
        Assert.Equal(("coupon", "beta", false), (created.Promotion.Type, created.Promotion.CouponId, created.Promotion.Coupon is not null));
        Assert.Equal((true, 1000L, "usd"), (created.Restrictions.FirstTimeTransaction, created.Restrictions.MinimumAmount, created.Restrictions.MinimumAmountCurrency));
        Assert.Equal(20m, expanded.Promotion.Coupon!.PercentOff);
    }

    [Fact]
    public async Task A_code_needs_an_existing_coupon_and_a_generated_code_is_readable()
    {
        var stripe = await WithCouponsAsync("real");
        using var http = emulator.CreateHttpClient();

        var generated = await stripe.V1.PromotionCodes.CreateAsync(For("real"), cancellationToken: _ct);
        var missing = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.PromotionCodes.CreateAsync(For("imaginary"), cancellationToken: _ct));
        var noCoupon = await http.StripePostAsync("/v1/promotion_codes", "promotion[type]=coupon");
        var oldShape = await http.StripePostAsync("/v1/promotion_codes", "coupon=real");

        Assert.Matches("^[A-Z0-9]{8}$", generated.Code);
        Assert.Equal((400, "resource_missing", "promotion[coupon]"), ((int)missing.HttpStatusCode, missing.Code, missing.StripeError.Param));
        Assert.Equal((400, "parameter_missing", "promotion[coupon]"), (noCoupon.Status, noCoupon.ErrorCode, noCoupon.ErrorParam));
        Assert.Equal((400, "parameter_unknown", "coupon"), (oldShape.Status, oldShape.ErrorCode, oldShape.ErrorParam));
    }

    [Fact]
    public async Task A_code_is_unique_among_active_codes_ignoring_case()
    {
        var stripe = await WithCouponsAsync("c1", "c2");
        var first = await stripe.V1.PromotionCodes.CreateAsync(For("c1", "SPRING"), cancellationToken: _ct);

        var clash = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.PromotionCodes.CreateAsync(For("c2", "spring"), cancellationToken: _ct));
        await stripe.V1.PromotionCodes.UpdateAsync(first.Id, new PromotionCodeUpdateOptions { Active = false }, cancellationToken: _ct);
        var second = await stripe.V1.PromotionCodes.CreateAsync(For("c2", "spring"), cancellationToken: _ct);
        var reactivate = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.PromotionCodes.UpdateAsync(first.Id, new PromotionCodeUpdateOptions { Active = true }, cancellationToken: _ct));

        Assert.Equal((400, "resource_already_exists", "code"), ((int)clash.HttpStatusCode, clash.Code, clash.StripeError.Param));
        Assert.True(second.Active);
        Assert.Equal((400, "resource_already_exists"), ((int)reactivate.HttpStatusCode, reactivate.Code));
    }

    [Fact]
    public async Task Codes_are_listed_by_code_active_and_coupon_and_updates_emit_events()
    {
        var stripe = await WithCouponsAsync("c1", "c2");
        var a = await stripe.V1.PromotionCodes.CreateAsync(For("c1", "ALPHA"), cancellationToken: _ct);
        var b = await stripe.V1.PromotionCodes.CreateAsync(For("c2", "BRAVO"), cancellationToken: _ct);
        var c = await stripe.V1.PromotionCodes.CreateAsync(For("c2", "CHARLIE"), cancellationToken: _ct);
        await stripe.V1.PromotionCodes.UpdateAsync(c.Id, new PromotionCodeUpdateOptions { Active = false, Metadata = new() { ["why"] = "expired" } }, cancellationToken: _ct);

        async Task<string[]> IdsAsync(PromotionCodeListOptions options) =>
            [.. (await stripe.V1.PromotionCodes.ListAsync(options, cancellationToken: _ct)).Data.Select(p => p.Id)];

        Assert.Equal([a.Id], await IdsAsync(new PromotionCodeListOptions { Code = "alpha" }));
        Assert.Equal([b.Id, a.Id], await IdsAsync(new PromotionCodeListOptions { Active = true }));
        Assert.Equal([c.Id, b.Id], await IdsAsync(new PromotionCodeListOptions { Coupon = "c2" }));
        var update = Assert.Single((await stripe.V1.Events.ListAsync(new EventListOptions { Type = "promotion_code.updated" }, cancellationToken: _ct)).Data);
        Assert.True(update.PreviousAttributesJson!.Value.GetProperty("active").GetBoolean());
        Assert.Equal(3, (await stripe.V1.Events.ListAsync(new EventListOptions { Type = "promotion_code.created" }, cancellationToken: _ct)).Data.Count);
    }

    [Fact]
    public async Task Only_active_metadata_and_restrictions_can_be_updated()
    {
        var stripe = await WithCouponsAsync("c1");
        var code = await stripe.V1.PromotionCodes.CreateAsync(For("c1", "FIXED"), cancellationToken: _ct);
        using var http = emulator.CreateHttpClient();

        var rename = await http.StripePostAsync($"/v1/promotion_codes/{code.Id}", "code=OTHER");
        var recoupon = await http.StripePostAsync($"/v1/promotion_codes/{code.Id}", "promotion[coupon]=c1");

        Assert.Equal((400, "parameter_unknown", "code"), (rename.Status, rename.ErrorCode, rename.ErrorParam));
        Assert.Equal((400, "parameter_unknown", "promotion"), (recoupon.Status, recoupon.ErrorCode, recoupon.ErrorParam));
    }
}
