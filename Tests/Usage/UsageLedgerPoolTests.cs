using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Yapit.Billing.Data;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Usage;

/// <summary>The services' ledger works on its own pool, named in pg_stat_activity and without Npgsql's session reset.</summary>
[Trait("Category", "Integration")]
public sealed class UsageLedgerPoolTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task The_services_ledger_records_through_its_own_pool_without_session_reset()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync("ledgerpool");
        await using (var seed = NpgsqlDataSource.Create(connectionString))
        {
            await UsageLedgerHarness.SeedCatalogAsync(seed);
        }
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:billingdb"] = connectionString + ";Application Name=gateway" });
        builder.AddBillingDatabase();
        builder.Services.AddSubscriptionServices();
        using var host = builder.Build();
        var ledger = host.Services.GetRequiredService<UsageLedger>();

        var first = await ledger.RecordAsync(new UsageRecordRequest("pool-user", "tokens", 5, "pool-1", null), ct);
        var second = await ledger.RecordAsync(new UsageRecordRequest("pool-user", "tokens", 7, "pool-2", null), ct);

        var pool = new NpgsqlConnectionStringBuilder(host.Services.GetRequiredKeyedService<NpgsqlDataSource>(UsageLedger.DataSourceKey).ConnectionString);
        Assert.Equal(("gateway (usage ledger)", true), (pool.ApplicationName, pool.NoResetOnClose));
        Assert.Equal((5L, 7L), (first.Breakdown.ToDebt, second.Breakdown.ToDebt)); // the free tier: no allowance
        await using var check = NpgsqlDataSource.Create(connectionString);
        await using var command = check.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gateway (usage ledger)'");
        Assert.True((long)(await command.ExecuteScalarAsync(ct))! >= 1, "no connection of the ledger's pool");
    }
}
