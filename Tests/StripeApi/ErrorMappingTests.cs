using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Yapit.StripeApi;
using Yapit.StripeApi.Errors;
using Yapit.StripeApi.Http;

namespace Yapit.Tests.StripeApi;

/// <summary>Stripe's error body and Request-Id become one <see cref="StripeException"/>.</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public async Task A_card_error_keeps_every_field_and_the_request_id()
    {
        await using var stub = await StripeStub.StartAsync((context, _, _) => StripeStub.Json(context, 402, """
            {"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","param":"payment_method",
              "message":"Your card has insufficient funds.","doc_url":"https://stripe.com/docs/error-codes/card-declined","charge":"ch_1"}}
            """, ("Request-Id", "req_abc123")));

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client().Subscriptions.GetAsync("sub_1",
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(402, error.HttpStatus);
        Assert.Equal("card_error", error.Error.Type);
        Assert.Equal("card_declined", error.Code);
        Assert.Equal("insufficient_funds", error.Error.DeclineCode);
        Assert.Equal("payment_method", error.Error.Param);
        Assert.Equal("Your card has insufficient funds.", error.Error.Message);
        Assert.Equal("https://stripe.com/docs/error-codes/card-declined", error.Error.DocUrl);
        Assert.Equal("req_abc123", error.RequestId);
        Assert.False(error.IsResourceMissing);
        Assert.False(error.IsConnectionFailure);
        Assert.Contains("Your card has insufficient funds.", error.Message, StringComparison.Ordinal);
        Assert.Contains("req_abc123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_object_is_easy_to_tell()
    {
        await using var stub = await StripeStub.StartAsync((context, _, _) => StripeStub.Json(context, 404,
            """{"error":{"type":"invalid_request_error","code":"resource_missing","param":"id","message":"No such customer: 'cus_gone'"}}""",
            ("Request-Id", "req_404")));

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client().Customers.GetAsync("cus_gone",
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.True(error.IsResourceMissing);
        Assert.Equal(404, error.HttpStatus);
        Assert.Equal("id", error.Error.Param);
        Assert.Equal("req_404", error.RequestId);
    }

    [Theory]
    [InlineData(502, "api_error")]
    [InlineData(400, "invalid_request_error")]
    public async Task A_body_that_is_not_stripes_error_still_gives_a_typed_error(int status, string type)
    {
        await using var stub = await StripeStub.StartAsync(async (context, _, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><body>Bad gateway</body></html>", context.RequestAborted);
        });

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client(o => o.MaxNetworkRetries = 0).Customers.GetAsync("cus_1",
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(status, error.HttpStatus);
        Assert.Equal(type, error.Error.Type);
        Assert.Contains($"HTTP {status}", error.Error.Message, StringComparison.Ordinal);
        Assert.Null(error.RequestId);
    }

    [Fact]
    public async Task A_success_that_cannot_be_read_is_an_invalid_response()
    {
        await using var stub = await StripeStub.AnsweringAsync("{not json");

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client().Customers.GetAsync("cus_1",
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(200, error.HttpStatus);
        Assert.Equal("invalid_response", error.Error.Type);
    }

    [Fact]
    public async Task No_server_at_all_is_a_connection_failure_with_status_0()
    {
        // A port that was free a moment ago: nothing listens there, so every attempt is refused.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var http = new HttpClient();
        var client = new StripeClient(new StripeRequestPipeline(http, new StripeClientOptions
        {
            SecretKey = "sk_test_123",
            ApiBase = new Uri($"http://127.0.0.1:{port}"),
            MaxNetworkRetries = 1,
            InitialNetworkRetryDelay = TimeSpan.FromMilliseconds(1),
            MaxNetworkRetryDelay = TimeSpan.FromMilliseconds(1),
        }));

        var error = await Assert.ThrowsAsync<StripeException>(() => client.Customers.GetAsync("cus_1",
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(0, error.HttpStatus);
        Assert.True(error.IsConnectionFailure);
        Assert.Equal("api_connection_error", error.Error.Type);
        Assert.Contains("after 2 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task A_response_slower_than_the_timeout_is_retried_then_reported_as_a_timeout()
    {
        await using var stub = await StripeStub.StartAsync(async (context, _, _) =>
        {
            // Holds the response until the client gives up and closes the connection.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });

        var error = await Assert.ThrowsAsync<StripeException>(() => stub.Client(o =>
        {
            o.RequestTimeout = TimeSpan.FromMilliseconds(100);
            o.MaxNetworkRetries = 1;
        }).Customers.GetAsync("cus_1", cancellationToken: TestContext.Current.CancellationToken));

        Assert.True(error.IsConnectionFailure);
        // The client's own count: a busy stub may not have read the second request before the client gave up on it.
        Assert.Contains("timed out (after 2 attempt(s))", error.Message, StringComparison.Ordinal);
        Assert.InRange(stub.Requests.Count, 1, 2);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_retried_or_wrapped()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stub = await StripeStub.StartAsync(async (context, _, _) =>
        {
            received.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var call = stub.Client().Customers.GetAsync("cus_1", cancellationToken: cancel.Token);
        await received.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(stub.Requests);
    }
}
