using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Yapit.Billing.Inbox;

/// <summary>
/// Wakes idle workers (<c>NOTIFY billing_inbox</c>) after inserts, outside the inserting transactions.
/// <para>
/// A NOTIFY inside the insert's transaction makes its commit take Postgres' cluster-wide notify lock and hold it
/// across the WAL flush, so concurrent intakes commit one at a time instead of sharing a flush (group commit): on the
/// benchmark machine pgbench reaches less than half the INSERT rate with the NOTIFY in the transaction (see
/// bench/README.md). The notification is only a wake-up (workers find rows by query and also poll), so one
/// notification after the commits covers them all: at most one is being sent and one more is queued, however many
/// inserts happen meanwhile, and it is sent with synchronous_commit off because nothing depends on it surviving a crash.
/// Under sustained load notifications are spaced by <see cref="MinimumInterval"/>, so a busy intake does not double
/// the server's transactions with wake-ups nobody needs (the workers are awake anyway).
/// </para>
/// </summary>
public sealed class InboxWakeUp(NpgsqlDataSource dataSource, ILogger? logger = null)
{
    /// <summary>The shortest time between two notifications; the first after a quiet spell goes out at once.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(5);

    private const int Idle = 0;
    private const int Sending = 1;
    private const int SendingAndDue = 2;

    private int _state = Idle;
    private Task _sender = Task.CompletedTask;

    /// <summary>Completes when the notifications asked for so far have been sent (for tests and shutdown).</summary>
    public Task Sent => Volatile.Read(ref _sender);

    /// <summary>Asks for a notification that starts after this call; returns at once.</summary>
    public void Signal()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == SendingAndDue)
            {
                return; // the queued notification starts after this call: it covers us
            }
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state)
            {
                continue;
            }
            if (state == Idle)
            {
                Volatile.Write(ref _sender, Task.Run(SendAsync));
            }
            return;
        }
    }

    private async Task SendAsync()
    {
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await using var command = dataSource.CreateCommand(
                    $"SELECT set_config('synchronous_commit', 'off', true), pg_notify('{InboxStore.NotificationChannel}', '')");
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or ObjectDisposedException or InvalidOperationException)
            {
                // A lost wake-up delays processing by at most one poll interval; the row itself is committed.
                logger?.LogDebug(error, "Could not notify the inbox workers; they will find the new events at their next poll");
            }
            // Requests that came in while sending were made after their rows committed: send once more for them.
            if (Interlocked.CompareExchange(ref _state, Idle, Sending) == Sending)
            {
                return;
            }
            Volatile.Write(ref _state, Sending);
            var wait = MinimumInterval - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }
        }
    }
}
