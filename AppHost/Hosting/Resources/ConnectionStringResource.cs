using Npgsql;

namespace Yapit.AppHost.Hosting.Resources;

/// <summary>
/// A database given from outside (<c>ConnectionStrings__name</c> in the AppHost's environment), like Aspire's
/// <c>AddConnectionString</c>. Nothing is started; it is ready once the server answers.
/// </summary>
public sealed class ConnectionStringResource(string name, string connectionString) : Resource(name, "connection string"), IResourceWithConnectionString
{
    public override bool HasHealthCheck => true;

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken) => ValueTask.FromResult(connectionString);

    internal override Task StartAsync(ResourceContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    internal override Task<bool> CheckHealthAsync(CancellationToken cancellationToken) =>
        PostgresProbe.CanConnectAsync(connectionString, cancellationToken);

    internal override Task StopAsync() => Task.CompletedTask;

    public override string? Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"external: {builder.Host}:{builder.Port}/{builder.Database}";
    }
}
