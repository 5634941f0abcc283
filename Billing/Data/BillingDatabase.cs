using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Yapit.Billing.Data;

/// <summary>
/// Registers <c>billingdb</c> the way Aspire's Npgsql integration would (<c>AddNpgsqlDbContext("billingdb")</c>):
/// connection string from <c>ConnectionStrings:billingdb</c>, one data source, and a readiness health check.
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
        builder.Services.AddSingleton(services => CreateDataSource(connectionString, services.GetService<ILoggerFactory>()));
        builder.Services.AddHealthChecks().AddCheck<BillingDatabaseHealthCheck>(ConnectionName);
        return builder;
    }

    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }
        return builder.Build();
    }
}
