using System.Collections.Concurrent;

namespace Yapit.StripeEmulator.Webhooks;

/// <summary>One attempt to deliver one event to one target.</summary>
/// <param name="Target">The URL the attempt went to.</param>
/// <param name="EndpointId">The webhook endpoint, or null for the forward-to target.</param>
/// <param name="Status">The HTTP status received, or null when no response came.</param>
/// <param name="Error">Why no response came (connection refused, timeout), or null.</param>
/// <param name="Duplicate">A copy chaos mode added.</param>
public sealed record DeliveryAttempt(
    string EventId,
    string EventType,
    string Target,
    string? EndpointId,
    int Attempt,
    int? Status,
    string? Error,
    bool Succeeded,
    bool Duplicate,
    DateTimeOffset AttemptedAt,
    double DurationMs);

/// <summary>The most recent delivery attempts, oldest first, for <c>GET /_emulator/deliveries</c>.</summary>
public sealed class DeliveryLog
{
    public const int Capacity = 10_000;
    private readonly ConcurrentQueue<DeliveryAttempt> _attempts = new();

    public void Record(DeliveryAttempt attempt)
    {
        _attempts.Enqueue(attempt);
        while (_attempts.Count > Capacity && _attempts.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<DeliveryAttempt> Snapshot() => _attempts.ToArray();

    public void Clear() => _attempts.Clear();
}
