using Npgsql;
using Yapit.BillingWorker.Backfill;
using Yapit.Billing.Inbox;
using Yapit.StripeSetup.Cli;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Setup;
using Microsoft.Extensions.DependencyInjection;

namespace Yapit.Tests.Webhooks;

/// <summary>
/// The webhook pipeline in one process, every hop real: the emulator (Stripe) forwarding signed events over HTTP to
/// the gateway (Kestrel), the inbox in Postgres, the worker processing it and calling the emulator back. The catalog
/// is applied first, so the plans table exists.
/// </summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private PipelineHarness(StripeEmulatorFixture stripe, string connectionString, ServiceFactory<Yapit.Gateway.TestingEntryPoint> gateway,
        ServiceFactory<Yapit.BillingWorker.TestingEntryPoint> worker, SetupHarness setup)
    {
        Stripe = stripe;
        ConnectionString = connectionString;
        Gateway = gateway;
        Worker = worker;
        Setup = setup;
        Database = NpgsqlDataSource.Create(connectionString);
        Inbox = new InboxStore(Database);
    }

    public StripeEmulatorFixture Stripe { get; }
    public string ConnectionString { get; }
    public ServiceFactory<Yapit.Gateway.TestingEntryPoint> Gateway { get; }
    public ServiceFactory<Yapit.BillingWorker.TestingEntryPoint> Worker { get; }
    public SetupHarness Setup { get; }
    public NpgsqlDataSource Database { get; }
    public InboxStore Inbox { get; }

    public EventBackfillService Backfill => Worker.Services.GetRequiredService<EventBackfillService>();

    /// <param name="forward">False leaves the emulator without a forward-to URL: events are never delivered.</param>
    public static async Task<PipelineHarness> StartAsync(PostgresServerFixture postgres, StripeEmulatorSettings? emulator = null,
        bool forward = true, IReadOnlyDictionary<string, string?>? otel = null, IReadOnlyDictionary<string, string?>? workerSettings = null,
        IReadOnlyDictionary<string, string?>? gatewaySettings = null)
    {
        var stripe = await StripeEmulatorFixture.StartAsync(emulator ?? new StripeEmulatorSettings());
        // Migrated first, so the gateway can store what the catalog's first apply emits.
        var connectionString = await postgres.CreateDatabaseAsync("pipeline", migrated: true);

        var common = new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = connectionString,
            ["Stripe:SecretKey"] = StripeEmulatorFixture.TestSecretKey,
            ["Stripe:ApiBase"] = stripe.BaseAddress.ToString(),
        };
        foreach (var (key, value) in otel ?? new Dictionary<string, string?>())
        {
            common[key] = value;
        }
        var gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>(common)
        {
            ["Stripe:WebhookSecrets:0"] = stripe.WebhookSecret,
            ["OTEL_SERVICE_NAME"] = "gateway",
        }.Concat(gatewaySettings ?? new Dictionary<string, string?>()).ToDictionary()).Start();
        var worker = new ServiceFactory<Yapit.BillingWorker.TestingEntryPoint>(new Dictionary<string, string?>(common)
        {
            ["Inbox:PollInterval"] = "00:00:00.200",
            ["Inbox:BaseRetryDelay"] = "00:00:00.050",
            ["Inbox:MaxRetryDelay"] = "00:00:00.500",
            // Backfill runs only when a test asks for it.
            ["Backfill:InitialDelay"] = "01:00:00",
            // So does reconciliation (ReconciliationService.RunOnceAsync).
            ["Reconciliation:Enabled"] = "false",
            ["OTEL_SERVICE_NAME"] = "billing-worker",
        }.Concat(workerSettings ?? new Dictionary<string, string?>()).ToDictionary()).Start();
        if (forward)
        {
            stripe.ForwardTo = new Uri(gateway.Address, "/v1/billing/webhook");
        }
        var setup = new SetupHarness(stripe, connectionString, SetupHarness.DefaultCatalog);
        var applied = await setup.ApplyAsync();
        if (applied.ExitCode != ExitCodes.Success)
        {
            throw new InvalidOperationException($"stripe-setup failed: {applied}");
        }
        return new PipelineHarness(stripe, connectionString, gateway, worker, setup);
    }

    /// <summary>Waits until every event in the inbox is processed (done or ignored) and at least <paramref name="minimum"/> are there.</summary>
    public async Task WaitUntilProcessedAsync(int minimum, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var all = await Inbox.ListAsync(null, null, 500, CancellationToken.None);
            if (all.Count >= minimum && all.All(e => e.Status is InboxStatus.Done or InboxStatus.Ignored))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{all.Count} events, not all processed: {string.Join(", ", all.Where(e => e.Status is not (InboxStatus.Done or InboxStatus.Ignored)).Select(e => $"{e.Type} {e.Status} {e.LastError}"))}");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>(tier, interval) → available, from the plans table.</summary>
    public async Task<Dictionary<(string, string), bool>> AvailabilityAsync()
    {
        var result = new Dictionary<(string, string), bool>();
        await using var command = Database.CreateCommand("SELECT tier, monthly_available, yearly_available FROM billing.plans WHERE stripe_product_id IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            result[(reader.GetString(0), "monthly")] = reader.GetBoolean(1);
            result[(reader.GetString(0), "yearly")] = reader.GetBoolean(2);
        }
        return result;
    }

    /// <summary>The plans table's availability with reasons, and the inbox, for failure messages.</summary>
    public async Task<string> DescribePlansAsync()
    {
        await using var command = Database.CreateCommand("""
            SELECT string_agg(format('%s monthly=%s (%s) yearly=%s (%s)', tier, monthly_available, monthly_unavailable_reason, yearly_available, yearly_unavailable_reason), '; ' ORDER BY tier)
            FROM billing.plans WHERE stripe_product_id IS NOT NULL
            """);
        var plans = (string?)await command.ExecuteScalarAsync(CancellationToken.None);
        var events = await Inbox.ListAsync(null, null, 500, CancellationToken.None);
        return $"{plans}{Environment.NewLine}{string.Join(Environment.NewLine, events.Select(e => $"{e.ReceivedAt:HH:mm:ss.fff} {e.Id} {e.Type} {e.ObjectId} {e.Status} {e.ProcessedAt:HH:mm:ss.fff}"))}";
    }

    public async ValueTask DisposeAsync()
    {
        Stripe.ForwardTo = null;
        await Worker.DisposeAsync();
        await Gateway.DisposeAsync();
        await Stripe.DisposeAsync();
        await Database.DisposeAsync();
    }
}
