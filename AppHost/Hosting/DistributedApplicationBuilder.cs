using Yapit.AppHost.Hosting.Postgres;
using Yapit.AppHost.Hosting.Resources;

namespace Yapit.AppHost.Hosting;

/// <summary>Collects resources and their relations, then builds a <see cref="DistributedApplication"/>.</summary>
public sealed class DistributedApplicationBuilder(DistributedApplicationOptions? options = null)
{
    private readonly List<Resource> _resources = [];

    public DistributedApplicationOptions Options { get; } = options ?? new DistributedApplicationOptions();
    public IReadOnlyList<Resource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' already exists.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public IResourceBuilder<PostgresServerResource> AddLocalPostgres(string name, LocalPostgresOptions postgres) =>
        AddResource(new PostgresServerResource(name, postgres));

    public IResourceBuilder<ConnectionStringResource> AddConnectionString(string name, string connectionString) =>
        AddResource(new ConnectionStringResource(name, connectionString));

    /// <summary>Adds the project whose file is <c>&lt;projectName&gt;.csproj</c> among the AppHost's references.</summary>
    public IResourceBuilder<ProjectResource> AddProject(string name, string projectName) =>
        AddResource(new ProjectResource(name, ProjectMetadata.For(projectName))).WithProjectDefaults();

    /// <summary>Fixes every endpoint's port (a free one where none is requested, or when ports are randomised).</summary>
    public DistributedApplication Build()
    {
        var taken = new HashSet<int>();
        foreach (var endpoint in _resources.OfType<ProjectResource>().SelectMany(p => p.Endpoints.Select(e => (Project: p, Endpoint: e))))
        {
            var port = Options.RandomizePorts || endpoint.Endpoint.RequestedPort is null
                ? FreePortNotIn(taken)
                : endpoint.Endpoint.RequestedPort.Value;
            if (!taken.Add(port))
            {
                throw new DistributedApplicationException($"Port {port} is requested by more than one endpoint (at '{endpoint.Project.Name}').");
            }
            if (!Options.RandomizePorts && endpoint.Endpoint.RequestedPort is not null && !IsFree(port))
            {
                throw new DistributedApplicationException(
                    $"Port {port} for '{endpoint.Project.Name}' is already in use (is another stack running?). Stop that process or choose another port (see --help).");
            }
            endpoint.Endpoint.AllocatedPort = port;
        }
        return new DistributedApplication(Options, _resources.ToArray());
    }

    private static int FreePortNotIn(HashSet<int> taken)
    {
        while (true)
        {
            var port = LocalPostgresServer.FreePort();
            if (!taken.Contains(port))
            {
                return port;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}

public interface IResourceBuilder<out T> where T : Resource
{
    DistributedApplicationBuilder ApplicationBuilder { get; }
    T Resource { get; }
}

internal sealed class ResourceBuilder<T>(DistributedApplicationBuilder applicationBuilder, T resource) : IResourceBuilder<T> where T : Resource
{
    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
    public T Resource { get; } = resource;
}
