using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Yapit.AppHost.Hosting;
using Yapit.AppHost.Hosting.Postgres;

namespace Yapit.AppHost;

/// <summary>Runs the stack in the foreground until Ctrl-C or SIGTERM, then stops everything.</summary>
public static class AppHostRunner
{
    public static async Task<int> RunAsync(AppHostOptions options, DistributedApplicationOptions hosting)
    {
        options.DataDirectory = UsableDataDirectory(options.DataDirectory);
        if (options.Fresh)
        {
            await ResetLocalStateAsync(options.DataDirectory).ConfigureAwait(false);
        }

        var builder = new DistributedApplicationBuilder(hosting);
        DistributedApplication app;
        YapitStack.Generated generated;
        try
        {
            generated = YapitStack.Compose(builder, options);
            app = builder.Build();
        }
        catch (DistributedApplicationException error)
        {
            await Console.Error.WriteLineAsync($"apphost: {error.Message}").ConfigureAwait(false);
            return 1;
        }

        var shutdown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we stop the children ourselves, in order
            shutdown.TrySetResult();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        await using (app.ConfigureAwait(false))
        {
            Console.WriteLine($"Starting the Yapit billing stack ({string.Join(", ", app.Resources.Select(r => r.Name))}). Ctrl+C stops it.");
            using var startCancelled = new CancellationTokenSource();
            _ = shutdown.Task.ContinueWith(_ => startCancelled.Cancel(), TaskScheduler.Default);
            try
            {
                await app.StartAsync(startCancelled.Token).ConfigureAwait(false);
            }
            catch (DistributedApplicationException error)
            {
                await Console.Error.WriteLineAsync($"{Environment.NewLine}apphost: the stack did not start: {error.Message}").ConfigureAwait(false);
                await StopAsync(app).ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException)
            {
                await StopAsync(app).ConfigureAwait(false);
                return 130;
            }

            Console.WriteLine(StartupTable.Render(app,
            [
                ("Admin API", $"Authorization: Bearer {generated.AdminApiKey}  (e.g. GET {app.GetEndpoint("gateway")}v1/admin/events?status=dead)"),
            ]));
            await shutdown.Task.ConfigureAwait(false);
            await StopAsync(app).ConfigureAwait(false);
        }
        return 0;
    }

    private static async Task StopAsync(DistributedApplication app)
    {
        Console.WriteLine("Stopping...");
        await app.StopAsync().ConfigureAwait(false);
        Console.WriteLine("Stopped.");
    }

    /// <summary>
    /// As root, Postgres runs as the postgres user, who must be able to reach the data directory. A checkout under
    /// /root is not reachable, so local state then goes to /var/tmp (stable per checkout).
    /// </summary>
    private static string UsableDataDirectory(string requested)
    {
        if (!Hosting.Processes.Posix.IsRoot || LocalPostgresServer.FirstUntraversableAncestor(Path.Combine(requested, "postgres")) is null)
        {
            return requested;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requested)))[..8];
        var fallback = $"/var/tmp/yapit-{hash}";
        Console.WriteLine($"apphost: '{requested}' is not reachable by the postgres user; keeping local state in {fallback}");
        return fallback;
    }

    /// <summary>--fresh: removes only what the AppHost itself keeps there.</summary>
    private static async Task ResetLocalStateAsync(string dataDirectory)
    {
        var cluster = Path.Combine(dataDirectory, "postgres");
        await LocalPostgresServer.StopStaleServerAsync(cluster, Console.WriteLine, CancellationToken.None).ConfigureAwait(false);
        foreach (var directory in new[] { cluster, Path.Combine(dataDirectory, "stripe") })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        foreach (var file in new[] { cluster + ".password", Path.Combine(dataDirectory, "parameters.json") })
        {
            File.Delete(file);
        }
        Console.WriteLine($"apphost: --fresh: removed the local state in {dataDirectory}");
    }
}
