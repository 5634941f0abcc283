using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stripe;
using Yapit.Billing.Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.StripeNet;

/// <summary>
/// The one registration of Stripe.net, as a service gets it (service defaults included): the factory's HttpClient,
/// Stripe.net's retries as the only retry layer, and a span per attempt named by the path template.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StripeRegistrationTests
{
    private const string SecretKey = "sk_test_registration_5ecret";

    /// <summary>A Stripe stand-in that records each request and answers with <paramref name="answer"/>.</summary>
    private sealed class Recorder : IAsyncDisposable
    {
        public ConcurrentQueue<(string Method, string Path, string? IdempotencyKey)> Requests { get; } = new();

        public LocalHttpServer Server { get; private set; } = null!;

        public static async Task<Recorder> StartAsync(Func<HttpContext, Task> answer)
        {
            var recorder = new Recorder();
            recorder.Server = await LocalHttpServer.StartAsync(app => app.Run(async context =>
            {
                recorder.Requests.Enqueue((context.Request.Method, context.Request.Path.Value!, context.Request.Headers["Idempotency-Key"].FirstOrDefault()));
                await answer(context);
            }));
            return recorder;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    private static Task Answer(HttpContext context, int status, string json, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = "req_test_123";
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        return context.Response.WriteAsync(json);
    }

    private const string ServerError = """{"error":{"type":"api_error","message":"try again"}}""";

    /// <summary>A service's container: service defaults (with their resilience handler for every client) and AddStripe.</summary>
    private static IHost ServiceHost(Uri apiBase, int maxNetworkRetries)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stripe:SecretKey"] = SecretKey,
            ["Stripe:ApiBase"] = apiBase.ToString(),
            ["Stripe:MaxNetworkRetries"] = maxNetworkRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["HttpResilience:RetryBaseDelay"] = "00:00:00.010",
        });
        builder.AddServiceDefaults();
        builder.Services.AddStripe(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task A_failing_call_is_tried_once_plus_stripe_nets_retries_with_one_idempotency_key_and_no_second_retry_layer()
    {
        await using var stripe = await Recorder.StartAsync(context => Answer(context, 500, ServerError));
        using var host = ServiceHost(stripe.Server.BaseAddress, maxNetworkRetries: 1);
        var products = new ProductService(host.Services.GetRequiredService<IStripeClient>());

        var error = await Assert.ThrowsAsync<StripeException>(() => products.CreateAsync(new ProductCreateOptions { Name = "Retried" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(500, (int)error.HttpStatusCode);
        // One attempt and Stripe.net's one retry; the service defaults' resilience handler would have made it 8.
        var requests = stripe.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal(("POST", "/v1/products"), (r.Method, r.Path)));
        Assert.NotNull(requests[0].IdempotencyKey);
        Assert.Equal(requests[0].IdempotencyKey, requests[1].IdempotencyKey);
    }

    [Fact]
    public async Task Stripe_should_retry_false_is_honoured()
    {
        await using var stripe = await Recorder.StartAsync(context => Answer(context, 503, ServerError, ("Stripe-Should-Retry", "false")));
        using var host = ServiceHost(stripe.Server.BaseAddress, maxNetworkRetries: 2);
        var products = new ProductService(host.Services.GetRequiredService<IStripeClient>());

        await Assert.ThrowsAsync<StripeException>(() => products.GetAsync("prod_1", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Single(stripe.Requests);
    }

    [Fact]
    public async Task Each_call_has_a_span_named_by_its_path_template_with_status_and_request_id_and_the_http_span_under_it()
    {
        await using var stripe = await Recorder.StartAsync(context => context.Request.Path.Value!.EndsWith("/missing", StringComparison.Ordinal)
            ? Answer(context, 404, """{"error":{"type":"invalid_request_error","code":"resource_missing","param":"id","message":"No such price: 'missing'"}}""")
            : Answer(context, 200, """{"id":"price_123","object":"price","active":true}"""));
        using var host = ServiceHost(stripe.Server.BaseAddress, maxNetworkRetries: 0);
        var prices = new PriceService(host.Services.GetRequiredService<IStripeClient>());
        using var testSource = new ActivitySource("Yapit.Tests.StripeRegistration");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is StripeTelemetryHandler.ActivitySourceName or "System.Net.Http" or "Yapit.Tests.StripeRegistration",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        ActivityTraceId traceId;
        using (var root = testSource.StartActivity("test"))
        {
            traceId = root!.TraceId;
            await prices.GetAsync("price_123", cancellationToken: TestContext.Current.CancellationToken);
            await Assert.ThrowsAsync<StripeException>(() => prices.GetAsync("missing", cancellationToken: TestContext.Current.CancellationToken));
        }

        var mine = spans.Where(s => s.TraceId == traceId).ToList();
        var stripeSpans = mine.Where(s => s.Source.Name == StripeTelemetryHandler.ActivitySourceName).ToList();
        Assert.Equal(["stripe GET /v1/prices/{id}", "stripe GET /v1/prices/{id}"], stripeSpans.Select(s => s.DisplayName));
        Assert.All(stripeSpans, s => Assert.Equal(ActivityKind.Client, s.Kind));
        Assert.Equal([200, 404], stripeSpans.Select(s => (int)s.GetTagItem("http.response.status_code")!));
        Assert.All(stripeSpans, s => Assert.Equal(("/v1/prices/{id}", "req_test_123"), ((string?)s.GetTagItem("url.template"), (string?)s.GetTagItem("stripe.request_id"))));
        Assert.Equal(ActivityStatusCode.Error, stripeSpans[1].Status);
        Assert.Equal(StripeConfiguration.ApiVersion, stripeSpans[0].GetTagItem("stripe.api_version"));
        // The HttpClient's own span (what the HttpClient instrumentation exports) nests under each Stripe span.
        var httpSpans = mine.Where(s => s.Source.Name == "System.Net.Http").ToList();
        Assert.Equal(stripeSpans.Select(s => s.SpanId), httpSpans.Select(s => s.ParentSpanId));
        // Never the key: not in any tag of any span of this trace.
        Assert.DoesNotContain(mine.SelectMany(s => s.TagObjects), tag => tag.Value?.ToString()?.Contains("5ecret", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("/v1/prices", "/v1/prices")]
    [InlineData("/v1/prices/price_1AbC", "/v1/prices/{id}")]
    [InlineData("/v1/prices/search", "/v1/prices/search")]
    [InlineData("/v1/coupons/LAUNCH20", "/v1/coupons/{id}")]
    [InlineData("/v1/billing_portal/configurations/bpc_1", "/v1/billing_portal/configurations/{id}")]
    [InlineData("/v1/checkout/sessions/cs_1/line_items", "/v1/checkout/sessions/{id}/line_items")]
    [InlineData("/v1/test_helpers/test_clocks/clock_1/advance", "/v1/test_helpers/test_clocks/{id}/advance")]
    [InlineData("/v1/customers/cus_1/balance_transactions/cbtxn_1", "/v1/customers/{id}/balance_transactions/{id}")]
    public void A_path_template_hides_ids_and_keeps_the_operation(string path, string template)
    {
        Assert.Equal(template, StripePaths.Template(path));
    }

    [Fact]
    public void A_missing_or_malformed_key_fails_the_options_validation_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Stripe:SecretKey"] = "pk_test_publishable" });
        builder.Services.AddStripe(builder.Configuration);
        using var host = builder.Build();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => host.Services.GetRequiredService<IStripeClient>());

        Assert.Contains("Stripe__SecretKey", error.Message, StringComparison.Ordinal);
    }
}
