using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Yapit.Billing.Data;

/// <summary>
/// Ready when billingdb answers and its schema is at least at this build's latest migration: a service that starts
/// before StripeSetup migrated the database is reachable but not ready.
/// </summary>
public sealed class BillingDatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN 0 ELSE (SELECT coalesce(max(version), 0) FROM public.schema_migrations) END",
                connection);
            var version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            var expected = MigrationCatalog.LatestVersion;
            return version >= expected
                ? HealthCheckResult.Healthy($"schema version {version}")
                : HealthCheckResult.Unhealthy($"schema version {version}, this build needs {expected}: run stripe-setup (it migrates the database)");
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return HealthCheckResult.Unhealthy("billingdb unreachable", error);
        }
    }
}
