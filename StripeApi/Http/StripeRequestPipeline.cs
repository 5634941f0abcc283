using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yapit.StripeApi.Errors;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Http;

/// <summary>
/// The single path every Stripe request takes: authentication, the pinned API version, form or query encoding,
/// an Idempotency-Key on every POST (the same on each retry), bounded retries with capped exponential backoff and
/// jitter (honouring Stripe-Should-Retry and Retry-After), error mapping, and telemetry.
/// </summary>
public sealed class StripeRequestPipeline
{
    private static readonly ProductInfoHeaderValue UserAgent = new("YapitStripeApi", "1.0");
    private readonly HttpClient _http;
    private readonly StripeClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthenticationHeaderValue _authorization;

    public StripeRequestPipeline(HttpClient http, StripeClientOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        if (string.IsNullOrWhiteSpace(options.SecretKey))
        {
            throw new ArgumentException("No Stripe secret key is configured (Stripe:SecretKey, environment Stripe__SecretKey).", nameof(options));
        }
        Mode = StripeKeys.ModeOf(options.SecretKey);
        _http = http;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _authorization = new AuthenticationHeaderValue("Bearer", options.SecretKey);
    }

    public StripeMode Mode { get; }

    public Uri ApiBase => _options.ApiBase;

    /// <summary>Sends one logical request and returns the deserialized response.</summary>
    /// <param name="pathTemplate">Like <c>/v1/products/{id}</c>; ids fill the placeholders in order, escaped.</param>
    public async Task<T> SendAsync<T>(
        HttpMethod method,
        string pathTemplate,
        IReadOnlyList<string> pathArguments,
        object? parameters,
        RequestOptions? requestOptions,
        CancellationToken cancellationToken)
    {
        var path = ExpandPath(pathTemplate, pathArguments);
        var encoded = FormEncoder.Encode(parameters);
        var isPost = method == HttpMethod.Post;
        var idempotencyKey = isPost ? requestOptions?.IdempotencyKey ?? $"yapit-{Guid.NewGuid():D}" : null;
        var maxRetries = Math.Max(0, requestOptions?.MaxNetworkRetries ?? _options.MaxNetworkRetries);

        using var activity = StripeTelemetry.ActivitySource.StartActivity($"stripe {method.Method} {pathTemplate}", ActivityKind.Client);
        activity?.SetTag("http.request.method", method.Method);
        activity?.SetTag("url.template", pathTemplate);
        activity?.SetTag("server.address", _options.ApiBase.Host);
        activity?.SetTag("stripe.api_version", _options.ApiVersion);
        if (pathArguments.Count > 0)
        {
            activity?.SetTag("stripe.object_id", pathArguments[0]); // Stripe ids are not personal data
        }

        var started = _time.GetTimestamp();
        var attempt = 0;
        int? status = null;
        string? requestId = null;
        try
        {
            while (true)
            {
                attempt++;
                using var request = BuildRequest(method, path, encoded, idempotencyKey, requestOptions);
                HttpResponseMessage? response = null;
                Exception? failure = null;
                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attemptTimeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptTimeout.Token).ConfigureAwait(false);
                }
                catch (Exception error) when (error is HttpRequestException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    failure = error;
                }

                using (response)
                {
                    status = response is null ? null : (int)response.StatusCode;
                    requestId = response?.Headers.TryGetValues("Request-Id", out var ids) == true ? ids.FirstOrDefault() : null;
                    if (response is { IsSuccessStatusCode: true })
                    {
                        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                        Finish(activity, method, pathTemplate, status, requestId, attempt, started, error: null);
                        _logger.LogDebug("Stripe {Method} {Path} answered {Status} ({RequestId}) after {Attempts} attempt(s)",
                            method.Method, pathTemplate, status, requestId, attempt);
                        return StripeJson.Deserialize<T>(body);
                    }

                    var exception = response is null
                        ? ConnectionFailure(failure!, attempt)
                        : await ReadErrorAsync(response, requestId, cancellationToken).ConfigureAwait(false);

                    if (attempt > maxRetries || !ShouldRetry(response, failure))
                    {
                        Finish(activity, method, pathTemplate, status, requestId, attempt, started, exception);
                        throw exception;
                    }

                    var delay = RetryDelay(attempt, response);
                    StripeTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("url.template", pathTemplate));
                    _logger.LogWarning("Stripe {Method} {Path} failed ({Reason}, request {RequestId}); retry {Retry} of {MaxRetries} in {DelayMs} ms",
                        method.Method, pathTemplate, status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? failure!.GetType().Name,
                        requestId, attempt, maxRetries, (int)delay.TotalMilliseconds);
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (JsonException error)
        {
            Finish(activity, method, pathTemplate, status, requestId, attempt, started, error);
            throw new StripeException(status ?? 0, new StripeError { Type = "invalid_response", Message = $"Stripe's response to {method.Method} {pathTemplate} could not be read: {error.Message}" }, requestId, error);
        }
    }

