using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Yapit.Billing.Stripe;

/// <summary>
/// Keeps this process's Stripe requests under <see cref="StripeSettings.MaxRequestsPerSecond"/> (a token bucket
/// refilled every 100 ms, requests waiting their turn in order), so a worker draining a backlog stays under Stripe's
/// rate limits (25 requests/s in test mode, 100 in live mode) instead of collecting 429s. Each attempt Stripe.net
/// sends waits its turn (its retries too). A 429 that still comes back is counted (Stripe.net retries it).
/// </summary>
public sealed class StripeRateLimitHandler(StripeRateLimit limit) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await limit.WaitAsync(cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            StripeRateLimit.RateLimited.Add(1, new KeyValuePair<string, object?>("http.request.method", request.Method.Method));
        }
        return response;
    }
}

/// <summary>The process's one token bucket for Stripe requests (see <see cref="StripeRateLimitHandler"/>).</summary>
public sealed class StripeRateLimit : IDisposable
{
    public const string MeterName = "Yapit.Stripe";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>429 answers from Stripe (each retried by Stripe.net while retries are left).</summary>
    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>(
        "yapit.stripe.rate_limited", unit: "{response}", description: "429 Too Many Requests answers from Stripe (Stripe.net retries them).");

    /// <summary>How long requests waited for their turn under the configured rate.</summary>
    public static readonly Histogram<double> Wait = Meter.CreateHistogram<double>(
        "yapit.stripe.rate_limit.wait", unit: "s", description: "Time a Stripe request waited for its turn under Stripe:MaxRequestsPerSecond.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private readonly TokenBucketRateLimiter? _bucket;

    public StripeRateLimit(IOptions<StripeSettings> options)
    {
        var settings = options.Value;
        RequestsPerSecond = settings.EffectiveMaxRequestsPerSecond;
        if (RequestsPerSecond is { } rate)
        {
            // A tenth of a second's worth per refill (at least one request): short bursts, no second-long gaps.
            var perRefill = Math.Max(1, (int)Math.Round(rate / 10));
            _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = perRefill,
                TokensPerPeriod = perRefill,
                ReplenishmentPeriod = TimeSpan.FromSeconds(perRefill / rate),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }

    /// <summary>The rate in force, or null when unlimited.</summary>
    public double? RequestsPerSecond { get; }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_bucket is null)
        {
            return;
        }
        var started = Stopwatch.GetTimestamp();
        using var lease = await _bucket.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        Wait.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    public void Dispose() => _bucket?.Dispose();
}
