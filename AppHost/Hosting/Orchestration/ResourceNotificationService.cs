using Yapit.AppHost.Hosting.Resources;

namespace Yapit.AppHost.Hosting.Orchestration;

/// <summary>Current snapshot of every resource, and waits on their changes (Aspire's ResourceNotificationService).</summary>
public sealed class ResourceNotificationService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ResourceSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly List<Waiter> _waiters = [];
    private readonly Func<string, IReadOnlyList<string>> _logs;

    internal ResourceNotificationService(IEnumerable<Resource> resources, Func<string, IReadOnlyList<string>> logs)
    {
        _logs = logs;
        foreach (var resource in resources)
        {
            _snapshots[resource.Name] = new ResourceSnapshot(resource.Name, resource.Type, ResourceState.NotStarted);
        }
    }

    public event Action<ResourceSnapshot>? Changed;

    public ResourceSnapshot Get(string name)
    {
        lock (_gate)
        {
            return _snapshots.TryGetValue(name, out var snapshot)
                ? snapshot
                : throw new ArgumentException($"There is no resource named '{name}'.", nameof(name));
        }
    }

    public IReadOnlyList<ResourceSnapshot> All()
    {
        lock (_gate)
        {
            return _snapshots.Values.ToArray();
        }
    }

    internal void Publish(string name, Func<ResourceSnapshot, ResourceSnapshot> update)
    {
        ResourceSnapshot next;
        List<Waiter> satisfied;
        lock (_gate)
        {
            next = update(_snapshots[name]);
            if (next == _snapshots[name])
            {
                return;
            }
            _snapshots[name] = next;
            satisfied = _waiters.Where(w => w.Name == name && w.Predicate(next)).ToList();
            _waiters.RemoveAll(satisfied.Contains);
        }
        foreach (var waiter in satisfied)
        {
            waiter.Completion.TrySetResult(next);
        }
        Changed?.Invoke(next);
    }

    /// <summary>Completes when the resource's snapshot satisfies <paramref name="predicate"/>.</summary>
    public async Task<ResourceSnapshot> WaitForResourceAsync(string name, Func<ResourceSnapshot, bool> predicate, CancellationToken cancellationToken = default)
    {
        Waiter waiter;
        lock (_gate)
        {
            if (!_snapshots.TryGetValue(name, out var current))
            {
                throw new ArgumentException($"There is no resource named '{name}'.", nameof(name));
            }
            if (predicate(current))
            {
                return current;
            }
            waiter = new Waiter(name, predicate, new TaskCompletionSource<ResourceSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously));
            _waiters.Add(waiter);
        }
        using var registration = cancellationToken.Register(() => waiter.Completion.TrySetCanceled(cancellationToken));
        try
        {
            return await waiter.Completion.Task.ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    public Task<ResourceSnapshot> WaitForResourceAsync(string name, ResourceState state, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(name, s => s.State == state, cancellationToken);

    /// <summary>Completes when the resource is healthy; throws with its last log lines if it ends first.</summary>
    public async Task<ResourceSnapshot> WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default)
    {
        var snapshot = await WaitForResourceAsync(name, s => s.Health == HealthStatus.Healthy || s.IsTerminal, cancellationToken).ConfigureAwait(false);
        if (snapshot.Health != HealthStatus.Healthy)
        {
            throw new DistributedApplicationException(DescribeFailure(snapshot));
        }
        return snapshot;
    }

    internal string DescribeFailure(ResourceSnapshot snapshot)
    {
        var what = snapshot.Error ?? snapshot.State switch
        {
            ResourceState.Finished or ResourceState.Exited => $"'{snapshot.Name}' exited with code {snapshot.ExitCode}",
            _ => $"'{snapshot.Name}' is {snapshot.State}",
        };
        var lines = _logs(snapshot.Name).TakeLast(12).ToArray();
        return lines.Length == 0
            ? what + " (it wrote no log lines)."
            : $"{what}. Last lines of its log:{Environment.NewLine}{string.Join(Environment.NewLine, lines.Select(l => "    " + l))}";
    }

    private sealed record Waiter(string Name, Func<ResourceSnapshot, bool> Predicate, TaskCompletionSource<ResourceSnapshot> Completion);
}
