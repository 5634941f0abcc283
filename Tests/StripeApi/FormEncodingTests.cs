using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.WebUtilities;
using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;
using Yapit.StripeApi.Resources.BillingPortal;
using Yapit.StripeApi.Resources.Checkout;
using Yapit.StripeApi.Resources.Coupons;
using Yapit.StripeApi.Resources.Prices;
using Yapit.StripeApi.Resources.Products;
using Yapit.StripeApi.Resources.Subscriptions;

namespace Yapit.Tests.StripeApi;

/// <summary>Stripe's form encoding: bracketed keys, indexed arrays, empty values that clear, RFC 3986 escaping.</summary>
public sealed class FormEncodingTests
{
    [Fact]
    public void Nested_objects_become_bracketed_keys()
    {
        var body = FormEncoder.Encode(new PriceCreateOptions
        {
            Currency = "usd",
            Recurring = new PriceRecurring { Interval = "month", IntervalCount = 3, UsageType = "licensed" },
        });

        Assert.Equal("currency=usd&recurring[interval]=month&recurring[interval_count]=3&recurring[usage_type]=licensed", body);
    }

    [Fact]
    public void Arrays_of_objects_are_indexed_and_nested()
    {
        var body = FormEncoder.Encode(new CheckoutSessionCreateOptions
        {
            Mode = "subscription",
            LineItems =
            [
                new() { Price = "price_a", Quantity = 1 },
                new() { PriceData = new() { Currency = "eur", ProductData = new() { Name = "Credits" }, UnitAmount = 500 }, Quantity = 2 },
            ],
        });

        Assert.Equal(
            "mode=subscription&line_items[0][price]=price_a&line_items[0][quantity]=1"
            + "&line_items[1][price_data][currency]=eur&line_items[1][price_data][product_data][name]=Credits"
            + "&line_items[1][price_data][unit_amount]=500&line_items[1][quantity]=2",
            body);
    }

    [Fact]
    public void Metadata_sets_keys_and_a_null_value_clears_its_key()
    {
        var body = FormEncoder.Encode(new ProductUpdateOptions { Metadata = new() { ["tier"] = "plus", ["legacy"] = null } });

        Assert.Equal("metadata[tier]=plus&metadata[legacy]=", body);
    }

    [Fact]
    public void Booleans_are_lowercase_words()
    {
        var body = FormEncoder.Encode(new PriceUpdateOptions { Active = false, TransferLookupKey = true });

        Assert.Equal("active=false&transfer_lookup_key=true", body);
    }

    [Theory]
    [InlineData("0.5", "0.5")]
    [InlineData("12.3456789012", "12.3456789012")]
    [InlineData("33.3", "33.3")]
    [InlineData("100", "100")]
    public void Decimals_keep_their_digits_in_invariant_culture(string value, string expected)
    {
        var number = decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal($"percent_off={expected}", FormEncoder.Encode(new CouponCreateOptions { PercentOff = number }));
    }

    [Fact]
    public void Null_leaves_a_field_out_and_empty_values_clear_it()
    {
        var body = FormEncoder.Encode(new SubscriptionUpdateOptions
        {
            CancelAt = TimestampOrKeyword.Clear,  // cancel_at=
            Description = string.Empty,            // description=
            Discounts = [],                        // discounts=
            Metadata = [],                         // metadata=
            PauseCollection = new(),               // an object with nothing set: pause_collection=
            ProrationBehavior = null,              // left out
        });

        Assert.Equal("cancel_at=&description=&discounts=&metadata=&pause_collection=", body);
    }

