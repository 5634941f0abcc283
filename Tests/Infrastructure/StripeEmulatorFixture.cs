using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stripe;
using Yapit.Billing.Stripe;
using Yapit.StripeEmulator.Operator;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Webhooks;

namespace Yapit.Tests.Infrastructure;

/// <summary>How a test wants its emulator: the same things the command line and <c>Emulator:*</c> settings set.</summary>
public sealed record StripeEmulatorSettings
{
    /// <summary>Every event is also sent here, signed with <see cref="StripeEmulatorFixture.WebhookSecret"/>.</summary>
    public Uri? ForwardTo { get; init; }

    public double ChaosRate { get; init; }
    public TimeSpan ChaosMaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Fast by default, so retries finish within a test.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Keeps the state in this directory (as <c>--state-dir</c>); none keeps it in memory.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>A fixed listen secret instead of a generated one.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>The emulator's clock (events older than 30 days disappear from it).</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Any other configuration, by key.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// The Stripe emulator running in-process on real Kestrel and a free port. Use it as a class fixture (default
/// settings, <see cref="ResetAsync"/> between tests) or start one with <see cref="StartAsync"/> for particular
/// settings (forward-to, chaos, retry timing, a state directory).
/// </summary>
public sealed class StripeEmulatorFixture : IAsyncLifetime
{
    public const string TestSecretKey = "sk_test_yapit_emulator_fixture";

    private readonly EmulatorFactory _factory;
    private HttpClient? _operator;

    public StripeEmulatorFixture() : this(new StripeEmulatorSettings())
    {
    }

    private StripeEmulatorFixture(StripeEmulatorSettings settings)
    {
        Settings = settings;
        _factory = new EmulatorFactory(settings);
    }

    public StripeEmulatorSettings Settings { get; }

    public Uri BaseAddress => _factory.Address;

    /// <summary>The listen secret: what signs deliveries to the forward-to URL.</summary>
    public string WebhookSecret => _factory.Services.GetRequiredService<ListenSecret>().Value;

    /// <summary>The running emulator's services, for what no HTTP endpoint offers (seeding objects of later resources).</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>Where every event is forwarded; can change while the emulator runs (e.g. once a gateway has its port).</summary>
    public Uri? ForwardTo
    {
        get => Services.GetRequiredService<ForwardTarget>().Url;
        set => Services.GetRequiredService<ForwardTarget>().Url = value;
    }

    public static async Task<StripeEmulatorFixture> StartAsync(StripeEmulatorSettings? settings = null)
    {
        var fixture = new StripeEmulatorFixture(settings ?? new StripeEmulatorSettings());
        await fixture.InitializeAsync();
        return fixture;
    }

    public ValueTask InitializeAsync()
    {
        _factory.Start();
        _operator = NewHttpClient();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Stripe.net, built as the services build it (<see cref="StripeRegistration.CreateClient"/>), pointed at the emulator
    /// with a test key; no retries unless asked, so failures show at once.
    /// </summary>
    public StripeClient CreateClient(int maxNetworkRetries = 0, string secretKey = TestSecretKey, HttpMessageHandler? handler = null) =>
        StripeRegistration.CreateClient(
            new StripeSettings { SecretKey = secretKey, ApiBase = BaseAddress, MaxNetworkRetries = maxNetworkRetries },
            handler is null ? new HttpClient(new SocketsHttpHandler { UseProxy = false }) : new HttpClient(handler, disposeHandler: false));

    /// <summary>A raw HTTP client for the emulator, with the test key as Bearer unless <paramref name="authenticated"/> is false.</summary>
    public HttpClient CreateHttpClient(bool authenticated = true)
    {
        var client = NewHttpClient();
        if (authenticated)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestSecretKey);
        }
        return client;
    }

    /// <summary>Empties the store (objects, events, idempotency keys, deliveries); the secret stays.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Operator.PostAsync("/_emulator/reset", null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<EmulatorStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        await Operator.GetFromJsonAsync<EmulatorStats>("/_emulator/stats", StoreSnapshot.JsonOptions, cancellationToken)
        ?? throw new InvalidOperationException("The emulator returned no stats.");

