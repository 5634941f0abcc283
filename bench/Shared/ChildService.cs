using System.Collections;
using Yapit.Tests.Infrastructure.Processes;

namespace Yapit.Bench.Shared;

/// <summary>
/// A built service (<c>dotnet Yapit.X.dll</c>) run as its own process, as in the stack: its CPU is its own and
/// measurable, and it shares nothing in-process with the load generator. Ready once a probe URL answers 2xx.
/// </summary>
public sealed class ChildService : IAsyncDisposable
{
    private readonly ManagedProcess _process;
    private readonly Queue<string> _recentLog = new();

    private ChildService(string name, ManagedProcess process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public static async Task<ChildService> StartAsync(
        string name, string assemblyPath, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment,
        Uri readinessProbe, CancellationToken cancellationToken)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new InvalidOperationException($"{name}: '{assemblyPath}' does not exist; build it first (dotnet build the bench project builds it).");
        }
        // The parent's environment plus ours, like the AppHost gives its resources.
        var merged = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        foreach (var (key, value) in environment)
        {
            merged[key] = value;
        }
        var spec = new ProcessSpec("dotnet", [assemblyPath, .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(assemblyPath),
            Environment = merged,
            NewSession = true,
        };
        ChildService? service = null;
        var process = ManagedProcess.Start(spec, (line, _) => service?.Remember(line));
        service = new ChildService(name, process);
        await service.WaitUntilReadyAsync(readinessProbe, cancellationToken).ConfigureAwait(false);
        return service;
    }

    public IReadOnlyList<string> RecentLog()
    {
        lock (_recentLog)
        {
            return _recentLog.ToArray();
        }
    }

    public async ValueTask DisposeAsync() => await _process.DisposeAsync().ConfigureAwait(false);

    private void Remember(string line)
    {
        lock (_recentLog)
        {
            _recentLog.Enqueue(line);
            while (_recentLog.Count > 100)
            {
                _recentLog.Dequeue();
            }
        }
    }

    private async Task WaitUntilReadyAsync(Uri probe, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{Name} exited with code {await _process.Exited.ConfigureAwait(false)} during start-up:{Environment.NewLine}{string.Join(Environment.NewLine, RecentLog().TakeLast(20))}");
            }
            try
            {
                using var response = await http.GetAsync(probe, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Name} did not answer {probe} within 60 s:{Environment.NewLine}{string.Join(Environment.NewLine, RecentLog().TakeLast(20))}");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }
}
