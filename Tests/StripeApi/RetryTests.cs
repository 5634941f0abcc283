using Microsoft.AspNetCore.Http;
using Yapit.StripeApi;
using Yapit.StripeApi.Errors;
using Yapit.StripeApi.Http;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Products;

namespace Yapit.Tests.StripeApi;

/// <summary>Retries with backoff, one Idempotency-Key per logical request, Stripe's retry advice, and the headers every request carries.</summary>
public sealed class RetryTests
{
    private const string Customer = """{"id":"cus_1","object":"customer","email":"a@example.com"}""";

    private static Func<HttpContext, RecordedRequest, int, Task> FailOnceWith(int status, params (string, string)[] headers) =>
        (context, _, number) => number == 1
            ? StripeStub.Json(context, status, """{"error":{"type":"api_error","message":"try again"}}""", headers)
            : StripeStub.Json(context, 200, Customer);

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(409)]
    public async Task A_transient_status_is_retried_with_the_same_idempotency_key(int status)
    {
        await using var stub = await StripeStub.StartAsync(FailOnceWith(status));

        var customer = await stub.Client().Customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.com" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("cus_1", customer.Id);
        var requests = stub.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        var key = requests[0].Header("Idempotency-Key");
        Assert.False(string.IsNullOrWhiteSpace(key));
        Assert.All(requests, r => Assert.Equal(key, r.Header("Idempotency-Key")));
        Assert.All(requests, r => Assert.Equal("email=a%40example.com", r.Body));
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_with_the_same_idempotency_key()
    {
        await using var stub = await StripeStub.StartAsync((context, _, number) =>
        {
            if (number == 1)
            {
                context.Abort(); // the connection is reset before any response
                return Task.CompletedTask;
            }
            return StripeStub.Json(context, 200, Customer);
        });

        var customer = await stub.Client().Customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.com" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("cus_1", customer.Id);
        var keys = stub.Requests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.Equal(2, keys.Length);
        Assert.NotNull(keys[0]);
        Assert.Equal(keys[0], keys[1]);
    }

    [Fact]
    public async Task Each_logical_request_gets_its_own_idempotency_key()
    {
        await using var stub = await StripeStub.AnsweringAsync(Customer);
        var client = stub.Client();

        await client.Customers.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        await client.Customers.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);

        var keys = stub.Requests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.Equal(2, keys.Distinct().Count());
    }

    [Fact]
    public async Task A_callers_idempotency_key_is_sent_on_every_attempt()
    {
        await using var stub = await StripeStub.StartAsync(FailOnceWith(500));

        await stub.Client().Customers.CreateAsync(new CustomerCreateOptions(), new RequestOptions { IdempotencyKey = "signup-user-42" },
            TestContext.Current.CancellationToken);

        Assert.Equal(["signup-user-42", "signup-user-42"], stub.Requests.Select(r => r.Header("Idempotency-Key")));
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "invalid_request_error")]
    [InlineData(402, "card_error")]
    [InlineData(403, "invalid_request_error")]
    [InlineData(404, "invalid_request_error")]
    public async Task A_client_error_is_not_retried(int status, string type)
    {
        await using var stub = await StripeStub.StartAsync((context, _, _) =>
            StripeStub.Json(context, status, $$$"""{"error":{"type":"{{{type}}}","message":"no"}}"""));

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client().Customers.CreateAsync(
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(status, error.HttpStatus);
        Assert.Equal(type, error.Error.Type);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Stripe_should_retry_false_stops_the_retry_of_a_server_error()
    {
        await using var stub = await StripeStub.StartAsync(FailOnceWith(500, ("Stripe-Should-Retry", "false")));

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client().Customers.CreateAsync(
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(500, error.HttpStatus);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Stripe_should_retry_true_retries_even_a_client_error()
    {
        await using var stub = await StripeStub.StartAsync(FailOnceWith(400, ("Stripe-Should-Retry", "true")));

        var customer = await stub.Client().Customers.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("cus_1", customer.Id);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Retry_after_sets_the_wait_before_the_next_attempt()
    {
        var clock = new RecordingDelays();
        await using var stub = await StripeStub.StartAsync(FailOnceWith(429, ("Retry-After", "7")));

        await stub.Client(time: clock).Customers.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([TimeSpan.FromSeconds(7)], clock.Delays);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_cap_falls_back_to_the_normal_backoff()
    {
        var clock = new RecordingDelays();
        await using var stub = await StripeStub.StartAsync(FailOnceWith(429, ("Retry-After", "3600")));

        await stub.Client(o => o.MaxRetryAfter = TimeSpan.FromSeconds(60), clock).Customers.CreateAsync(
            cancellationToken: TestContext.Current.CancellationToken);

        var delay = Assert.Single(clock.Delays);
        Assert.InRange(delay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(4));
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_backoff_doubles_with_jitter_up_to_its_cap()
    {
        var clock = new RecordingDelays();
        await using var stub = await StripeStub.StartAsync((context, _, _) => StripeStub.Json(context, 503, """{"error":{"type":"api_error"}}"""));
        var client = stub.Client(o =>
        {
            o.MaxNetworkRetries = 4;
            o.InitialNetworkRetryDelay = TimeSpan.FromMilliseconds(100);
            o.MaxNetworkRetryDelay = TimeSpan.FromMilliseconds(300);
        }, clock);

        var error = await Assert.ThrowsAsync<StripeException>(() => client.Customers.CreateAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(503, error.HttpStatus);
        Assert.Equal(5, stub.Requests.Count);
        var delays = clock.Delays.Select(d => d.TotalMilliseconds).ToArray();
        Assert.Equal(4, delays.Length);
        // Retry n waits min(100 * 2^(n-1), 300) ms, jittered down to half of that but never below 100 ms.
        Assert.Equal(100, delays[0], 3);
        Assert.InRange(delays[1], 100, 200);
        Assert.InRange(delays[2], 150, 300);
        Assert.InRange(delays[3], 150, 300);
    }

    [Fact]
    public async Task A_request_can_turn_retries_off()
    {
        await using var stub = await StripeStub.StartAsync(FailOnceWith(503));

        await Assert.ThrowsAsync<StripeException>(() => stub.Client().Customers.CreateAsync(new CustomerCreateOptions(),
            new RequestOptions { MaxNetworkRetries = 0 }, TestContext.Current.CancellationToken));

        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_get_is_retried_too_and_never_carries_an_idempotency_key()
    {
        await using var stub = await StripeStub.StartAsync(FailOnceWith(503));

        await stub.Client().Customers.GetAsync("cus_1", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.Null(r.Header("Idempotency-Key")));
    }

    [Fact]
    public async Task Every_request_carries_the_key_as_a_bearer_token_and_the_pinned_api_version()
    {
        await using var stub = await StripeStub.AnsweringAsync("""{"id":"prod_1","object":"product","name":"x"}""");
        var client = stub.Client();
        var ct = TestContext.Current.CancellationToken;

        await client.Products.CreateAsync(new ProductCreateOptions { Name = "x" }, cancellationToken: ct);
        await client.Products.GetAsync("prod_1", cancellationToken: ct);
        await client.Products.DeleteAsync("prod_1", cancellationToken: ct);

        Assert.Equal(["POST", "GET", "DELETE"], stub.Requests.Select(r => r.Method));
        Assert.All(stub.Requests, r =>
        {
            Assert.Equal($"Bearer {StripeStub.SecretKey}", r.Header("Authorization"));
            Assert.Equal("2026-10-28.endive", r.Header("Stripe-Version"));
            Assert.Equal(StripeApiVersion.Current, r.Header("Stripe-Version"));
        });
    }

    [Fact]
    public async Task A_connected_account_is_named_in_the_stripe_account_header()
    {
        await using var stub = await StripeStub.AnsweringAsync(Customer);

        await stub.Client().Customers.GetAsync("cus_1", requestOptions: new RequestOptions { StripeAccount = "acct_123" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("acct_123", stub.Single().Header("Stripe-Account"));
    }
}
