using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Yapit.Billing.Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>One webhook POST as it arrived.</summary>
public sealed record ReceivedWebhook(byte[] Body, string? Signature, string? ContentType, string? UserAgent)
{
    public Stripe.Event Event => Stripe.EventUtility.ParseEvent(System.Text.Encoding.UTF8.GetString(Body));
}

/// <summary>
/// A real HTTP server that records the webhooks it receives and answers with the status <see cref="Respond"/>
/// chooses (200 unless told otherwise), so tests can make deliveries fail.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private LocalHttpServer? _server;

    /// <summary>The status to answer a webhook with, given how many came before it (0 for the first).</summary>
    public Func<ReceivedWebhook, int, int> Respond { get; set; } = (_, _) => StatusCodes.Status200OK;

    /// <summary>How long to take before answering, given how many came before (to make a delivery time out).</summary>
    public Func<int, TimeSpan> Latency { get; set; } = _ => TimeSpan.Zero;

    public Uri Url => new(_server!.BaseAddress, "/webhook");

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        receiver._server = await LocalHttpServer.StartAsync(app => app.MapPost("/webhook", receiver.HandleAsync));
        return receiver;
    }

    /// <summary>Waits (without polling) until the received webhooks satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitUntilAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        while (!done(Received))
        {
            try
            {
                await _arrived.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The expected webhooks did not arrive; received {Received.Count}: {string.Join(", ", Received.Select(r => r.Event.Type))}.");
            }
        }
        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _arrived.Dispose();
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var webhook = new ReceivedWebhook(body.ToArray(), request.Headers[WebhookSignature.HeaderName], request.ContentType, request.Headers.UserAgent);
        int status;
        int before;
        lock (_received)
        {
            before = _received.Count;
            status = Respond(webhook, before);
            _received.Enqueue(webhook);
        }
        _arrived.Release();
        if (Latency(before) is { } latency && latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, request.HttpContext.RequestAborted);
        }
        return Results.StatusCode(status);
    }
}
