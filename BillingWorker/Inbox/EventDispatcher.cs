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
    public async Task ProcessAsync(ClaimedEvent claimed, CancellationToken cancellationToken)
    {
        ActivityContext.TryParse(claimed.TraceParent, claimed.TraceState, isRemote: true, out var parent);
        using var activity = InboxTelemetry.ActivitySource.StartActivity($"process {claimed.EventType}", ActivityKind.Consumer, parent);
        activity?.SetTag("stripe.event_id", claimed.EventId);
        activity?.SetTag("stripe.event_type", claimed.EventType);
        activity?.SetTag("stripe.object_id", claimed.ObjectId);
        activity?.SetTag("yapit.inbox.attempt", claimed.Attempts);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["StripeEventId"] = claimed.EventId, ["StripeEventType"] = claimed.EventType });

        var settings = options.CurrentValue;
        var started = time.GetTimestamp();
        var handlerType = registry.Find(claimed.EventType);
        // The run is bounded (a stalled Stripe call ends it), and holds its claim while it lasts: the lease is renewed
        // every third of its length, and the run stops if the claim is lost.
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.CancelAfter(settings.HandlerTimeout);
        var lease = new LeaseKeeper(inbox, claimed, settings.Lease, run, time, logger);
        var keeping = lease.KeepAsync();
        string outcome;
        IReadOnlyCollection<string> handledAlike = [];
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
                ClaimFence.Enter(claimed);
                await handler.HandleAsync(stripeEvent, run.Token).ConfigureAwait(false);
                handledAlike = handler.HandledAlike(stripeEvent);
                outcome = InboxStatus.Done;
            }
        }
        catch (Exception error) when (lease.Lost)
        {
            await lease.StopAsync(keeping).ConfigureAwait(false);
            LeaseLost(claimed, activity, error);
            return;
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await lease.StopAsync(keeping).ConfigureAwait(false);
            var failure = error is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? new TimeoutException($"Processing took longer than Inbox:HandlerTimeout ({settings.HandlerTimeout.TotalSeconds:0.#} s)", error)
                : error;
            await FailAsync(claimed, failure, activity, started).ConfigureAwait(false);
            return;
        }
        finally
        {
            await lease.StopAsync(keeping).ConfigureAwait(false);
        }

        if (await inbox.CompleteAsync(claimed, outcome, handledAlike, CancellationToken.None).ConfigureAwait(false) is not { } alike)
        {
            LeaseLost(claimed, activity, null);
            return;
        }
        var elapsed = time.GetElapsedTime(started).TotalSeconds;
        InboxTelemetry.ProcessingDuration.Record(elapsed, Tags(claimed.EventType, outcome));
        InboxTelemetry.Lag.Record((time.GetUtcNow() - claimed.ReceivedAt).TotalSeconds, Tags(claimed.EventType, outcome));
        foreach (var other in alike)
        {
            InboxTelemetry.HandledAlike.Add(1, new KeyValuePair<string, object?>("event_type", other.EventType));
            InboxTelemetry.Lag.Record((time.GetUtcNow() - other.ReceivedAt).TotalSeconds, Tags(other.EventType, outcome));
        }
        if (alike.Count > 0)
        {
            activity?.SetTag("yapit.inbox.handled_alike", alike.Count);
            logger.LogDebug("Stripe event {EventId} ({ObjectId}): its run also handled {Count} pending event(s) of the object: {EventIds}",
                claimed.EventId, claimed.ObjectId, alike.Count, string.Join(", ", alike.Select(a => a.EventId)));
        }
        activity?.SetTag("yapit.inbox.outcome", outcome);
        logger.Log(outcome == InboxStatus.Done ? LogLevel.Information : LogLevel.Debug,
            "Stripe event {EventId} ({EventType}, {ObjectId}) {Outcome} in {ElapsedMs:0} ms", claimed.EventId, claimed.EventType, claimed.ObjectId, outcome, elapsed * 1000);
    }

    private void LeaseLost(ClaimedEvent claimed, Activity? activity, Exception? error)
    {
        activity?.SetTag("yapit.inbox.outcome", "lease_lost");
        logger.LogWarning(error, "Event {EventId}: this run lost its claim (its lease expired and the event was claimed again); it wrote nothing more and leaves the event to the newer claim",
            claimed.EventId);
    }

    private async Task FailAsync(ClaimedEvent claimed, Exception error, Activity? activity, long started)
    {
        var settings = options.CurrentValue;
        var permanent = error is PermanentEventFailureException;
        var delay = RetryDelay(claimed.Attempts, settings);
        var message = permanent ? error.Message : $"{error.GetType().Name}: {error.Message}";
        var status = await inbox.FailAsync(claimed, message, settings.MaxAttempts, delay, permanent, CancellationToken.None).ConfigureAwait(false);
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        activity?.SetTag("yapit.inbox.outcome", status ?? "lease_lost");
        InboxTelemetry.ProcessingDuration.Record(time.GetElapsedTime(started).TotalSeconds, Tags(claimed.EventType, "failed"));
        if (status == InboxStatus.Dead)
        {
            InboxTelemetry.DeadLetters.Add(1, new KeyValuePair<string, object?>("event_type", claimed.EventType), new KeyValuePair<string, object?>("permanent", permanent));
            logger.LogError(error, "Stripe event {EventId} ({EventType}) is now a dead letter after {Attempts} attempt(s) ({Why}); replay it with POST /v1/admin/events/{EventId}/replay",
                claimed.EventId, claimed.EventType, claimed.Attempts, permanent ? "no retry can fix it" : "every attempt failed", claimed.EventId);
        }
        else if (status is not null)
        {
            InboxTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("event_type", claimed.EventType));
            logger.LogWarning(error, "Stripe event {EventId} ({EventType}) failed attempt {Attempt} of {MaxAttempts}; next attempt in {DelaySeconds:0.#} s",
                claimed.EventId, claimed.EventType, claimed.Attempts, settings.MaxAttempts, delay.TotalSeconds);
        }
        else
        {
            LeaseLost(claimed, activity, error);
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
