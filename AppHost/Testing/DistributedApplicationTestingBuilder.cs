using Yapit.AppHost.Hosting;

namespace Yapit.AppHost.Testing;

/// <summary>
/// Builds the same composition as <c>dotnet run --project AppHost</c>, set up for a test like Aspire's
/// DistributedApplicationTestingBuilder: random ports, a throw-away data directory, no start-up table, child logs
/// sent where the test wants them. Disposing the application stops every resource and deletes the directory.
/// </summary>
public sealed class DistributedApplicationTestingBuilder
{
    private readonly string _dataDirectory;

    private DistributedApplicationTestingBuilder(Action<string>? log)
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), $"yapit-stack-{Guid.NewGuid():N}");
        Hosting = new DistributedApplicationOptions
        {
            RandomizePorts = true,
            LogSink = new CallbackLogSink(log ?? (_ => { })),
            StartupTimeout = TimeSpan.FromMinutes(2),
        };
        Hosting.ExcludedEnvironment.Add("ConnectionStrings__billingdb");
        Options = new AppHostOptions
        {
            DataDirectory = _dataDirectory,
            DurablePostgres = false,
            ExternalConnectionString = null,
        };
    }

    /// <summary>The AppHost options the composition is built from; change them before <see cref="Build"/>.</summary>
    public AppHostOptions Options { get; }

    public DistributedApplicationOptions Hosting { get; }

    public static DistributedApplicationTestingBuilder Create(Action<string>? log = null) => new(log);

    /// <summary>What the composition generated (the admin key), once <see cref="Build"/> ran.</summary>
    public YapitStack.Generated? Generated { get; private set; }

    public DistributedApplication Build()
    {
        var builder = new DistributedApplicationBuilder(Hosting);
        Generated = YapitStack.Compose(builder, Options);
        var app = builder.Build();
        app.OnDisposed(() =>
        {
            try
            {
                if (Directory.Exists(_dataDirectory))
                {
                    Directory.Delete(_dataDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
                // A file still held open; the OS cleans the temp directory eventually.
            }
            return ValueTask.CompletedTask;
        });
        return app;
    }
}
