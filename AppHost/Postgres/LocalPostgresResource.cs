namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// PostgreSQL from the installed server binaries, run by the orchestrator as an executable: what the stack uses where
/// no container runtime is healthy. Its connection string has the shape of Aspire's <c>postgres</c> container's.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string dataDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory: dataDirectory), IResourceWithConnectionString
{
    public const string UserName = "postgres";
    public const string Host = "127.0.0.1";

    /// <summary>The cluster (PGDATA), created by initdb before the first start and kept between runs.</summary>
    public string DataDirectory { get; } = dataDirectory;

    public int Port { get; } = port;

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The databases to create once the server is ready: resource name to database name.</summary>
    public Dictionary<string, string> Databases { get; } = new(StringComparer.Ordinal);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host={Host};Port={Port.ToString(System.Globalization.CultureInfo.InvariantCulture)};Username={UserName};Password={PasswordParameter}");
}

/// <summary>A database on a <see cref="LocalPostgresResource"/>; its health check passes once the database exists.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    public LocalPostgresResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
