using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Yapit.Tests.Orchestration;

/// <summary>
/// The real AppHost through Aspire's testing builder, with its own local state (a temporary data directory the
/// postgres user can reach), free ports, a throw-away Postgres (no fsync) and a short OTLP timeout so stops are quick.
/// </summary>
public static class AppHostFactory
{
    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync(string dataDirectory, ITestOutputHelper? output, params string[] more)
    {
        string[] args =
        [
            $"--DataDirectory={dataDirectory}",
            $"--Ports:Gateway={FreePort()}",
            $"--Ports:Worker={FreePort()}",
            $"--Ports:Stripe={FreePort()}",
            $"--Ports:Storefront={FreePort()}",
            "--Postgres:Durable=false",
            .. more,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, TestContext.Current.CancellationToken);
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // No dashboard in tests: an exporter that keeps retrying an absent collector would slow every stop.
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "500");
        }
        if (output is not null)
        {
            builder.Services.AddLogging(logging => logging.AddProvider(new OutputLoggerProvider(output)).AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning));
        }
        return builder;
    }

    /// <summary>A directory for one stack's local state, under /tmp so the postgres user reaches it when the tests run as root.</summary>
    public static string NewDataDirectory() => Path.Combine("/tmp", $"yapit-stack-{Guid.NewGuid():N}"[..24]);

    public static async Task<string> ResourceLogAsync(DistributedApplication app, string resource)
    {
        var lines = new List<string>();
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        // By the resource, which resolves to the orchestrator's name of its replica (e.g. gateway-abcd1234).
        var model = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var batch in loggers.GetAllAsync(model).WithCancellation(timeout.Token))
            {
                lines.AddRange(batch.Select(line => line.Content));
            }
        }
        catch (OperationCanceledException)
        {
        }
        return string.Join('\n', lines);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class OutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new OutputLogger(output, categoryName);

        public void Dispose()
        {
        }

        private sealed class OutputLogger(ITestOutputHelper output, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                try
                {
                    output.WriteLine($"{logLevel} {category}: {formatter(state, exception)}");
                }
                catch (InvalidOperationException)
                {
                    // The test has finished; its output is closed.
                }
            }
        }
    }
}