    private HttpRequestMessage BuildRequest(HttpMethod method, string path, string encoded, string? idempotencyKey, RequestOptions? requestOptions)
    {
        var hasBody = method == HttpMethod.Post;
        var uri = new Uri(_options.ApiBase, hasBody || encoded.Length == 0 ? path : $"{path}?{encoded}");
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Add("Stripe-Version", _options.ApiVersion);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (requestOptions?.StripeAccount is { } account)
        {
            request.Headers.Add("Stripe-Account", account);
        }
        if (hasBody)
        {
            request.Content = new StringContent(encoded, Encoding.UTF8, "application/x-www-form-urlencoded");
            request.Content.Headers.ContentType!.CharSet = null;
        }
        return request;
    }

    /// <summary>Connection failures, 409 (lock timeouts, concurrent idempotent requests), 429 and 5xx, unless Stripe says otherwise.</summary>
    private static bool ShouldRetry(HttpResponseMessage? response, Exception? failure)
    {
        if (response is null)
        {
            return failure is not null;
        }
        if (response.Headers.TryGetValues("Stripe-Should-Retry", out var values))
        {
            var advice = values.FirstOrDefault();
            if (string.Equals(advice, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (string.Equals(advice, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        var status = (int)response.StatusCode;
        return status is 409 or 429 || status >= 500;
    }

    private TimeSpan RetryDelay(int attempt, HttpResponseMessage? response)
    {
        if (response?.Headers.RetryAfter is { } retryAfter)
        {
            var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - _time.GetUtcNow() : null);
            if (wait is { } advised && advised >= TimeSpan.Zero && advised <= _options.MaxRetryAfter)
            {
                return advised;
            }
        }
        var initial = _options.InitialNetworkRetryDelay.TotalMilliseconds;
        var capped = Math.Min(initial * Math.Pow(2, attempt - 1), _options.MaxNetworkRetryDelay.TotalMilliseconds);
        // Jitter in [capped/2, capped], never below the initial delay.
        var jittered = capped * 0.5 * (1 + Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Max(initial, jittered));
    }

    private static async Task<StripeException> ReadErrorAsync(HttpResponseMessage response, string? requestId, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        StripeError? error = null;
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            error = JsonSerializer.Deserialize<StripeErrorEnvelope>(body, StripeJson.Options)?.Error;
        }
        catch (JsonException)
        {
            // Not Stripe's error shape (a proxy's page, say); described below from the status.
        }
        error ??= new StripeError
        {
            Type = status >= 500 ? "api_error" : "invalid_request_error",
            Message = $"Stripe answered HTTP {status} {response.ReasonPhrase} without an error body.",
        };
        return new StripeException(status, error, requestId);
    }

    private static StripeException ConnectionFailure(Exception failure, int attempts) =>
        new(0, new StripeError
        {
            Type = "api_connection_error",
            Message = failure is OperationCanceledException
                ? $"The request to Stripe timed out (after {attempts} attempt(s))."
                : $"Could not connect to Stripe (after {attempts} attempt(s)): {failure.Message}",
        }, requestId: null, failure);

    private void Finish(Activity? activity, HttpMethod method, string pathTemplate, int? status, string? requestId, int attempts, long started, Exception? error)
    {
        var outcome = status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "connection_error";
        if (activity is not null)
        {
            activity.SetTag("http.response.status_code", status);
            activity.SetTag("stripe.request_id", requestId);
            activity.SetTag("stripe.attempts", attempts);
            if (error is not null)
            {
                activity.SetTag("error.type", error is StripeException se ? se.Error.Code ?? se.Error.Type : error.GetType().Name);
                activity.SetStatus(ActivityStatusCode.Error, error is StripeException s ? s.Error.Type : error.GetType().Name);
            }
        }
        var tags = new TagList
        {
            { "http.request.method", method.Method },
            { "url.template", pathTemplate },
            { "http.response.status_code", outcome },
        };
        StripeTelemetry.Requests.Add(1, tags);
        StripeTelemetry.Duration.Record(_time.GetElapsedTime(started).TotalSeconds, tags);
    }

    internal static string ExpandPath(string template, IReadOnlyList<string> arguments)
    {
        var path = new StringBuilder();
        var next = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                path.Append(template[i]);
                continue;
            }
            var end = template.IndexOf('}', i);
            if (next >= arguments.Count)
            {
                throw new ArgumentException($"Path '{template}' needs more arguments than given.", nameof(arguments));
            }
            var argument = arguments[next++];
            ArgumentException.ThrowIfNullOrWhiteSpace(argument, nameof(arguments));
            path.Append(Uri.EscapeDataString(argument));
            i = end;
        }
        return path.ToString();
    }
}
