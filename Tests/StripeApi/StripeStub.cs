using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yapit.StripeApi;
using Yapit.StripeApi.Http;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.StripeApi;

/// <summary>One request as the stub received it.</summary>
/// <param name="Target">Path and query exactly as sent, e.g. <c>/v1/prices?lookup_keys[0]=a</c>.</param>
/// <param name="Query">The raw query string, without <c>?</c>.</param>
public sealed record RecordedRequest(string Method, string Target, string Path, string Query, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A stand-in for Stripe on a real local Kestrel server: records every request exactly as it arrived (raw query
/// string and body) and answers with what the test's handler writes.
/// </summary>
public sealed class StripeStub : IAsyncDisposable
{
    public const string SecretKey = "sk_test_51StubKeyNeverLogged";

    private readonly LocalHttpServer _server;
    private readonly List<HttpClient> _clients = [];

    private StripeStub(LocalHttpServer server, ConcurrentQueue<RecordedRequest> requests)
    {
        _server = server;
        Requests = requests;
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; }

    public Uri BaseAddress => _server.BaseAddress;

    /// <param name="respond">Writes the answer; gets the request and its 1-based number.</param>
    public static async Task<StripeStub> StartAsync(Func<HttpContext, RecordedRequest, int, Task> respond)
    {
        var requests = new ConcurrentQueue<RecordedRequest>();
        var count = 0;
        var server = await LocalHttpServer.StartAsync(app => app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
            var recorded = new RecordedRequest(context.Request.Method, target, context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : string.Empty, body, headers);
            requests.Enqueue(recorded);
            await respond(context, recorded, Interlocked.Increment(ref count));
        }));
        return new StripeStub(server, requests);
    }

    /// <summary>A stub that answers every request with one JSON body.</summary>
    public static Task<StripeStub> AnsweringAsync(string json, int status = 200) =>
        StartAsync((context, _, _) => Json(context, status, json));

    public static Task Json(HttpContext context, int status, string json, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    public StripeRequestPipeline Pipeline(Action<StripeClientOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new StripeClientOptions
        {
            SecretKey = SecretKey,
            ApiBase = BaseAddress,
            // Tests do not wait for real backoff.
            InitialNetworkRetryDelay = TimeSpan.FromMilliseconds(1),
            MaxNetworkRetryDelay = TimeSpan.FromMilliseconds(4),
        };
        configure?.Invoke(options);
        var http = new HttpClient();
        lock (_clients)
        {
            _clients.Add(http);
        }
        return new StripeRequestPipeline(http, options, time);
    }

    public StripeClient Client(Action<StripeClientOptions>? configure = null, TimeProvider? time = null) => new(Pipeline(configure, time));

    public RecordedRequest Single() => Assert.Single(Requests);

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }
        await _server.DisposeAsync();
    }
}

/// <summary>A clock that reads a fixed time, for signature tolerances.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Records every delay the pipeline asks for and lets it pass at once, so backoff is asserted without waiting.</summary>
public sealed class RecordingDelays : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Delays.Enqueue(dueTime);
        return base.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
