using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Coupons: percent or amount off, durations, only name and metadata mutable, applies_to hidden unless expanded.</summary>
[Trait("Category", "Integration")]
public sealed class CouponTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_percent_coupon_with_a_custom_id_repeats_for_its_months()
    {
        var stripe = emulator.CreateClient();
        var redeemBy = DateTimeOffset.UtcNow.AddDays(30);

        var created = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions
        {
            Id = "launch_25",
            PercentOff = 25.5m,
            Duration = "repeating",
            DurationInMonths = 3,
            MaxRedemptions = 100,
            RedeemBy = redeemBy.UtcDateTime,
            Name = "Launch",
            Metadata = new() { ["campaign"] = "launch" },
        }, cancellationToken: _ct);
        var read = await stripe.V1.Coupons.GetAsync("launch_25", cancellationToken: _ct);

        Assert.Equal(("launch_25", "coupon", 25.5m, "repeating", 3L), (read.Id, read.Object, read.PercentOff, read.Duration, read.DurationInMonths));
        Assert.Equal((100L, 0L, true, "Launch"), (read.MaxRedemptions, read.TimesRedeemed, read.Valid, read.Name));
        Assert.Equal(redeemBy.ToUnixTimeSeconds(), new DateTimeOffset(read.RedeemBy!.Value).ToUnixTimeSeconds());
        Assert.Null(read.AmountOff);
        Assert.Null(read.Currency);
        Assert.Equal(created.Created, read.Created);
    }

    [Fact]
    public async Task An_amount_coupon_needs_a_currency_and_exactly_one_kind_of_discount()
    {
        using var http = emulator.CreateHttpClient();

        var amount = await http.StripePostAsync("/v1/coupons", "amount_off=500&currency=EUR&duration=forever");
        var noCurrency = await http.StripePostAsync("/v1/coupons", "amount_off=500");
        var both = await http.StripePostAsync("/v1/coupons", "amount_off=500&currency=usd&percent_off=10");
        var neither = await http.StripePostAsync("/v1/coupons", "duration=once");
        var noMonths = await http.StripePostAsync("/v1/coupons", "percent_off=10&duration=repeating");
        var tooMuch = await http.StripePostAsync("/v1/coupons", "percent_off=120");

        Assert.Equal((200, 500L, "eur", "forever"), (amount.Status, amount.Body.GetProperty("amount_off").GetInt64(),
            amount.Body.GetProperty("currency").GetString(), amount.Body.GetProperty("duration").GetString()));
        Assert.Matches("^[A-Z0-9]{8}$", amount.Body.GetProperty("id").GetString());
        Assert.Equal((400, "parameter_missing", "currency"), (noCurrency.Status, noCurrency.ErrorCode, noCurrency.ErrorParam));
        Assert.Equal((400, "parameters_exclusive"), (both.Status, both.ErrorCode));
        Assert.Equal((400, "percent_off"), (neither.Status, neither.ErrorParam));
        Assert.Equal((400, "parameter_missing", "duration_in_months"), (noMonths.Status, noMonths.ErrorCode, noMonths.ErrorParam));
        Assert.Equal((400, "percent_off"), (tooMuch.Status, tooMuch.ErrorParam));
    }

    [Fact]
    public async Task Currency_options_of_an_amount_coupon_are_accepted_and_returned_only_when_expanded()
    {
        // https://docs.stripe.com/api/coupons/create#create_coupon-currency_options: only with amount_off; includable on the object.
        var stripe = emulator.CreateClient();
        var created = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions
        {
            Id = "five_off",
            AmountOff = 500,
            Currency = "usd",
            CurrencyOptions = new() { ["eur"] = new CouponCurrencyOptionsOptions { AmountOff = 450 } },
        }, cancellationToken: _ct);
        var plain = await stripe.V1.Coupons.GetAsync("five_off", cancellationToken: _ct);
        var expanded = await stripe.V1.Coupons.GetAsync("five_off", new CouponGetOptions { Expand = ["currency_options"] }, cancellationToken: _ct);
        var updated = await stripe.V1.Coupons.UpdateAsync("five_off", new CouponUpdateOptions
        {
            CurrencyOptions = new() { ["gbp"] = new CouponCurrencyOptionsOptions { AmountOff = 400 } },
            Expand = ["currency_options"],
        }, cancellationToken: _ct);
        var listed = await stripe.V1.Coupons.ListAsync(new CouponListOptions { Expand = ["data.currency_options"] }, cancellationToken: _ct);
        var onPercent = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Coupons.CreateAsync(new CouponCreateOptions
        {
            PercentOff = 10,
            CurrencyOptions = new() { ["eur"] = new CouponCurrencyOptionsOptions { AmountOff = 450 } },
        }, cancellationToken: _ct));
        using var http = emulator.CreateHttpClient();
        var badCurrency = await http.StripePostAsync("/v1/coupons", "amount_off=500&currency=usd&currency_options[euro][amount_off]=5");
        var noAmount = await http.StripePostAsync("/v1/coupons", "amount_off=500&currency=usd&currency_options[eur][foo]=5");

        Assert.Null(created.CurrencyOptions);
        Assert.Null(plain.CurrencyOptions);
        Assert.Equal(450, Assert.Single(expanded.CurrencyOptions!, o => o.Key == "eur").Value.AmountOff);
        Assert.Equal([("eur", 450L), ("gbp", 400L)], updated.CurrencyOptions!.OrderBy(o => o.Key).Select(o => (o.Key, o.Value.AmountOff)));
        Assert.Equal(450, Assert.Single(listed.Data).CurrencyOptions!["eur"].AmountOff);
        Assert.Equal((400, "currency_options"), ((int)onPercent.HttpStatusCode, onPercent.StripeError.Param));
        Assert.Equal((400, "currency_options[euro]"), (badCurrency.Status, badCurrency.ErrorParam));
        Assert.Equal((400, "parameter_unknown"), (noAmount.Status, noAmount.ErrorCode));
    }

    [Fact]
    public async Task Applies_to_is_accepted_on_create_and_returned_only_when_expanded()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "max", Name = "Max" }, cancellationToken: _ct);

        var created = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = "max_only", PercentOff = 10, AppliesTo = new CouponAppliesToOptions { Products = ["max"] } }, cancellationToken: _ct);
        var expanded = await stripe.V1.Coupons.GetAsync("max_only", new CouponGetOptions { Expand = ["applies_to"] }, cancellationToken: _ct);
        var missingProduct = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { PercentOff = 10, AppliesTo = new CouponAppliesToOptions { Products = ["nope"] } }, cancellationToken: _ct));

        Assert.Null(created.AppliesTo);
        Assert.Equal(["max"], expanded.AppliesTo!.Products);
        Assert.Equal((400, "resource_missing", "applies_to[products][0]"), ((int)missingProduct.HttpStatusCode, missingProduct.Code, missingProduct.StripeError.Param));
    }

    [Fact]
    public async Task Only_name_and_metadata_change_and_the_discount_terms_are_refused()
    {
        var stripe = emulator.CreateClient();
        using var http = emulator.CreateHttpClient();
        await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = "fixed", PercentOff = 10, Name = "Ten" }, cancellationToken: _ct);

        var updated = await stripe.V1.Coupons.UpdateAsync("fixed", new CouponUpdateOptions { Name = "Ten percent", Metadata = new() { ["k"] = "v" } }, cancellationToken: _ct);
        var percent = await http.StripePostAsync("/v1/coupons/fixed", "percent_off=20");
        var duration = await http.StripePostAsync("/v1/coupons/fixed", "duration=forever");
        var events = await stripe.V1.Events.ListAsync(new EventListOptions { Type = "coupon.*" }, cancellationToken: _ct);

        Assert.Equal(("Ten percent", "v"), (updated.Name, updated.Metadata!["k"]));
        Assert.Equal((400, "parameter_unknown", "percent_off"), (percent.Status, percent.ErrorCode, percent.ErrorParam));
        Assert.Equal((400, "parameter_unknown", "duration"), (duration.Status, duration.ErrorCode, duration.ErrorParam));
        Assert.Equal(["coupon.updated", "coupon.created"], events.Data.Select(e => e.Type));
        Assert.Equal("Ten", events.Data[0].PreviousAttributesJson!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Coupons_are_listed_and_deleted_with_an_event()
    {
        var stripe = emulator.CreateClient();
        await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = "a", PercentOff = 5 }, cancellationToken: _ct);
        await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = "b", PercentOff = 6 }, cancellationToken: _ct);

        var listed = await stripe.V1.Coupons.ListAsync(cancellationToken: _ct);
        var deleted = await stripe.V1.Coupons.DeleteAsync("a", cancellationToken: _ct);
        var after = await stripe.V1.Coupons.ListAsync(cancellationToken: _ct);
        var deletion = Assert.Single((await stripe.V1.Events.ListAsync(new EventListOptions { Type = "coupon.deleted" }, cancellationToken: _ct)).Data);

        Assert.Equal(["b", "a"], listed.Data.Select(c => c.Id));
        Assert.Equal(("a", "coupon", true), (deleted.Id, deleted.Object, deleted.Deleted));
        Assert.Equal(["b"], after.Data.Select(c => c.Id));
        Assert.Equal(5m, ((Coupon)deletion.Data.Object).PercentOff);
    }

    [Fact]
    public async Task A_coupon_past_its_redeem_by_date_is_no_longer_valid()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var timed = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { Clock = clock });
        var stripe = timed.CreateClient();
        await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { Id = "soon", PercentOff = 5, RedeemBy = clock.GetUtcNow().AddDays(1).UtcDateTime }, cancellationToken: _ct);

        clock.Advance(TimeSpan.FromDays(2));

        Assert.False((await stripe.V1.Coupons.GetAsync("soon", cancellationToken: _ct)).Valid);
    }
}
