using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Yapit.StripeEmulator.Events;
using Yapit.StripeEmulator.Hosting;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Webhooks;

/// <summary>
/// Delivers committed events like Stripe: each to every webhook endpoint that was enabled for its type when it
/// happened (signed with that endpoint's secret) and to the forward-to URL (signed with the listen secret), as a
/// JSON POST with <c>Stripe-Signature: t=...,v1=...</c>. A non-2xx answer or a timeout is retried with
/// exponential backoff. Every delivery runs on its own, so there is no ordering between them; chaos mode adds
/// duplicates and delays. API requests never wait for any of this: they only append to the store's channel.
/// When tracing is on (<see cref="Hosting.EmulatorTelemetry"/>), each attempt is a span whose context the POST carries
/// in <c>traceparent</c>, so the receiver's handling joins the delivery's trace.
/// </summary>
public sealed partial class WebhookDispatcher(
    StripeStore store,
    IHttpClientFactory httpClients,
    IOptions<EmulatorOptions> options,
    ForwardTarget forwardTarget,
    ListenSecret listenSecret,
    DeliveryLog log,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    public const string ActivitySourceName = "StripeEmulator.Webhooks";
    private const string UserAgent = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

    private static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentDictionary<(string EventId, string EndpointId), byte> _delivered = new();
    private readonly SemaphoreSlim _concurrency = new(options.Value.Delivery.MaxConcurrency);
    private readonly DeliveryOptions _delivery = options.Value.Delivery;
    private readonly ChaosOptions _chaos = options.Value.Chaos;

    private sealed record Delivery(EmittedEvent Event, string? EndpointId, Uri? ForwardTo, bool Duplicate);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var emitted in store.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (emitted.Generation != store.Generation)
                {
                    continue; // emitted before a reset
                }
                foreach (var endpointId in emitted.EndpointIds)
                {
                    Start(new Delivery(emitted, endpointId, null, Duplicate: false), stoppingToken);
                }
                if (forwardTarget.Url is { } forwardTo)
                {
                    Start(new Delivery(emitted, null, forwardTo, Duplicate: false), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Stopping cancelled every delivery's waits and requests; let them finish recording.
        await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _concurrency.Dispose();
        base.Dispose();
    }

    private void Start(Delivery delivery, CancellationToken stoppingToken)
    {
        var task = Task.Run(() => DeliverAsync(delivery, stoppingToken), CancellationToken.None);
        _running.TryAdd(task, 0);
        task.ContinueWith(finished => _running.TryRemove(finished, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task DeliverAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        // Like Stripe's, a delivery starts its own trace, whichever request created the event.
        Activity.Current = null;
        ActivityContext firstAttempt = default;
        try
        {
            if (!delivery.Duplicate && Chance())
            {
                Start(delivery with { Duplicate = true }, stoppingToken);
            }
            if (Chance())
            {
                await Task.Delay(_chaos.MaxDelay * Random.Shared.NextDouble(), store.Time, stoppingToken).ConfigureAwait(false);
            }
            for (var attempt = 1; attempt <= _delivery.MaxAttempts; attempt++)
            {
                var target = Resolve(delivery);
                if (delivery.Event.Generation != store.Generation || target is null)
                {
                    return; // the store was reset, or the endpoint deleted or disabled since
                }
                var (url, secret) = target.Value;
                var (outcome, traced) = await AttemptAsync(delivery, url, secret, attempt, firstAttempt, stoppingToken).ConfigureAwait(false);
                if (attempt == 1)
                {
                    firstAttempt = traced;
                }
                if (outcome.Succeeded)
                {
                    MarkDelivered(delivery);
                }
                // Recorded after pending_webhooks is settled, so whoever reads the log sees the event up to date.
                log.Record(outcome);
                if (outcome.Succeeded)
                {
                    return;
                }
                if (attempt == _delivery.MaxAttempts)
                {
                    LogGaveUp(logger, delivery.Event.Type, delivery.Event.Id, url, attempt);
                    return;
                }
                await Task.Delay(Backoff(attempt), store.Time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: Stripe would keep retrying; the emulator stops with its process.
        }
        catch (Exception error)
        {
            // A bug here must not vanish in an unobserved task.
            LogDeliveryCrashed(logger, error, delivery.Event.Type, delivery.Event.Id);
        }
    }

    /// <summary>The target's URL and secret as they are now; null when an endpoint is gone or disabled.</summary>
    private (Uri Url, string Secret)? Resolve(Delivery delivery)
    {
        if (delivery.EndpointId is null)
        {
            return (delivery.ForwardTo!, listenSecret.Value);
        }
        var endpoint = store.Read(tx => tx.Current(EventTypes.WebhookEndpointType, delivery.EndpointId));
        if (endpoint is null || endpoint.Data["status"]?.GetValue<string>() != "enabled")
        {
            return null;
        }
        return (new Uri(endpoint.Data["url"]!.GetValue<string>()), endpoint.Data["secret"]!.GetValue<string>());
    }

    /// <summary>One POST; with tracing on, a span (retries link to the first attempt's) around it and the HttpClient span within.</summary>
    private async Task<(DeliveryAttempt Outcome, ActivityContext Traced)> AttemptAsync(Delivery delivery, Uri url, string secret, int attempt,
        ActivityContext firstAttempt, CancellationToken stoppingToken)
    {
        var payload = delivery.Event.Payload;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.ParseAdd(UserAgent);
        request.Headers.TryAddWithoutValidation(WebhookSigner.HeaderName, WebhookSigner.Sign(payload.Span, store.Time.GetUtcNow(), secret));

        int? status = null;
        string? error = null;
        var attemptedAt = store.Time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        await _concurrency.WaitAsync(stoppingToken).ConfigureAwait(false);
        using var activity = ActivitySource.StartActivity(ActivityKind.Producer, parentContext: default,
            links: firstAttempt == default ? null : [new ActivityLink(firstAttempt)], name: $"webhook deliver {delivery.Event.Type}");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("stripe.event_id", delivery.Event.Id);
            activity.SetTag("stripe.event_type", delivery.Event.Type);
            activity.SetTag("stripe.webhook.attempt", attempt);
            activity.SetTag("stripe.webhook.endpoint_id", delivery.EndpointId ?? "forward-to");
            if (delivery.Duplicate)
            {
                activity.SetTag("stripe.webhook.duplicate", true);
            }
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_delivery.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException failure)
        {
            error = failure.Message;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            error = $"timed out after {_delivery.Timeout.TotalSeconds:0.###} s";
        }
        finally
        {
            _concurrency.Release();
        }

        var succeeded = status is >= 200 and < 300;
        if (!succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, status is null ? error : $"HTTP {status}");
            LogFailedAttempt(logger, delivery.Event.Type, delivery.Event.Id, url, attempt, status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? error);
        }
        return (new DeliveryAttempt(delivery.Event.Id, delivery.Event.Type, url.ToString(), delivery.EndpointId, attempt,
            status, error, succeeded, delivery.Duplicate, attemptedAt, Stopwatch.GetElapsedTime(started).TotalMilliseconds), activity?.Context ?? default);
    }

    /// <summary>The first success to an endpoint lowers the event's <c>pending_webhooks</c> (duplicates do not).</summary>
    private void MarkDelivered(Delivery delivery)
    {
        if (delivery.EndpointId is null || !_delivered.TryAdd((delivery.Event.Id, delivery.EndpointId), 0))
        {
            return;
        }
        store.Write(RequestInfo.None, tx =>
        {
            if (tx.Find(EventTypes.ObjectType, delivery.Event.Id) is { } stripeEvent)
            {
                stripeEvent["pending_webhooks"] = Math.Max(0, stripeEvent["pending_webhooks"]!.GetValue<long>() - 1);
                tx.Update(stripeEvent);
            }
            return true;
        });
    }

    private TimeSpan Backoff(int failedAttempts)
    {
        var delay = _delivery.RetryBaseDelay * Math.Pow(2, failedAttempts - 1);
        return delay < _delivery.MaxRetryDelay ? delay : _delivery.MaxRetryDelay;
    }

    private bool Chance() => _chaos.Rate > 0 && Random.Shared.NextDouble() < _chaos.Rate;

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery of {EventType} {EventId} to {Url} failed (attempt {Attempt}: {Outcome})")]
    private static partial void LogFailedAttempt(ILogger logger, string eventType, string eventId, Uri url, int attempt, string? outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery of {EventType} {EventId} failed inside the emulator")]
    private static partial void LogDeliveryCrashed(ILogger logger, Exception error, string eventType, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up delivering {EventType} {EventId} to {Url} after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventType, string eventId, Uri url, int attempts);
}
