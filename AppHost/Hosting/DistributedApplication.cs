using Yapit.AppHost.Hosting.Orchestration;
using Yapit.AppHost.Hosting.Resources;

namespace Yapit.AppHost.Hosting;

/// <summary>
/// A built composition of resources: starts them in dependency order honouring WaitFor/WaitForCompletion, watches
/// their health and exit codes, and stops everything (dependents first) on disposal.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly Dictionary<string, Resource> _resources;
    private readonly Dictionary<string, ResourceLog> _logs;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<Task> _background = [];
    private readonly List<Func<ValueTask>> _onDisposed = [];
    private readonly Lock _gate = new();
    private bool _started;
    private bool _stopped;

    internal DistributedApplication(DistributedApplicationOptions options, IReadOnlyList<Resource> resources)
    {
        Options = options;
        Resources = resources;
        _resources = resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _logs = resources.ToDictionary(r => r.Name, _ => new ResourceLog(), StringComparer.Ordinal);
        ResourceNotifications = new ResourceNotificationService(resources, GetResourceLog);
    }

    public DistributedApplicationOptions Options { get; }
    public IReadOnlyList<Resource> Resources { get; }
    public ResourceNotificationService ResourceNotifications { get; }

    public Resource GetResource(string name) =>
        _resources.TryGetValue(name, out var resource) ? resource : throw new ArgumentException($"There is no resource named '{name}'.", nameof(name));

    public T GetResource<T>(string name) where T : Resource =>
        GetResource(name) as T ?? throw new ArgumentException($"Resource '{name}' is not a {typeof(T).Name}.", nameof(name));

    public IReadOnlyList<string> GetResourceLog(string name) => _logs[name].Lines();

    public Uri GetEndpoint(string resourceName, string endpointName = "http") =>
        GetResource<ProjectResource>(resourceName).GetEndpoint(endpointName).Url;

    public HttpClient CreateHttpClient(string resourceName, string endpointName = "http") =>
        new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = GetEndpoint(resourceName, endpointName) };

    public ValueTask<string> GetConnectionStringAsync(string resourceName, CancellationToken cancellationToken = default) =>
        GetResource(resourceName) is IResourceWithConnectionString resource
            ? resource.GetConnectionStringAsync(cancellationToken)
            : throw new ArgumentException($"Resource '{resourceName}' has no connection string.", nameof(resourceName));

    /// <summary>
    /// Starts every resource and returns once each is running (and healthy where it has a health check) or has
    /// finished with exit code 0. A failure throws with the failing resource's name and the last lines of its log.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The application has already been started.");
            }
            _started = true;
        }

        foreach (var resource in Resources)
        {
            Track(RunAsync(resource, _lifetime.Token));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        timeout.CancelAfter(Options.StartupTimeout);
        try
        {
            await WaitUntilSettledAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
        {
            var pending = ResourceNotifications.All().Where(s => !IsSettled(s))
                .Select(s => $"{s.Name} ({s.State}{(s.Health is { } h ? ", " + h : string.Empty)})");
            var slowest = ResourceNotifications.All().FirstOrDefault(s => !IsSettled(s) && s.State is not ResourceState.Waiting);
            var detail = slowest is null ? string.Empty : Environment.NewLine + ResourceNotifications.DescribeFailure(slowest);
            throw new DistributedApplicationException(
                $"The stack did not start within {Options.StartupTimeout.TotalSeconds:0} s; not ready: {string.Join(", ", pending)}.{detail}");
        }
    }

    private async Task WaitUntilSettledAsync(CancellationToken cancellationToken)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged(ResourceSnapshot _) => changed.Release();
        ResourceNotifications.Changed += OnChanged;
        try
        {
            while (true)
            {
                var snapshots = ResourceNotifications.All();
                var failed = snapshots.Where(IsFailed).ToArray();
                if (failed.Length > 0)
                {
                    var root = failed.FirstOrDefault(s => s.FailedBecauseOf is null) ?? failed[0];
                    throw new DistributedApplicationException(ResourceNotifications.DescribeFailure(root));
                }
                if (snapshots.All(IsSettled))
                {
                    return;
                }
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ResourceNotifications.Changed -= OnChanged;
        }
    }

    private bool IsSettled(ResourceSnapshot snapshot) =>
        (snapshot.State == ResourceState.Running && (!_resources[snapshot.Name].HasHealthCheck || snapshot.Health == HealthStatus.Healthy))
        || (snapshot.State == ResourceState.Finished && snapshot.ExitCode == 0);

    private static bool IsFailed(ResourceSnapshot snapshot) =>
        snapshot.State == ResourceState.FailedToStart || (snapshot.IsTerminal && snapshot.ExitCode is not 0);

    private async Task RunAsync(Resource resource, CancellationToken cancellationToken)
    {
        try
        {
            if (resource.Waits.Count > 0)
            {
                Publish(resource, s => s with { State = ResourceState.Waiting });
            }
            foreach (var wait in resource.Waits)
            {
                await WaitForDependencyAsync(resource, wait, cancellationToken).ConfigureAwait(false);
            }

            Publish(resource, s => s with { State = ResourceState.Starting });
            await resource.StartAsync(new ResourceContext(this, (line, isError) => Log(resource, line, isError)), cancellationToken).ConfigureAwait(false);
            Publish(resource, s => s with { State = ResourceState.Running, Health = resource.HasHealthCheck ? HealthStatus.Unhealthy : null });

            if (resource.Completion is { } completion)
            {
                Track(ObserveExitAsync(resource, completion));
            }
            if (resource.HasHealthCheck)
            {
                Track(MonitorHealthAsync(resource, cancellationToken));
            }
        }
        catch (DependencyFailedException failure)
        {
            Publish(resource, s => s with { State = ResourceState.FailedToStart, Error = failure.Message, FailedBecauseOf = failure.Dependency });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before it started.
        }
        catch (Exception error)
        {
            Log(resource, error.Message, isError: true);
            Publish(resource, s => s with { State = ResourceState.FailedToStart, Error = $"'{resource.Name}' failed to start: {error.Message}" });
        }
    }

    private async Task WaitForDependencyAsync(Resource resource, ResourceWait wait, CancellationToken cancellationToken)
    {
        var dependency = wait.Resource;
        if (wait.Type == WaitType.UntilHealthy)
        {
            var snapshot = await ResourceNotifications.WaitForResourceAsync(dependency.Name,
                s => s.IsTerminal || (s.State == ResourceState.Running && (!dependency.HasHealthCheck || s.Health == HealthStatus.Healthy)),
                cancellationToken).ConfigureAwait(false);
            if (snapshot.IsTerminal)
            {
                throw new DependencyFailedException(dependency.Name,
                    $"'{resource.Name}' waits for '{dependency.Name}', which {Outcome(snapshot)} before it was ready");
            }
        }
        else
        {
            var snapshot = await ResourceNotifications.WaitForResourceAsync(dependency.Name, s => s.IsTerminal, cancellationToken).ConfigureAwait(false);
            if (snapshot.State == ResourceState.FailedToStart || snapshot.ExitCode != wait.ExpectedExitCode)
            {
                throw new DependencyFailedException(dependency.Name,
                    $"'{resource.Name}' waits for '{dependency.Name}' to complete with exit code {wait.ExpectedExitCode}, but it {Outcome(snapshot)}");
            }
        }
    }

    private static string Outcome(ResourceSnapshot snapshot) =>
        snapshot.State == ResourceState.FailedToStart ? "failed to start" : $"exited with code {snapshot.ExitCode}";

    private async Task ObserveExitAsync(Resource resource, Task<int> completion)
    {
        var exitCode = await completion.ConfigureAwait(false);
        Publish(resource, s => s with
        {
            State = ResourceState.Finished,
            ExitCode = exitCode,
            Health = s.Health is null ? null : HealthStatus.Unhealthy,
        });
        if (!_lifetime.IsCancellationRequested)
        {
            Log(resource, $"exited with code {exitCode}", isError: exitCode != 0);
        }
    }

    private async Task MonitorHealthAsync(Resource resource, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        try
        {
            while (!cancellationToken.IsCancellationRequested && !ResourceNotifications.Get(resource.Name).IsTerminal)
            {
                var healthy = await resource.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
                if (ResourceNotifications.Get(resource.Name).IsTerminal)
                {
                    return;
                }
                Publish(resource, s => s with { Health = healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy });
                // Poll briskly while a resource comes up, calmly once it is healthy (Aspire backs off similarly).
                var delay = healthy ? TimeSpan.FromSeconds(5)
                    : DateTime.UtcNow - started < TimeSpan.FromSeconds(30) ? TimeSpan.FromMilliseconds(150)
                    : TimeSpan.FromSeconds(1);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops every resource, dependents before what they depend on. Safe to call more than once.</summary>
    public async Task StopAsync()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
        }
        await _lifetime.CancelAsync().ConfigureAwait(false);

        var remaining = Resources.ToHashSet();
        while (remaining.Count > 0)
        {
            var layer = remaining.Where(r => !remaining.Any(other => other.DependsOn.Contains(r))).ToArray();
            if (layer.Length == 0)
            {
                layer = [.. remaining]; // a cycle; stop the rest together
            }
            foreach (var resource in layer.Where(r => ResourceNotifications.Get(r.Name) is { IsTerminal: false, State: not ResourceState.NotStarted }))
            {
                Publish(resource, s => s with { State = ResourceState.Stopping });
            }
            await Task.WhenAll(layer.Select(StopOneAsync)).ConfigureAwait(false);
            remaining.ExceptWith(layer);
        }

        Task[] background;
        lock (_gate)
        {
            background = [.. _background];
        }
        await Task.WhenAny(Task.WhenAll(background), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    private async Task StopOneAsync(Resource resource)
    {
        try
        {
            await resource.StopAsync().ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log(resource, $"error while stopping: {error.Message}", isError: true);
        }
    }

    /// <summary>Runs after every resource has stopped, when the application is disposed.</summary>
    public void OnDisposed(Func<ValueTask> callback) => _onDisposed.Add(callback);

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (var callback in _onDisposed)
        {
            await callback().ConfigureAwait(false);
        }
        _onDisposed.Clear();
        _lifetime.Dispose();
    }

    private void Publish(Resource resource, Func<ResourceSnapshot, ResourceSnapshot> update) =>
        ResourceNotifications.Publish(resource.Name, update);

    private void Log(Resource resource, string line, bool isError)
    {
        _logs[resource.Name].Add(line);
        Options.LogSink.Write(resource.Name, line, isError);
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _background.Add(task);
        }
    }

    private sealed class DependencyFailedException(string dependency, string message) : Exception(message)
    {
        public string Dependency { get; } = dependency;
    }

    /// <summary>The last lines a resource wrote, for error messages and tests.</summary>
    private sealed class ResourceLog
    {
        private const int Capacity = 1000;
        private readonly Queue<string> _lines = new();
        private readonly Lock _gate = new();

        public void Add(string line)
        {
            lock (_gate)
            {
                if (_lines.Count == Capacity)
                {
                    _lines.Dequeue();
                }
                _lines.Enqueue(line);
            }
        }

        public IReadOnlyList<string> Lines()
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }
}
