using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Handlers;

namespace Yapit.BillingWorker.Inbox;

/// <summary>
/// Processes one claimed event: continues the trace the gateway stored with it, finds its handler, and records the
/// outcome (done, ignored, retry later with backoff, or dead letter).
/// </summary>
public sealed class EventDispatcher(
    InboxStore inbox,
    EventHandlerRegistry registry,
    IServiceScopeFactory scopes,
    IOptionsMonitor<InboxOptions> options,
    TimeProvider time,
    ILogger<EventDispatcher> logger)
{
    public async Task ProcessAsync(ClaimedEvent claimed, string workerId, CancellationToken cancellationToken)
    {
        ActivityContext.TryParse(claimed.TraceParent, claimed.TraceState, isRemote: true, out var parent);
        using var activity = InboxTelemetry.ActivitySource.StartActivity($"process {claimed.EventType}", ActivityKind.Consumer, parent);
        activity?.SetTag("stripe.event_id", claimed.EventId);
        activity?.SetTag("stripe.event_type", claimed.EventType);
        activity?.SetTag("stripe.object_id", claimed.ObjectId);
        activity?.SetTag("yapit.inbox.attempt", claimed.Attempts);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["StripeEventId"] = claimed.EventId, ["StripeEventType"] = claimed.EventType });

        var started = time.GetTimestamp();
        var handlerType = registry.Find(claimed.EventType);
        string outcome;
        try
        {
            if (handlerType is null)
            {
                outcome = InboxStatus.Ignored;
            }
            else
            {
                await using var handlerScope = scopes.CreateAsyncScope();
                var handler = (IStripeEventHandler)handlerScope.ServiceProvider.GetRequiredService(handlerType);
                var stripeEvent = StripeEventReader.Read(claimed.Payload, handler);
                await handler.HandleAsync(stripeEvent, cancellationToken).ConfigureAwait(false);
                outcome = InboxStatus.Done;
            }
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await FailAsync(claimed, workerId, error, activity, started).ConfigureAwait(false);
            return;
        }

        if (!await inbox.CompleteAsync(claimed.EventId, workerId, outcome, CancellationToken.None).ConfigureAwait(false))
        {
            logger.LogWarning("Event {EventId} was processed but its lease had expired and another worker took it over; its handlers are idempotent", claimed.EventId);
        }
        var elapsed = time.GetElapsedTime(started).TotalSeconds;
        InboxTelemetry.ProcessingDuration.Record(elapsed, Tags(claimed.EventType, outcome));
        InboxTelemetry.Lag.Record((time.GetUtcNow() - claimed.ReceivedAt).TotalSeconds, Tags(claimed.EventType, outcome));
        activity?.SetTag("yapit.inbox.outcome", outcome);
        logger.Log(outcome == InboxStatus.Done ? LogLevel.Information : LogLevel.Debug,
            "Stripe event {EventId} ({EventType}, {ObjectId}) {Outcome} in {ElapsedMs:0} ms", claimed.EventId, claimed.EventType, claimed.ObjectId, outcome, elapsed * 1000);
    }

    private async Task FailAsync(ClaimedEvent claimed, string workerId, Exception error, Activity? activity, long started)
    {
        var settings = options.CurrentValue;
        var delay = RetryDelay(claimed.Attempts, settings);
        var message = error is JsonException ? $"The stored payload is not a Stripe event: {error.Message}" : $"{error.GetType().Name}: {error.Message}";
        var status = await inbox.FailAsync(claimed.EventId, workerId, message, settings.MaxAttempts, delay, CancellationToken.None).ConfigureAwait(false);
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        activity?.SetTag("yapit.inbox.outcome", status ?? "lease_lost");
        InboxTelemetry.ProcessingDuration.Record(time.GetElapsedTime(started).TotalSeconds, Tags(claimed.EventType, "failed"));
        if (status == InboxStatus.Dead)
        {
            InboxTelemetry.DeadLetters.Add(1, new KeyValuePair<string, object?>("event_type", claimed.EventType));
            logger.LogError(error, "Stripe event {EventId} ({EventType}) failed {Attempts} times and is now a dead letter; replay it with POST /v1/admin/events/{EventId}/replay",
                claimed.EventId, claimed.EventType, claimed.Attempts, claimed.EventId);
        }
        else
        {
            InboxTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("event_type", claimed.EventType));
            logger.LogWarning(error, "Stripe event {EventId} ({EventType}) failed attempt {Attempt} of {MaxAttempts}; next attempt in {DelaySeconds:0.#} s",
                claimed.EventId, claimed.EventType, claimed.Attempts, settings.MaxAttempts, delay.TotalSeconds);
        }
    }

    /// <summary>Exponential backoff with full jitter between half and all of the capped delay.</summary>
    public static TimeSpan RetryDelay(int attempts, InboxOptions settings)
    {
        var exponent = Math.Min(Math.Max(attempts - 1, 0), 30);
        var capped = Math.Min(settings.BaseRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), settings.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static TagList Tags(string eventType, string outcome) => new() { { "event_type", eventType }, { "outcome", outcome } };
}
