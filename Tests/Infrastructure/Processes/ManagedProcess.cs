using System.Diagnostics;

namespace Yapit.Tests.Infrastructure.Processes;

/// <summary>
/// A child process whose output is read line by line and which is stopped gracefully (a chosen signal, then the
/// whole tree killed after a grace period), so nothing is left behind.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    /// <summary>setsid execs its program in a new session (same PID), so a terminal's Ctrl-C reaches only the AppHost,
    /// which then stops children in dependency order.</summary>
    private const string SetSid = "/usr/bin/setsid";

    private ManagedProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Completes with the exit code once the process has exited and its output has been read.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public static ManagedProcess Start(ProcessSpec spec, Action<string, bool> onLine)
    {
        var (fileName, arguments) = spec.NewSession && File.Exists(SetSid)
            ? (SetSid, (IReadOnlyList<string>)[spec.FileName, .. spec.Arguments])
            : (spec.FileName, spec.Arguments);
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (spec.Environment is not null)
        {
            info.Environment.Clear();
            foreach (var (key, value) in spec.Environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process);
        process.OutputDataReceived += (_, e) => managed.OnData(e.Data, isError: false, onLine);
        process.ErrorDataReceived += (_, e) => managed.OnData(e.Data, isError: true, onLine);
        process.Exited += (_, _) => _ = managed.CompleteWhenDrainedAsync();

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start '{spec.FileName}'.");
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    private void OnData(string? line, bool isError, Action<string, bool> onLine)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _outputDrained.TrySetResult();
            }
            return;
        }
        onLine(line, isError);
    }

    private async Task CompleteWhenDrainedAsync()
    {
        // The last lines often explain an exit; wait briefly for the pipes to close before reporting it.
        await Task.WhenAny(_outputDrained.Task, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _exited.TrySetResult(_process.ExitCode);
    }

    /// <summary>Sends <paramref name="signal"/>, waits up to <paramref name="grace"/>, then kills the whole process tree.</summary>
    public async Task StopAsync(int signal, TimeSpan grace)
    {
        if (HasExited)
        {
            return;
        }
        if (OperatingSystem.IsWindows() || !Posix.Signal(_process.Id, signal))
        {
            KillTree();
        }
        if (await Task.WhenAny(Exited, Task.Delay(grace)).ConfigureAwait(false) != Exited)
        {
            KillTree();
            await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(3))).ConfigureAwait(false);
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _process.Dispose();
    }
}

public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Start in a new session, out of reach of the terminal's signals.</summary>
    public bool NewSession { get; init; }

    /// <summary>The complete environment of the child; null inherits the parent's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}
