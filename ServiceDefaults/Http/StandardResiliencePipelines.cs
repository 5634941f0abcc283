using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Yapit.ServiceDefaults.Http;

/// <summary>
/// One Polly pipeline per destination (scheme and authority), so a circuit opens for the service that fails, not for
/// every client of the process: total timeout, retry with exponential backoff and jitter honouring Retry-After,
/// circuit breaker, per-attempt timeout.
/// </summary>
public sealed class StandardResiliencePipelines(IOptionsMonitor<StandardResilienceOptions> options, TimeProvider timeProvider)
{
    internal static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Yapit.Http.Request");

    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.OrdinalIgnoreCase);

    public ResiliencePipeline<HttpResponseMessage> For(Uri destination) =>
        _pipelines.GetOrAdd(destination.GetLeftPart(UriPartial.Authority), _ => Build(options.CurrentValue));

    private ResiliencePipeline<HttpResponseMessage> Build(StandardResilienceOptions o) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = o.TotalRequestTimeout })
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = o.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) && IsRetryable(args.Context)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, timeProvider)),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = o.CircuitBreakerFailureRatio,
                MinimumThroughput = o.CircuitBreakerMinimumThroughput,
                SamplingDuration = o.CircuitBreakerSamplingDuration,
                BreakDuration = o.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = o.AttemptTimeout })
            .Build();

    /// <summary>Connection failures, timeouts, 5xx, 408 and 429.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => (int)response.StatusCode >= 500
            || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        _ => false,
    };

    /// <summary>
    /// Safe and idempotent methods are retried; POST and PATCH only when they carry an Idempotency-Key, since
    /// repeating them otherwise may apply a change twice.
    /// </summary>
    private static bool IsRetryable(ResilienceContext context)
    {
        if (!context.Properties.TryGetValue(RequestKey, out var request))
        {
            return true;
        }
        var method = request.Method;
        if (method == HttpMethod.Post || method == HttpMethod.Patch)
        {
            return request.Headers.Contains("Idempotency-Key");
        }
        return true;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time)
    {
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }
        if (retryAfter?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