    public async Task ResetStatsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Operator.PostAsync("/_emulator/stats/reset", null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Every delivery attempt so far, oldest first (of one event when <paramref name="eventId"/> is given).</summary>
    public async Task<IReadOnlyList<DeliveryAttempt>> GetDeliveriesAsync(string? eventId = null, CancellationToken cancellationToken = default)
    {
        var path = eventId is null ? "/_emulator/deliveries" : $"/_emulator/deliveries?event_id={Uri.EscapeDataString(eventId)}";
        var body = await Operator.GetFromJsonAsync<EmulatorDeliveries>(path, StoreSnapshot.JsonOptions, cancellationToken);
        return body?.Deliveries ?? [];
    }

    /// <summary>Polls the delivery log until <paramref name="done"/> holds (deliveries are asynchronous by design).</summary>
    public async Task<IReadOnlyList<DeliveryAttempt>> WaitForDeliveriesAsync(
        Func<IReadOnlyList<DeliveryAttempt>, bool> done, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var deliveries = await GetDeliveriesAsync(cancellationToken: limit.Token);
            if (done(deliveries))
            {
                return deliveries;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The expected deliveries did not happen; the log holds {deliveries.Count}: " +
                    string.Join("; ", deliveries.Select(d => $"{d.EventType} -> {d.Target} #{d.Attempt} {d.Status?.ToString(CultureInfo.InvariantCulture) ?? d.Error}")));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _operator?.Dispose();
        await _factory.DisposeAsync();
    }

    private HttpClient Operator => _operator ?? throw new InvalidOperationException("The emulator has not been started.");

    private HttpClient NewHttpClient() => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseAddress };

    private sealed record EmulatorDeliveries(List<DeliveryAttempt> Deliveries);

    /// <summary>Runs the emulator's real Program, configured through settings as the command line would.</summary>
    private sealed class EmulatorFactory(StripeEmulatorSettings settings) : WebApplicationFactory<Yapit.StripeEmulator.TestingEntryPoint>
    {
        private Uri? _address;

        public Uri Address => _address ?? throw new InvalidOperationException("The emulator has not been started.");

        public void Start()
        {
            UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            StartServer();
            _address = new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var values = new Dictionary<string, string?>(settings.Settings)
            {
                ["Emulator:ForwardTo"] = settings.ForwardTo?.ToString(),
                ["Emulator:StateDirectory"] = settings.StateDirectory,
                ["Emulator:WebhookSecret"] = settings.WebhookSecret,
                ["Emulator:Chaos:Rate"] = settings.ChaosRate.ToString(CultureInfo.InvariantCulture),
                ["Emulator:Chaos:MaxDelay"] = settings.ChaosMaxDelay.ToString("c", CultureInfo.InvariantCulture),
                ["Emulator:Delivery:RetryBaseDelay"] = settings.RetryBaseDelay.ToString("c", CultureInfo.InvariantCulture),
                ["Emulator:Delivery:MaxRetryDelay"] = settings.MaxRetryDelay.ToString("c", CultureInfo.InvariantCulture),
                ["Emulator:Delivery:MaxAttempts"] = settings.MaxAttempts.ToString(CultureInfo.InvariantCulture),
                ["Emulator:Delivery:Timeout"] = settings.DeliveryTimeout.ToString("c", CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in values)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (settings.Clock is { } clock)
            {
                builder.ConfigureTestServices(services => services.AddSingleton(clock));
            }
        }
    }
}

/// <summary><c>GET /_emulator/stats</c>: Stripe API calls by method and route template.</summary>
public sealed record EmulatorStats(IReadOnlyList<RequestStats.Entry> Requests)
{
    /// <summary>How many <paramref name="method"/> requests went to <paramref name="path"/> (a template such as <c>/v1/prices/{id}</c>).</summary>
    public long Count(string method, string path) =>
        Requests.Where(r => r.Method == method && r.Path == path).Sum(r => r.Count);

    public long Total => Requests.Sum(r => r.Count);
}