    [Fact]
    public void Timestamps_are_unix_seconds_and_keywords_are_sent_as_words()
    {
        var body = FormEncoder.Encode(new SubscriptionUpdateOptions
        {
            CancelAt = DateTimeOffset.FromUnixTimeSeconds(1767225600),
            ProrationDate = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)),
            TrialEnd = TimestampOrKeyword.Now,
        });

        Assert.Equal("cancel_at=1767225600&proration_date=1767225600&trial_end=now", body);
    }

    [Fact]
    public void Expand_is_an_indexed_list()
    {
        var body = FormEncoder.Encode(new GetOptions { Expand = ["customer", "latest_invoice.lines"] });

        Assert.Equal("expand[0]=customer&expand[1]=latest_invoice.lines", body);
    }

    [Fact]
    public void Values_and_keys_are_percent_encoded_but_brackets_stay_readable()
    {
        var body = FormEncoder.Encode(new ProductCreateOptions
        {
            Name = "Plus & more: 100% (beta)! it's *new* ü",
            Metadata = new() { ["a key[x]"] = "a=b&c" },
        });

        Assert.Equal(
            "name=Plus%20%26%20more%3A%20100%25%20%28beta%29%21%20it%27s%20%2Anew%2A%20%C3%BC&metadata[a%20key[x]]=a%3Db%26c",
            body);
    }

    [Fact]
    public void A_get_sends_its_parameters_in_the_query_string()
    {
        var pairs = FormEncoder.Flatten(new PriceListOptions { LookupKeys = ["basic_monthly", "plus_monthly"], Active = true, Limit = 100 });

        Assert.Equal(
            [new("active", "true"), new("lookup_keys[0]", "basic_monthly"), new("lookup_keys[1]", "plus_monthly"), new("limit", "100")],
            pairs);
    }

    [Fact]
    public async Task A_list_call_puts_lookup_keys_and_expand_in_the_query_and_sends_no_body()
    {
        await using var stub = await StripeStub.AnsweringAsync("""{"object":"list","data":[],"has_more":false,"url":"/v1/prices"}""");

        await stub.Client().Prices.ListAsync(new PriceListOptions { LookupKeys = ["basic_monthly", "plus monthly"], Expand = ["data.product"] },
            cancellationToken: TestContext.Current.CancellationToken);

        var request = stub.Single();
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v1/prices?lookup_keys[0]=basic_monthly&lookup_keys[1]=plus%20monthly&expand[0]=data.product", request.Target);
        Assert.Equal(string.Empty, request.Body);
        Assert.Null(request.Header("Content-Type"));
    }

    [Fact]
    public async Task A_post_body_reads_back_as_the_same_fields_through_a_standard_form_parser()
    {
        await using var stub = await StripeStub.AnsweringAsync("""{"id":"bpc_1","object":"billing_portal.configuration"}""");
        var options = new PortalConfigurationCreateOptions
        {
            Features = new PortalFeatures
            {
                SubscriptionUpdate = new PortalSubscriptionUpdate
                {
                    Enabled = true,
                    Products = [new PortalProduct { Product = "prod_1", Prices = ["price_1", "price_2"] }],
                    ScheduleAtPeriodEnd = new PortalScheduleAtPeriodEnd { Conditions = [new PortalScheduleCondition { Type = "decreasing_item_amount" }] },
                },
            },
            Metadata = new() { ["note"] = "50% off & free: \"yes\"" },
        };

        await stub.Client().BillingPortal.Configurations.CreateAsync(options, cancellationToken: TestContext.Current.CancellationToken);

        var request = stub.Single();
        Assert.Equal("application/x-www-form-urlencoded", request.Header("Content-Type"));
        var fields = QueryHelpers.ParseQuery(request.Body);
        Assert.Equal("true", fields["features[subscription_update][enabled]"]);
        Assert.Equal("price_2", fields["features[subscription_update][products][0][prices][1]"]);
        Assert.Equal("decreasing_item_amount", fields["features[subscription_update][schedule_at_period_end][conditions][0][type]"]);
        Assert.Equal("50% off & free: \"yes\"", fields["metadata[note]"]);
    }

    [Fact]
    public void Any_metadata_key_and_value_survive_encoding_and_a_standard_form_parser()
    {
        // Lone surrogates are not text; everything else (controls, '&', '=', '+', '%', brackets, non-ASCII) must round-trip.
        static bool IsText(string? s) => s is not null && !s.Any(char.IsSurrogate);
        var text = ArbMap.Default.GeneratorFor<string>().Where(IsText);
        var keys = text.Where(k => k.Length > 0 && !k.Contains('[', StringComparison.Ordinal) && !k.Contains(']', StringComparison.Ordinal));

        Prop.ForAll(keys.ToArbitrary(), text.ToArbitrary(), (key, value) =>
        {
            var fields = QueryHelpers.ParseQuery(FormEncoder.Encode(new ProductUpdateOptions { Metadata = new() { [key] = value } }));
            return fields.Count == 1 && fields[$"metadata[{key}]"] == value;
        }).QuickCheckThrowOnFailure();
    }
}
