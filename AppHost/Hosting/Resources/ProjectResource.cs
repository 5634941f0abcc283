using Yapit.AppHost.Hosting.Processes;

namespace Yapit.AppHost.Hosting.Resources;

/// <summary>
/// A .NET project run as <c>dotnet &lt;built assembly&gt;</c> in its project directory, configured only through
/// Aspire's environment variables.
/// </summary>
public sealed class ProjectResource : Resource
{
    private static readonly HttpClient HealthClient = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
    private ManagedProcess? _process;

    public ProjectResource(string name, ProjectMetadata project) : base(name, "project")
    {
        Project = project;
        LaunchProfile = LaunchProfile.Read(project.ProjectDirectory);
        if (LaunchProfile?.ApplicationUrls.FirstOrDefault(u => u.Scheme == Uri.UriSchemeHttp) is { } url)
        {
            Endpoints.Add(new EndpointAnnotation("http", "http", url.Port));
        }
    }

    public ProjectMetadata Project { get; }
    public LaunchProfile? LaunchProfile { get; }
    public List<EndpointAnnotation> Endpoints { get; } = [];
    public List<string> Args { get; } = [];

    /// <summary>Arguments known only once ports are allocated (another resource's URL), added after <see cref="Args"/> at start.</summary>
    public List<Func<IEnumerable<string>>> ArgsCallbacks { get; } = [];

    /// <summary>Environment callbacks, run in order right before the process starts (after every wait).</summary>
    public List<Func<EnvironmentContext, CancellationToken, ValueTask>> EnvironmentCallbacks { get; } = [];

    public string? HealthCheckPath { get; set; }

    /// <summary>Time between SIGTERM and a forced kill.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(6);

    public override bool HasHealthCheck => HealthCheckPath is not null;

    public int? ProcessId => _process?.Id;

    public EndpointAnnotation GetEndpoint(string name = "http") =>
        Endpoints.FirstOrDefault(e => e.Name == name)
        ?? throw new InvalidOperationException($"Resource '{Name}' has no endpoint named '{name}'.");

    internal override Task<int>? Completion => _process?.Exited;

    internal override async Task StartAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        if (!File.Exists(Project.AssemblyPath))
        {
            throw new DistributedApplicationException(
                $"'{Project.AssemblyPath}' does not exist: build the solution first (dotnet build Yapit.sln).");
        }

        var environment = new EnvironmentContext(context.Application, this);
        environment.ApplyInherited(LaunchProfile);
        foreach (var callback in EnvironmentCallbacks)
        {
            await callback(environment, cancellationToken).ConfigureAwait(false);
        }

        var spec = new ProcessSpec(DotnetHost.Path, [Project.AssemblyPath, .. Args, .. ArgsCallbacks.SelectMany(callback => callback())])
        {
            WorkingDirectory = Project.ProjectDirectory,
            Environment = environment.Variables,
            NewSession = true,
        };
        _process = ManagedProcess.Start(spec, context.Log);
    }

    internal override async Task<bool> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var endpoint = Endpoints.FirstOrDefault(e => e.Scheme is "http" or "https");
        if (HealthCheckPath is null || endpoint is null)
        {
            return true;
        }
        try
        {
            using var response = await HealthClient.GetAsync(new Uri(endpoint.Url, HealthCheckPath), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    internal override Task StopAsync() => _process?.StopAsync(Posix.SigTerm, StopGracePeriod) ?? Task.CompletedTask;

    public override string? Describe() => Endpoints.Count == 0 ? null : string.Join(", ", Endpoints.Select(e => e.Url.ToString().TrimEnd('/')));
}

/// <summary>Finds the dotnet host that launches project assemblies.</summary>
internal static class DotnetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }
        if (System.IO.Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            return Environment.ProcessPath!;
        }
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(directory, "dotnet");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return "dotnet";
    }
}
