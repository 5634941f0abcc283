using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Options;
using Yapit.Billing.Stripe;

namespace Yapit.Tests.StripeNet;

/// <summary>The process's Stripe requests wait for their turn under Stripe:MaxRequestsPerSecond; 429s are counted.</summary>
[Trait("Category", "Unit")]
public sealed class StripeRateLimitTests
{
    private sealed class Answering(Func<int, HttpStatusCode> status) : HttpMessageHandler
    {
        private int _count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status(Interlocked.Increment(ref _count))));
    }

    private static StripeRateLimit Limit(double? perSecond, Uri? apiBase = null, string key = "sk_test_limit") =>
        new(Options.Create(new StripeSettings { SecretKey = key, ApiBase = apiBase, MaxRequestsPerSecond = perSecond }));

    [Fact]
    public async Task Requests_beyond_the_rate_wait_for_their_turn()
    {
        using var limit = Limit(10);
        using var client = new HttpClient(new StripeRateLimitHandler(limit) { InnerHandler = new Answering(_ => HttpStatusCode.OK) });
        var started = Stopwatch.GetTimestamp();

        var answers = await Task.WhenAll(Enumerable.Range(0, 21).Select(_ => client.GetAsync("http://stripe.test/v1/prices", TestContext.Current.CancellationToken)));

        // 21 requests at 10 a second, one token a tenth of a second: the last one cannot start before 2 s.
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromSeconds(1.9), $"21 requests took {Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s at 10/s");
    }

    [Fact]
    public async Task A_429_from_Stripe_is_counted()
    {
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "yapit.stripe.rate_limited")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        using var limit = Limit(0);
        using var client = new HttpClient(new StripeRateLimitHandler(limit) { InnerHandler = new Answering(n => n == 2 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK) });

        for (var i = 0; i < 3; i++)
        {
            using var _ = await client.GetAsync("http://stripe.test/v1/prices", TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, Interlocked.Read(ref counted));
    }

    [Theory]
    [InlineData(null, null, "sk_test_x", 20.0)]
    [InlineData(null, null, "sk_live_x", 80.0)]
    [InlineData(null, "http://127.0.0.1:12111", "sk_test_x", null)]
    [InlineData(50.0, "http://127.0.0.1:12111", "sk_test_x", 50.0)]
    [InlineData(0.0, null, "sk_live_x", null)]
    public void The_rate_defaults_under_Stripes_limits_only_for_Stripe_itself(double? configured, string? apiBase, string key, double? expected)
    {
        using var limit = Limit(configured, apiBase is null ? null : new Uri(apiBase), key);
        Assert.Equal(expected, limit.RequestsPerSecond);
    }
}
