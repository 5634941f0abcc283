using System.Net.Http.Headers;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Stripe's HTTP conventions, checked on the raw wire: authentication, versions, ids, errors, encodings, idempotency.</summary>
[Trait("Category", "Integration")]
public sealed class WireTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_request_without_a_key_is_refused_with_401_and_Stripes_error_body()
    {
        using var anonymous = emulator.CreateHttpClient(authenticated: false);

        var response = await anonymous.StripeGetAsync("/v1/products");

        Assert.Equal(401, response.Status);
        Assert.Equal("invalid_request_error", response.ErrorType);
        Assert.StartsWith("You did not provide an API key.", response.ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("req_", response.Header("Request-Id"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer not_a_key")]
    [InlineData("Bearer sk_live_123")]
    [InlineData("Bearer sk_test_")]
    [InlineData("Token sk_test_123")]
    public async Task A_key_that_is_not_a_test_secret_key_is_refused_with_401(string authorization)
    {
        using var client = emulator.CreateHttpClient(authenticated: false);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.StripeGetAsync("/v1/products");

        Assert.Equal(401, response.Status);
        Assert.StartsWith("Invalid API Key provided", response.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("123", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_test_key_works_also_as_curl_sends_it_with_basic_auth()
    {
        using var client = emulator.CreateHttpClient(authenticated: false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("sk_test_anything:"u8.ToArray()));

        var response = await client.StripeGetAsync("/v1/products");

        Assert.Equal(200, response.Status);
        Assert.Equal("list", response.Body.GetProperty("object").GetString());
    }

    [Fact]
    public async Task The_requested_api_version_is_echoed_and_the_pinned_one_is_the_default()
    {
        using var client = emulator.CreateHttpClient();
        var pinned = await client.StripeGetAsync("/v1/products");
        client.DefaultRequestHeaders.Add("Stripe-Version", "2025-03-31.basil");
        var requested = await client.StripeGetAsync("/v1/products");

        Assert.Equal(Stripe.StripeConfiguration.ApiVersion, pinned.Header("Stripe-Version"));
        Assert.Equal("2025-03-31.basil", requested.Header("Stripe-Version"));
    }

    [Fact]
    public async Task A_malformed_api_version_is_refused()
    {
        using var client = emulator.CreateHttpClient();
        client.DefaultRequestHeaders.Add("Stripe-Version", "latest");

        var response = await client.StripeGetAsync("/v1/products");

        Assert.Equal(400, response.Status);
        Assert.Equal("Invalid Stripe API version: latest", response.ErrorMessage);
    }

    [Fact]
    public async Task Every_response_has_its_own_request_id_operator_endpoints_too()
    {
        using var client = emulator.CreateHttpClient();
        var ids = new[]
        {
            (await client.StripeGetAsync("/v1/products")).Header("Request-Id"),
            (await client.StripeGetAsync("/v1/products/missing")).Header("Request-Id"),
            (await client.StripeGetAsync("/_emulator/stats")).Header("Request-Id"),
        };

        Assert.All(ids, id => Assert.Matches("^req_[A-Za-z0-9]{14}$", id));
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public async Task An_unknown_parameter_is_refused_naming_it_also_when_nested()
    {
        using var client = emulator.CreateHttpClient();

        var topLevel = await client.StripePostAsync("/v1/products", "name=Basic&colour=blue");
        var nested = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=100&product_data[name]=X&recurring[interval]=month&recurring[every]=2");

        Assert.Equal((400, "parameter_unknown", "colour"), (topLevel.Status, topLevel.ErrorCode, topLevel.ErrorParam));
        Assert.Equal("Received unknown parameter: colour", topLevel.ErrorMessage);
        Assert.Equal((400, "parameter_unknown", "recurring[every]"), (nested.Status, nested.ErrorCode, nested.ErrorParam));
    }

    [Fact]
    public async Task A_missing_required_parameter_is_refused_naming_it()
    {
        using var client = emulator.CreateHttpClient();

        var top = await client.StripePostAsync("/v1/prices", "unit_amount=100&product_data[name]=X");
        var nested = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=100&product_data[name]=X&recurring[interval_count]=2");

        Assert.Equal((400, "parameter_missing", "currency"), (top.Status, top.ErrorCode, top.ErrorParam));
        Assert.Equal("Missing required param: currency.", top.ErrorMessage);
        Assert.Equal((400, "parameter_missing", "recurring[interval]"), (nested.Status, nested.ErrorCode, nested.ErrorParam));
    }

    [Fact]
    public async Task Malformed_values_are_refused_with_the_matching_code()
    {
        using var client = emulator.CreateHttpClient();

        var integer = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=ten&product_data[name]=X");
        var negative = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=-5&product_data[name]=X");
        var empty = await client.StripePostAsync("/v1/products", "name=");
        var boolean = await client.StripePostAsync("/v1/products", "name=X&active=yes");
        var enumeration = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=5&product_data[name]=X&recurring[interval]=fortnight");
        var limit = await client.StripeGetAsync("/v1/products", "limit=101");

        Assert.Equal((400, "parameter_invalid_integer", "unit_amount"), (integer.Status, integer.ErrorCode, integer.ErrorParam));
        Assert.Equal("Invalid integer: ten", integer.ErrorMessage);
        Assert.Equal((400, "parameter_invalid_integer", "unit_amount"), (negative.Status, negative.ErrorCode, negative.ErrorParam));
        Assert.Equal((400, "parameter_invalid_empty", "name"), (empty.Status, empty.ErrorCode, empty.ErrorParam));
        Assert.Equal((400, "active"), (boolean.Status, boolean.ErrorParam));
        Assert.Equal("Invalid boolean: yes", boolean.ErrorMessage);
        Assert.Equal((400, "recurring[interval]"), (enumeration.Status, enumeration.ErrorParam));
        Assert.Contains("must be one of day, month, week, or year", enumeration.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((400, "parameter_invalid_integer", "limit"), (limit.Status, limit.ErrorCode, limit.ErrorParam));
    }

    [Fact]
    public async Task A_missing_object_is_404_resource_missing_and_an_unknown_url_is_404_unrecognized()
    {
        using var client = emulator.CreateHttpClient();

        var missing = await client.StripeGetAsync("/v1/products/prod_nope");
        var unknownUrl = await client.StripeGetAsync("/v1/charges_of_the_light_brigade");
        var wrongMethod = await client.StripeDeleteAsync("/v1/prices/price_123");

        Assert.Equal((404, "resource_missing", "id"), (missing.Status, missing.ErrorCode, missing.ErrorParam));
        Assert.Equal("No such product: 'prod_nope'", missing.ErrorMessage);
        Assert.Equal(404, unknownUrl.Status);
        Assert.StartsWith("Unrecognized request URL (GET: /v1/charges_of_the_light_brigade)", unknownUrl.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(404, wrongMethod.Status);
        Assert.StartsWith("Unrecognized request URL (DELETE: /v1/prices/price_123)", wrongMethod.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Immutable_price_fields_are_refused_on_update_as_unknown_parameters()
    {
        using var client = emulator.CreateHttpClient();
        var price = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=900&product_data[name]=Basic&recurring[interval]=month");
        var path = $"/v1/prices/{price.Body.GetProperty("id").GetString()}";

        foreach (var (form, param) in new[]
        {
            ("unit_amount=1000", "unit_amount"),
            ("currency=eur", "currency"),
            ("recurring[interval]=year", "recurring"),
            ("product=prod_other", "product"),
        })
        {
            var refused = await client.StripePostAsync(path, form);
            Assert.Equal((400, "parameter_unknown", param), (refused.Status, refused.ErrorCode, refused.ErrorParam));
        }
        var unchanged = await client.StripeGetAsync(path);
        Assert.Equal(900, unchanged.Body.GetProperty("unit_amount").GetInt64());
    }

    [Fact]
    public async Task Brackets_may_be_percent_encoded_arrays_may_use_empty_brackets_and_plus_is_a_space()
    {
        using var client = emulator.CreateHttpClient();

        var product = await client.StripePostAsync("/v1/products", "name=Yapit+Plus&metadata%5Btier%5D=plus&images[]=https%3A%2F%2Fa.example%2F1.png&images[]=https%3A%2F%2Fa.example%2F2.png");

        Assert.Equal(200, product.Status);
        Assert.Equal("Yapit Plus", product.Body.GetProperty("name").GetString());
        Assert.Equal("plus", product.Body.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.Equal(["https://a.example/1.png", "https://a.example/2.png"], product.Body.GetProperty("images").EnumerateArray().Select(i => i.GetString()));
    }

    [Fact]
    public async Task The_same_idempotency_key_and_body_replays_the_stored_response_without_a_second_object()
    {
        using var client = emulator.CreateHttpClient();

        var first = await client.StripePostAsync("/v1/products", "name=Once", "key-replay");
        var second = await client.StripePostAsync("/v1/products", "name=Once", "key-replay");
        var list = await client.StripeGetAsync("/v1/products");

        Assert.Equal(200, second.Status);
        Assert.Equal("true", second.Header("Idempotent-Replayed"));
        Assert.Null(first.Header("Idempotent-Replayed"));
        Assert.Equal(first.Body.GetProperty("id").GetString(), second.Body.GetProperty("id").GetString());
        Assert.Equal(first.Header("Request-Id"), second.Header("Request-Id"));
        Assert.Single(list.Body.GetProperty("data").EnumerateArray());
        var events = await client.StripeGetAsync("/v1/events");
        Assert.Single(events.Body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_body_or_endpoint_is_an_idempotency_error()
    {
        using var client = emulator.CreateHttpClient();
        await client.StripePostAsync("/v1/products", "name=Once", "key-mismatch");

        var otherBody = await client.StripePostAsync("/v1/products", "name=Twice", "key-mismatch");
        var otherEndpoint = await client.StripePostAsync("/v1/prices", "currency=usd&unit_amount=1&product_data[name]=X", "key-mismatch");

        Assert.Equal((400, "idempotency_error"), (otherBody.Status, otherBody.ErrorType));
        Assert.Contains("same parameters", otherBody.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((400, "idempotency_error"), (otherEndpoint.Status, otherEndpoint.ErrorType));
    }

    [Fact]
    public async Task A_request_refused_by_validation_keeps_nothing_so_a_corrected_retry_with_the_same_key_runs()
    {
        using var client = emulator.CreateHttpClient();

        var refused = await client.StripePostAsync("/v1/products", "name=X&bogus=1", "key-corrected");
        var corrected = await client.StripePostAsync("/v1/products", "name=X", "key-corrected");

        Assert.Equal(400, refused.Status);
        Assert.Equal(200, corrected.Status);
        Assert.Null(corrected.Header("Idempotent-Replayed"));
    }

    [Fact]
    public async Task An_executed_failure_is_kept_and_replayed_like_a_success()
    {
        using var client = emulator.CreateHttpClient();

        var first = await client.StripePostAsync("/v1/prices/price_missing", "nickname=x", "key-404");
        var replay = await client.StripePostAsync("/v1/prices/price_missing", "nickname=x", "key-404");

        Assert.Equal((404, "resource_missing"), (first.Status, first.ErrorCode));
        Assert.Equal((404, "true"), (replay.Status, replay.Header("Idempotent-Replayed")));
    }
}
