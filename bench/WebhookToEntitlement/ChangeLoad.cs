using System.Collections.Concurrent;
using System.Diagnostics;
using Stripe;

namespace Yapit.Bench.WebhookToEntitlement;

/// <summary>One subscription change: when it was sent, when the emulator answered (the event exists), when the gateway first showed it.</summary>
public sealed record ChangeResult(long SentTicks, long ReturnedTicks, long? SeenTicks, int Polls, string? Error);

/// <summary>What one phase of load did.</summary>
public sealed record LoadPhase(double ElapsedSeconds, int Issued, int Skipped, IReadOnlyList<ChangeResult> Changes);

/// <summary>
/// Open-loop load: a change every 1/rate seconds on the schedule (not after the previous one), each on a user with no
/// change in flight, so every poll has one state to wait for. Each change polls the user's
/// <c>GET /v1/billing/subscription</c> every poll interval until it shows the new state.
/// </summary>
public sealed class ChangeLoad(StripeClient stripe, HttpClient gateway, IReadOnlyList<BenchUser> users, Price plus, Price max, EntitlementOptions options)
{
    private readonly ConcurrentQueue<BenchUser> _idle = new(users.OrderBy(_ => Random.Shared.Next()));

    public async Task<LoadPhase> RunAsync(int seconds, CancellationToken ct)
    {
        var interval = Stopwatch.Frequency / options.Rate;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(seconds * Stopwatch.Frequency);
        var running = new List<Task<ChangeResult>>();
        var skipped = 0;
        for (var n = 0L; ; n++)
        {
            var due = started + (long)(n * interval);
            if (due >= end)
            {
                break;
            }
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct);
            }
            if (_idle.TryDequeue(out var user))
            {
                running.Add(Task.Run(() => ChangeAsync(user, ct), ct));
            }
            else
            {
                skipped++; // every user has a change in flight: more users needed for this rate
            }
        }
        // The window the schedule covered (the last change is due just before its end).
        var issuedFor = Math.Max(seconds, Stopwatch.GetElapsedTime(started).TotalSeconds);
        var changes = await Task.WhenAll(running);
        return new LoadPhase(issuedFor, running.Count, skipped, changes);
    }

    private async Task<ChangeResult> ChangeAsync(BenchUser user, CancellationToken ct)
    {
        var sent = Stopwatch.GetTimestamp();
        var toCanceling = !user.Canceling;
        var toMax = !user.OnMax;
        try
        {
            if (options.Mode == "cancel")
            {
                await stripe.V1.Subscriptions.UpdateAsync(user.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = toCanceling }, cancellationToken: ct);
            }
            else
            {
                await stripe.V1.Subscriptions.UpdateAsync(user.SubscriptionId, new SubscriptionUpdateOptions
                {
                    Items = [new SubscriptionItemOptions { Id = user.ItemId, Price = (toMax ? max : plus).Id }],
                }, cancellationToken: ct);
            }
        }
        catch (StripeException error)
        {
            _idle.Enqueue(user);
            return new ChangeResult(sent, Stopwatch.GetTimestamp(), null, 0, $"update: {error.StripeError?.Code ?? error.Message}");
        }
        var returned = Stopwatch.GetTimestamp();
        var deadline = returned + options.TimeoutSeconds * Stopwatch.Frequency;
        var polls = 0;
        while (true)
        {
            polls++;
            var state = await StackSeed.SubscriptionAsync(gateway, user, ct);
            var seen = Stopwatch.GetTimestamp();
            var shown = options.Mode == "cancel"
                ? state.GetProperty("cancel_at_period_end").GetBoolean() == toCanceling
                : state.GetProperty("subscribed_tier").GetString() == (toMax ? "max" : "plus");
            if (shown)
            {
                user.Canceling = toCanceling;
                user.OnMax = toMax;
                _idle.Enqueue(user);
                return new ChangeResult(sent, returned, seen, polls, null);
            }
            if (seen > deadline)
            {
                // Left out of the idle queue: its state is unknown now, and a later change would measure the wrong thing.
                return new ChangeResult(sent, returned, null, polls, $"not shown within {options.TimeoutSeconds} s");
            }
            await Task.Delay(options.PollMilliseconds, ct);
        }
    }
}
