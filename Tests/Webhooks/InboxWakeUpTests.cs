using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>The workers' wake-up: sent after the insert's commit, outside its transaction, and coalesced under load.</summary>
[Trait("Category", "Integration")]
public sealed class InboxWakeUpTests(PostgresServerFixture postgres)
{
    /// <summary>A LISTEN connection on the inbox channel that counts what arrives.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private int _received;

        private Listener(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, _) => Interlocked.Increment(ref _received);
        }

        public static async Task<Listener> StartAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using (var listen = new NpgsqlCommand($"LISTEN {InboxStore.NotificationChannel}", connection))
            {
                await listen.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
            return new Listener(connection);
        }

        /// <summary>Every notification that arrives until none has for <paramref name="quiet"/>.</summary>
        public async Task<int> ReceivedAsync(TimeSpan quiet)
        {
            while (await _connection.WaitAsync(quiet, TestContext.Current.CancellationToken))
            {
            }
            return Volatile.Read(ref _received);
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }

    private static IncomingEvent Event(string id) => new(
        id, "price.updated", "2026-10-28.endive", false, DateTimeOffset.UtcNow, "price_1", "price",
        System.Text.Json.JsonSerializer.Serialize(new { id, @object = "event", type = "price.updated", data = new { @object = new { id = "price_1", @object = "price" } } }), null, null);

    [Fact]
    public async Task An_insert_wakes_the_listeners_once_it_is_committed_and_a_duplicate_does_not()
    {
        var connectionString = await postgres.CreateDatabaseAsync("wakeup");
        await using var listener = await Listener.StartAsync(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var inbox = new InboxStore(dataSource);

        Assert.True(await inbox.InsertAsync(Event("evt_wake_1"), TestContext.Current.CancellationToken));
        await inbox.WakeUp.Sent;
        Assert.Equal(1, await listener.ReceivedAsync(TimeSpan.FromSeconds(1)));

        Assert.False(await inbox.InsertAsync(Event("evt_wake_1"), TestContext.Current.CancellationToken));
        await inbox.WakeUp.Sent;
        Assert.Equal(1, await listener.ReceivedAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Wake_ups_asked_for_while_one_is_being_sent_become_a_single_further_notification()
    {
        var connectionString = await postgres.CreateDatabaseAsync("wakeup");
        await using var listener = await Listener.StartAsync(connectionString);
        // One pooled connection, held here: the first notification cannot go out until it is released.
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1 }.ConnectionString);
        var wakeUp = new InboxWakeUp(dataSource);
        await using (await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            for (var i = 0; i < 100; i++)
            {
                wakeUp.Signal();
            }
        }

        await wakeUp.Sent.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // The first (blocked) notification, and one more for the 99 asked for while it waited.
        Assert.Equal(2, await listener.ReceivedAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_wake_up_that_cannot_be_sent_is_dropped_without_an_error()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("wakeup"));
        await dataSource.DisposeAsync();
        var wakeUp = new InboxWakeUp(dataSource);

        wakeUp.Signal();

        // The workers' polling finds the rows; the intake that asked must not fail.
        await wakeUp.Sent.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(wakeUp.Sent.IsCompletedSuccessfully);
    }
}
