using System.Text.Json;
using Microsoft.Extensions.Options;
using Yapit.StripeEmulator.Hosting;

namespace Yapit.StripeEmulator.Store;

/// <summary>
/// Keeps the store in <c>&lt;state dir&gt;/state.json</c>: loaded on start, written after changes (coalesced) and
/// on shutdown. Each write goes to a temporary file that replaces the old one, so a crash never leaves half a
/// file. The file holds webhook secrets, so only its owner may read it.
/// </summary>
public sealed partial class StatePersistence(StripeStore store, IOptions<EmulatorOptions> options, ILogger<StatePersistence> logger) : BackgroundService
{
    public const string FileName = "state.json";

    /// <summary>Changes within this window are written together.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(100);

    private readonly string? _path = StatePath(options.Value);
    // Never disposed: a write may still hold it while the host disposes its services.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _stopGate = new();
    private Task? _finalSave;

    public static string? StatePath(EmulatorOptions options) =>
        options.StateDirectory is { Length: > 0 } directory ? Path.Combine(Path.GetFullPath(directory), FileName) : null;

    /// <summary>The saved state, or null when there is none yet. A file that cannot be read stops the start, naming it.</summary>
    public static StoreSnapshot? Load(EmulatorOptions options)
    {
        if (StatePath(options) is not { } path || !File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<StoreSnapshot>(File.ReadAllBytes(path), StoreSnapshot.JsonOptions)
                ?? throw new InvalidDataException("the file holds null");
        }
        catch (Exception error) when (error is JsonException or InvalidDataException or IOException)
        {
            throw new InvalidDataException(
                $"The emulator's state file '{path}' could not be read ({error.Message}). Move it away or delete it to start empty.", error);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_path is null)
        {
            return;
        }
        await SaveAsync(CancellationToken.None).ConfigureAwait(false); // the listen secret exists from the start
        try
        {
            while (await store.Changes.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(Coalesce, store.Time, stoppingToken).ConfigureAwait(false);
                store.Changes.TryRead(out _);
                await SaveAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes the state a last time. Hosts may call this more than once; every call waits for the one write.</summary>
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
        {
            return _finalSave ??= FinalSaveAsync(cancellationToken);
        }
    }

    /// <summary>A host may dispose its services while a stop is still running; the last write finishes first.</summary>
    public override void Dispose()
    {
        Task? finalSave;
        lock (_stopGate)
        {
            finalSave = _finalSave;
        }
        finalSave?.Wait(TimeSpan.FromSeconds(10));
        base.Dispose();
    }

    private async Task FinalSaveAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_path is not null)
        {
            await SaveAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        var path = _path!;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var directory = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(directory))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
            var temporary = path + ".tmp";
            var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            var stream = new FileStream(temporary, file);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(store.Snapshot(), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(logger, path, error.Message);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save the emulator's state to {Path}: {Reason}")]
    private static partial void LogSaveFailed(ILogger logger, string path, string reason);
}
