using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Yapit.Billing.Data;

/// <summary>
/// Registers <c>billingdb</c> through Aspire's Npgsql integration (<c>AddNpgsqlDataSource</c>: connection string from
/// <c>ConnectionStrings:billingdb</c>, Npgsql's tracing and metrics), with this project's pool settings and its
/// migration-aware readiness check in place of the integration's plain connection check.
/// </summary>
public static class BillingDatabase
{
    public const string ConnectionName = "billingdb";

    public static string GetConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionName} is not set. Set the environment variable ConnectionStrings__{ConnectionName} " +
                "(the AppHost does this), e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=...;Database=billingdb");

    public static IHostApplicationBuilder AddBillingDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = GetConnectionString(builder.Configuration);
        builder.AddNpgsqlDataSource(ConnectionName,
            settings => settings.DisableHealthChecks = true, // BillingDatabaseHealthCheck also checks the schema version
            dataSource => Configure(dataSource, connectionString));
        builder.Services.AddHealthChecks().AddCheck<BillingDatabaseHealthCheck>(ConnectionName);
        // The usage ledger (the gateway's hot path, the worker's renewals and packs) leaves no session state, so its
        // connections skip Npgsql's reset on reuse: that reset was a second server transaction per record (bench/README.md).
        builder.AddBillingDataSource(Usage.UsageLedger.DataSourceKey, purpose: "usage ledger", statelessSessions: true);
        return builder;
    }

    /// <summary>
    /// A second pool on <c>billingdb</c>, as a keyed <see cref="NpgsqlDataSource"/> (Aspire's
    /// <c>AddKeyedNpgsqlDataSource</c>), for one part that must not compete with the rest for connections (see
    /// <see cref="CreateDataSource"/> for the two options).
    /// </summary>
    public static IHostApplicationBuilder AddBillingDataSource(this IHostApplicationBuilder builder, string key, string purpose, bool statelessSessions)
    {
        var connectionString = GetConnectionString(builder.Configuration);
        builder.AddKeyedNpgsqlDataSource(key,
            settings =>
            {
                settings.ConnectionString = connectionString;
                settings.DisableHealthChecks = true; // the same server as billingdb's, which is checked
            },
            dataSource => Configure(dataSource, connectionString, purpose, statelessSessions));
        return builder;
    }

    /// <summary>Prepared statements kept per connection when the connection string does not say (Npgsql's default is none).</summary>
    public const int DefaultMaxAutoPrepare = 32;

    /// <param name="purpose">Names a dedicated pool in <c>application_name</c> (seen in <c>pg_stat_activity</c>).</param>
    /// <param name="statelessSessions">
    /// Every statement on this pool leaves no session state (no SET without LOCAL, LISTEN, session advisory lock,
    /// temporary table), so a connection taken from the pool need not be reset first. Npgsql otherwise sends a
    /// reset (7 statements: RESET ALL, UNLISTEN *, DISCARD TEMP...) with the first command after every reuse,
    /// which cost Postgres about as much CPU as a webhook's insert (bench/README.md).
    /// </param>
    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggerFactory = null, string? purpose = null, bool statelessSessions = false)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        Configure(builder, connectionString, purpose, statelessSessions);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }
        return builder.Build();
    }

    private static void Configure(NpgsqlDataSourceBuilder builder, string connectionString, string? purpose = null, bool statelessSessions = false)
    {
        builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
        if (purpose is not null)
        {
            builder.ConnectionStringBuilder.ApplicationName += $" ({purpose})";
        }
        if (statelessSessions)
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }
        if (!SetsKeyword(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            // Statements run often (the webhook intake's insert, the worker's claim) are prepared once per connection:
            // Postgres then skips parsing and planning them, which took 12-15% off its CPU per webhook on the
            // benchmark machine (bench/README.md). "Max Auto Prepare=0" in the connection string turns it off,
            // e.g. behind a pooler that cannot keep prepared statements.
            builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }
    }

    private static bool SetsKeyword(string connectionString, params string[] keywords)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return keywords.Any(given.ContainsKey);
    }
}
