using Npgsql;

namespace Yapit.Billing.Inbox;

/// <summary>
/// The claim an event's run holds while its handler works, so that the writes of its effects can be fenced: a run
/// whose lease was lost (the event claimed again meanwhile) must not write. The dispatcher sets it around the handler;
/// a store that writes an effect calls <see cref="EnsureHeldAsync"/> inside its transaction, before its writes.
/// </summary>
public sealed record ClaimFence(string EventId, Guid LeaseToken)
{
    private static readonly AsyncLocal<ClaimFence?> Ambient = new();

    /// <summary>The claim of the event being processed on this async flow, if any.</summary>
    public static ClaimFence? Current => Ambient.Value;

    /// <summary>Sets the claim for the calls that follow on this async flow (until the calling method returns).</summary>
    public static void Enter(ClaimedEvent claimed) => Ambient.Value = new ClaimFence(claimed.EventId, claimed.LeaseToken);

    /// <summary>
    /// Within <paramref name="transaction"/>, checks that the current claim still holds its event and keeps it held
    /// until the transaction ends (a share lock on the inbox row: no new claim, completion or replay can pass it), so
    /// the effects commit only under the claim that decided them. Outside a processing run this does nothing.
    /// </summary>
    /// <exception cref="ClaimLostException">Another claim has taken the event.</exception>
    public static async Task EnsureHeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (Current is not { } fence)
        {
            return;
        }
        await using var command = new NpgsqlCommand("""
            SELECT 1 FROM billing.webhook_inbox
            WHERE event_id = $1 AND lease_token = $2 AND status = 'processing'
            FOR SHARE
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fence.EventId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = fence.LeaseToken });
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ClaimLostException(fence.EventId);
        }
    }
}

/// <summary>The run's claim on its event is gone (its lease expired and the event was claimed again): it writes nothing more.</summary>
public sealed class ClaimLostException(string eventId) : Exception($"The claim on event {eventId} was lost to a newer one; its effects were not written.")
{
    public string EventId { get; } = eventId;
}
