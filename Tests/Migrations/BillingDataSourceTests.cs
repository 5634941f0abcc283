using Npgsql;
using Yapit.Billing.Data;
using Yapit.Billing.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Migrations;

/// <summary>The services' data source: hot statements prepared once per connection unless the connection string says otherwise.</summary>
[Trait("Category", "Integration")]
public sealed class BillingDataSourceTests(PostgresServerFixture postgres)
{
    private static int MaxAutoPrepare(NpgsqlDataSource dataSource) => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxAutoPrepare;

    [Theory]
    [InlineData("", BillingDatabase.DefaultMaxAutoPrepare)]
    [InlineData(";Max Auto Prepare=0", 0)]
    [InlineData(";max auto prepare=5", 5)]
    [InlineData(";MaxAutoPrepare=7", 7)]
    public async Task Prepares_statements_unless_the_connection_string_says_otherwise(string setting, int expected)
    {
        await using var dataSource = BillingDatabase.CreateDataSource("Host=127.0.0.1;Username=u;Password=p;Database=d" + setting);

        Assert.Equal(expected, MaxAutoPrepare(dataSource));
    }

    [Fact]
    public async Task A_dedicated_pool_is_named_and_may_skip_the_session_reset()
    {
        const string connectionString = "Host=127.0.0.1;Username=u;Password=p;Database=d;Application Name=gateway";
        await using var shared = BillingDatabase.CreateDataSource(connectionString);
        await using var intake = BillingDatabase.CreateDataSource(connectionString, purpose: "webhook intake", statelessSessions: true);

        var (sharedSettings, intakeSettings) = (new NpgsqlConnectionStringBuilder(shared.ConnectionString), new NpgsqlConnectionStringBuilder(intake.ConnectionString));
        Assert.Equal(("gateway", false), (sharedSettings.ApplicationName, sharedSettings.NoResetOnClose));
        Assert.Equal(("gateway (webhook intake)", true), (intakeSettings.ApplicationName, intakeSettings.NoResetOnClose));
    }

    [Fact]
    public async Task The_intake_insert_is_prepared_on_its_connection_after_a_few_uses()
    {
        var ct = TestContext.Current.CancellationToken;
        // One pooled connection, so the check below runs in the session that inserted.
        await using var dataSource = BillingDatabase.CreateDataSource(await postgres.CreateDatabaseAsync("prepare") + ";Maximum Pool Size=1");
        var inbox = new InboxStore(dataSource);

        for (var i = 0; i < 6; i++)
        {
            var id = $"evt_prepare_{i}";
            Assert.True(await inbox.InsertAsync(new IncomingEvent(id, "price.updated", "2026-10-28.endive", false, DateTimeOffset.UtcNow, "price_1", "price",
                $$"""{"id":"{{id}}","object":"event"}""", null, null), ct));
        }

        await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO billing.webhook_inbox%'");
        Assert.Equal(1L, await command.ExecuteScalarAsync(ct));
    }
}
