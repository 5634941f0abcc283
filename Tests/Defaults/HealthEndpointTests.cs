using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Yapit.Billing.Data;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Defaults;

[Trait("Category", "Integration")]
public sealed class HealthEndpointTests(PostgresServerFixture postgres)
{
    private sealed class Switch
    {
        public HealthStatus Status { get; set; } = HealthStatus.Unhealthy;
    }

    [Fact]
    public async Task Health_runs_every_check_and_alive_only_live_ones_answering_the_status_word()
    {
        var dependency = new Switch();
        await using var server = await LocalHttpServer.StartAsync(
            app => app.MapDefaultEndpoints(),
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.AddHealthChecks().AddCheck("dependency", () => new HealthCheckResult(dependency.Status, "detail that must not leak"));
            });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var ct = TestContext.Current.CancellationToken;

        using var unhealthy = await client.GetAsync("/health", ct);
        Assert.Equal(503, (int)unhealthy.StatusCode);
        Assert.Equal("Unhealthy", await unhealthy.Content.ReadAsStringAsync(ct));

        using var alive = await client.GetAsync("/alive", ct);
        Assert.Equal(200, (int)alive.StatusCode);
        Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync(ct));

        dependency.Status = HealthStatus.Degraded;
        using var degraded = await client.GetAsync("/health", ct);
        Assert.Equal(200, (int)degraded.StatusCode);
        Assert.Equal("Degraded", await degraded.Content.ReadAsStringAsync(ct));

        dependency.Status = HealthStatus.Healthy;
        Assert.Equal("Healthy", await client.GetStringAsync("/health", ct));
    }

    [Fact]
    public async Task The_gateway_is_ready_only_once_its_database_is_migrated()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync("gateway_health", migrated: false);
        await using var gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = connectionString,
        }).Start();
        using var client = gateway.CreateRealClient();

        using var before = await client.GetAsync("/health", ct);
        Assert.Equal(503, (int)before.StatusCode);
        Assert.Equal("Healthy", await client.GetStringAsync("/alive", ct));

        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new MigrationRunner(dataSource).ApplyAsync(ct);
        }

        Assert.Equal("Healthy", await client.GetStringAsync("/health", ct));
    }

    [Fact]
    public async Task The_worker_reports_an_unreachable_database_as_unhealthy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var worker = new ServiceFactory<Yapit.BillingWorker.TestingEntryPoint>(new Dictionary<string, string?>
        {
            // Nothing listens on port 1.
            ["ConnectionStrings:billingdb"] = "Host=127.0.0.1;Port=1;Username=x;Password=y;Database=billingdb;Timeout=2",
            ["Stripe:SecretKey"] = "sk_test_health",
            ["Backfill:Enabled"] = "false",
        }).Start();
        using var client = worker.CreateRealClient();

        using var response = await client.GetAsync("/health", ct);

        Assert.Equal(503, (int)response.StatusCode);
        // The worker says why: the status word, then each check that is not healthy with its reason.
        var lines = (await response.Content.ReadAsStringAsync(ct)).Split('\n');
        Assert.Equal("Unhealthy", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("billingdb: Unhealthy: billingdb unreachable (", StringComparison.Ordinal) && l.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("inbox: Unhealthy: the inbox cannot be read (", StringComparison.Ordinal));
    }
}
