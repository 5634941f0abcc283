using Stripe;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Yapit.Billing.Stripe;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Infrastructure.Processes;
using File = System.IO.File;

namespace Yapit.Tests.Emulator;

/// <summary>The emulator as a real process, started the way the AppHost starts it: command line, ready line, stop.</summary>
[Trait("Category", "Integration")]
public sealed partial class EmulatorProcessTests : IDisposable
{
    private const int SigTerm = 15;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), $"yapit-emulator-process-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task The_process_prints_one_ready_line_forwards_events_and_keeps_its_secret_across_restarts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = FreePort();

        string firstSecret;
        await using (var first = await EmulatorProcess.StartAsync(port, "--state-dir", _stateDirectory, "--forward-to", receiver.Url.ToString()))
        {
            firstSecret = first.Secret;
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            Assert.Equal(firstSecret, await http.GetStringAsync($"http://127.0.0.1:{port}/_emulator/webhook-secret", _ct));

            var stripe = StripeRegistration.CreateClient(new StripeSettings { SecretKey = "sk_test_process", ApiBase = new Uri($"http://127.0.0.1:{port}"), MaxNetworkRetries = 0 }, new HttpClient());
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "from_process", Name = "From a process" }, cancellationToken: _ct);
            var forwarded = Assert.Single(await receiver.WaitUntilAsync(r => r.Count >= 1));
            WebhookSignature.Verify(forwarded.Body, forwarded.Signature, [firstSecret]);

            Assert.Equal(0, await first.StopAsync());
            Assert.Single(first.Lines, line => line.StartsWith("Ready!", StringComparison.Ordinal));
        }

        await using var second = await EmulatorProcess.StartAsync(port, "--state-dir", _stateDirectory);
        Assert.Equal(firstSecret, second.Secret);
        var again = StripeRegistration.CreateClient(new StripeSettings { SecretKey = "sk_test_process", ApiBase = new Uri($"http://127.0.0.1:{port}"), MaxNetworkRetries = 0 }, new HttpClient());
        Assert.Equal("From a process", (await again.V1.Products.GetAsync("from_process", cancellationToken: _ct)).Name);
    }

    [Fact]
    public async Task A_bad_option_value_stops_the_start_with_a_message_naming_the_option()
    {
        var lines = new ConcurrentQueue<string>();
        await using var process = ManagedProcess.Start(EmulatorProcess.Spec(FreePort(), "--chaos", "2"), (line, _) => lines.Enqueue(line));

        var exitCode = await process.Exited.WaitAsync(TimeSpan.FromSeconds(30), _ct);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(lines, line => line.Contains("--chaos (Emulator:Chaos:Rate) must be between 0 and 1", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("Ready!", StringComparison.Ordinal));
    }

    // A process, not the in-process fixture: WebApplicationFactory may lose a failed start's exception to a race
    // with the host's disposal, and a user meets this error as a process exit anyway.
    [Fact]
    public async Task A_corrupt_state_file_stops_the_start_naming_the_file_and_leaves_it_alone()
    {
        Directory.CreateDirectory(_stateDirectory);
        var file = Path.Combine(_stateDirectory, "state.json");
        await File.WriteAllTextAsync(file, "{ not json", _ct);
        var lines = new ConcurrentQueue<string>();
        await using var process = ManagedProcess.Start(EmulatorProcess.Spec(FreePort(), "--state-dir", _stateDirectory), (line, _) => lines.Enqueue(line));

        var exitCode = await process.Exited.WaitAsync(TimeSpan.FromSeconds(30), _ct);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(lines, line => line.Contains($"The emulator's state file '{file}' could not be read", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("Ready!", StringComparison.Ordinal));
        Assert.Equal("{ not json", await File.ReadAllTextAsync(file, _ct));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^Ready! Your webhook signing secret is (whsec_[A-Za-z0-9]{32}) \(\^C to quit\)$")]
    private static partial Regex ReadyLine();

    /// <summary>The built emulator, run as <c>dotnet Yapit.StripeEmulator.dll --urls ...</c> in its project directory.</summary>
    private sealed class EmulatorProcess : IAsyncDisposable
    {
        private readonly ManagedProcess _process;
        private readonly ConcurrentQueue<string> _lines;

        private EmulatorProcess(ManagedProcess process, ConcurrentQueue<string> lines, string secret)
        {
            _process = process;
            _lines = lines;
            Secret = secret;
        }

        public string Secret { get; }

        public IReadOnlyList<string> Lines => [.. _lines];

        public static ProcessSpec Spec(int port, params string[] args)
        {
            var project = ProjectMetadata.For("StripeEmulator");
            return new ProcessSpec(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [project.AssemblyPath, "--urls", $"http://127.0.0.1:{port}", .. args])
            {
                WorkingDirectory = project.ProjectDirectory,
            };
        }

        public static async Task<EmulatorProcess> StartAsync(int port, params string[] args)
        {
            var lines = new ConcurrentQueue<string>();
            var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = ManagedProcess.Start(Spec(port, args), (line, _) =>
            {
                lines.Enqueue(line);
                if (ReadyLine().Match(line) is { Success: true } match)
                {
                    ready.TrySetResult(match.Groups[1].Value);
                }
            });
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var first = await Task.WhenAny(ready.Task, process.Exited, Task.Delay(Timeout.Infinite, timeout.Token));
            if (first != ready.Task)
            {
                await process.DisposeAsync();
                throw new InvalidOperationException($"The emulator did not print its ready line:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
            }
            return new EmulatorProcess(process, lines, await ready.Task);
        }

        /// <summary>SIGTERM, as the AppHost stops it; returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            await _process.StopAsync(SigTerm, TimeSpan.FromSeconds(10));
            return await _process.Exited;
        }

        public ValueTask DisposeAsync() => _process.DisposeAsync();
    }
}
