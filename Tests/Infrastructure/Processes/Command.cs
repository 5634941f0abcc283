namespace Yapit.Tests.Infrastructure.Processes;

/// <summary>Runs a short command to completion and collects its output.</summary>
internal static class Command
{
    public static async Task<(int ExitCode, IReadOnlyList<string> Output)> RunAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        var output = new List<string>();
        await using var process = ManagedProcess.Start(spec, (line, _) => { lock (output) { output.Add(line); } });
        using var registration = cancellationToken.Register(() => _ = process.StopAsync(Posix.SigTerm, TimeSpan.FromSeconds(2)));
        var exitCode = await process.Exited.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (output)
        {
            return (exitCode, output.ToArray());
        }
    }

    public static async Task RunCheckedAsync(ProcessSpec spec, string what, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(spec, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"{what} failed with exit code {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, output.TakeLast(15))}");
        }
    }
}
