using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.BillingWorker.Handlers;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// The real worker on its own database with test handlers in place of the billing ones, for tests of the processing
/// loop itself (retries, leases, dead letters): events go straight into the inbox, no Stripe involved.
/// </summary>
public sealed record TestHandlerWorker(ServiceFactory<Yapit.BillingWorker.TestingEntryPoint> Worker, InboxStore Inbox, NpgsqlDataSource Db) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Db.DisposeAsync();
    }

    /// <param name="handlers">Which test handler takes which event types; each is registered as a scoped service.</param>
    /// <param name="inbox">Inbox settings over the fast defaults (e.g. <c>Lease</c>, <c>PollInterval</c>).</param>
    public static async Task<TestHandlerWorker> StartAsync(PostgresServerFixture postgres, string database, EventHandlerRegistry handlers,
        IReadOnlyDictionary<string, string>? inbox = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync(database);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = connectionString,
            ["Stripe:SecretKey"] = "sk_test_worker",
            ["Backfill:Enabled"] = "false",
            ["Inbox:PollInterval"] = "00:00:00.200",
            ["Inbox:BaseRetryDelay"] = "00:00:00.050",
            ["Inbox:MaxRetryDelay"] = "00:00:00.200",
            ["Inbox:MaxAttempts"] = "5",
        };
        foreach (var (key, value) in inbox ?? new Dictionary<string, string>())
        {
            settings[$"Inbox:{key}"] = value;
        }
        var worker = new ServiceFactory<Yapit.BillingWorker.TestingEntryPoint>(settings, services =>
        {
            services.AddSingleton(handlers);
            foreach (var handler in handlers.HandlerTypes)
            {
                services.AddScoped(handler);
            }
        }).Start();
        var db = NpgsqlDataSource.Create(connectionString);
        return new TestHandlerWorker(worker, new InboxStore(db), db);
    }

    /// <summary>A signed-looking event of <paramref name="type"/> about a price, or with the given raw payload.</summary>
    public static IncomingEvent Event(string type, string? objectId = null, string? payload = null)
    {
        var id = SignedEvents.NewId();
        objectId ??= $"price_{id}";
        return new IncomingEvent(id, type, "2026-10-28.endive", false, DateTimeOffset.UtcNow, objectId, "price",
            payload ?? System.Text.Encoding.UTF8.GetString(SignedEvents.Body(id, type, objectId: objectId)), null, null);
    }

    public async Task<InboxEntry> WaitForStatusAsync(string eventId, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        InboxEntry? entry = null;
        while (DateTime.UtcNow < deadline)
        {
            entry = (await Inbox.ListAsync(null, null, 500, CancellationToken.None)).FirstOrDefault(e => e.Id == eventId);
            if (entry?.Status == status)
            {
                return entry;
            }
            await Task.Delay(50, CancellationToken.None);
        }
        throw new TimeoutException($"{eventId} is {entry?.Status ?? "missing"} after {timeout.TotalSeconds} s, not {status} (attempts {entry?.Attempts}, last error: {entry?.LastError})");
    }
}
