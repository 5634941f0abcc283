using System.Text.RegularExpressions;

namespace Yapit.AppHost.Hosting.Resources;

/// <summary>Aspire's resource states (KnownResourceStates).</summary>
public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Stopping,
    Finished,
    Exited,
    FailedToStart,
}

public enum HealthStatus
{
    Unhealthy,
    Healthy,
}

/// <summary>An immutable view of one resource at one moment.</summary>
public sealed record ResourceSnapshot(string Name, string Type, ResourceState State)
{
    /// <summary>Null when the resource has no health check.</summary>
    public HealthStatus? Health { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>Why the resource failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>The resource whose failure made this one fail, if any (used to report the root cause).</summary>
    public string? FailedBecauseOf { get; init; }

    public bool IsTerminal => State is ResourceState.Finished or ResourceState.Exited or ResourceState.FailedToStart;
}

/// <summary>Something the AppHost runs or provides: a server, a database, a project.</summary>
public abstract partial class Resource
{
    protected Resource(string name, string type)
    {
        if (!NamePattern().IsMatch(name) || name.Contains("--", StringComparison.Ordinal) || name.Length > 64)
        {
            throw new ArgumentException(
                $"Resource name '{name}' is invalid: start with a letter, use letters, digits and single hyphens, do not end with a hyphen, at most 64 characters.",
                nameof(name));
        }
        Name = name;
        Type = type;
    }

    public string Name { get; }
    public string Type { get; }
    public List<ResourceWait> Waits { get; } = [];

    /// <summary>Resources this one uses (references and waits): they stop after it.</summary>
    public HashSet<Resource> DependsOn { get; } = [];

    /// <summary>The name as an environment variable prefix (billing-worker -> BILLING_WORKER).</summary>
    public string EnvironmentName => NonAlphanumeric().Replace(Name, "_").ToUpperInvariant();

    public virtual bool HasHealthCheck => false;

    /// <summary>Starts the resource; returns once it is running. Failures throw with a message naming what failed.</summary>
    internal abstract Task StartAsync(ResourceContext context, CancellationToken cancellationToken);

    /// <summary>Completes with an exit code when a process-backed resource ends; null for resources with no process.</summary>
    internal virtual Task<int>? Completion => null;

    internal virtual Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    internal abstract Task StopAsync();

    /// <summary>One line for the start-up table (URL, address or detail); never a secret.</summary>
    public virtual string? Describe() => null;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$|^[A-Za-z]$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("[^A-Za-z0-9]")]
    private static partial Regex NonAlphanumeric();

    public override string ToString() => Name;
}

/// <summary>What a resource gets from the orchestrator while it starts.</summary>
public sealed class ResourceContext(DistributedApplication application, Action<string, bool> log)
{
    public DistributedApplication Application { get; } = application;

    public void Log(string line, bool isError = false) => log(line, isError);
}

public enum WaitType
{
    /// <summary>Running, then healthy where the resource has a health check.</summary>
    UntilHealthy,

    /// <summary>Terminal with the expected exit code.</summary>
    UntilCompleted,
}

public sealed record ResourceWait(Resource Resource, WaitType Type, int ExpectedExitCode = 0);

/// <summary>A resource that others reference by connection string (<c>ConnectionStrings__name</c>).</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken);

    /// <summary>Aspire 13's connection properties (<c>NAME_HOST</c>, <c>NAME_PORT</c>, ...), if the resource has them.</summary>
    ValueTask<IReadOnlyDictionary<string, string>> GetConnectionPropertiesAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}

/// <summary>A named endpoint of a resource. Ports are fixed when the application is built, before anything starts.</summary>
public sealed class EndpointAnnotation(string name, string scheme, int? port)
{
    public string Name { get; } = name;
    public string Scheme { get; } = scheme;

    /// <summary>The requested port; null picks a free one.</summary>
    public int? RequestedPort { get; set; } = port;
    public int AllocatedPort { get; internal set; }
    public string Host { get; } = "127.0.0.1";

    public Uri Url => new($"{Scheme}://{Host}:{AllocatedPort}");
}
