using System.Net;
using Npgsql;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Billing.Data;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Webhooks;

/// <summary>With its database down the gateway answers 503, so Stripe keeps the event and delivers it again.</summary>
[Trait("Category", "Integration")]
public sealed class IntakeOutageTests
{
    [Fact]
    public async Task While_the_database_is_down_intake_answers_503_and_the_redelivery_is_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Path.Combine(Path.GetTempPath(), $"yapit-outage-{Guid.NewGuid():N}");
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(root, "postgres"), Durable = false };
        var server = new LocalPostgresServer(options);
        try
        {
            await server.StartAsync(ct);
            await server.CreateDatabaseIfMissingAsync("billingdb", cancellationToken: ct);
            var connectionString = server.GetConnectionString("billingdb");
            await using (var migrate = NpgsqlDataSource.Create(connectionString))
            {
                await new MigrationRunner(migrate).ApplyAsync(ct);
            }
            await using var gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
            {
                ["ConnectionStrings:billingdb"] = connectionString + ";Timeout=3",
                ["Stripe:SecretKey"] = "sk_test_outage",
                ["Stripe:WebhookSecrets:0"] = SignedEvents.Secret,
            }).Start();
            using var client = gateway.CreateRealClient();
            var body = SignedEvents.Body();

            await server.StopAsync();
            using (var during = await client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            }

            server = new LocalPostgresServer(options with { Port = server.Port });
            await server.StartAsync(ct);
            // Stripe redelivers until it gets a 2xx; the first attempts may meet pooled connections the restart broke.
            HttpStatusCode status = 0;
            for (var attempt = 0; attempt < 10 && status != HttpStatusCode.OK; attempt++)
            {
                using var redelivery = await client.SendAsync(SignedEvents.Request(body, SignedEvents.Header(body)), ct);
                status = redelivery.StatusCode;
            }

            Assert.Equal(HttpStatusCode.OK, status);
            await using var check = NpgsqlDataSource.Create(connectionString);
            await using var command = check.CreateCommand("SELECT status FROM billing.webhook_inbox WHERE event_id = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SignedEvents.EventId(body) });
            Assert.Equal("pending", await command.ExecuteScalarAsync(ct));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }
}
