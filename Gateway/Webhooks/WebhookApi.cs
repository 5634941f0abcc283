using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Yapit.Billing.Inbox;
using Yapit.Billing.Stripe;

namespace Yapit.Gateway.Webhooks;

/// <summary>
/// Stripe's webhook endpoint. Verifies the signature over the raw body against every configured secret, stores the
/// event in the inbox, and answers 2xx only once the row is committed: an event Stripe was told was received is never
/// lost. Processing happens later, in the worker. No authentication but the signature, and no rate limit.
/// </summary>
public static class WebhookApi
{
    public const string Path = "/v1/billing/webhook";

    public static IEndpointRouteBuilder MapWebhookApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, ReceiveAsync)
            .WithName("ReceiveStripeWebhook")
            .WithSummary("Stripe's webhook endpoint: verify, store durably, acknowledge.")
            .Produces<WebhookReceipt>(StatusCodes.Status200OK, "application/json")
            .DisableAntiforgery();
        return app;
    }

    public static async Task<IResult> ReceiveAsync(
        HttpContext context,
        WebhookInboxWriter writer,
        IOptions<WebhookIntakeOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var logger = loggers.CreateLogger(typeof(WebhookApi));

        var body = await ReadBodyAsync(context.Request, settings.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.TooLarge);
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        if (settings.WebhookSecrets.Count == 0)
        {
            // Without a secret nothing can be verified; 503 makes Stripe retry once it is configured.
            logger.LogError("A webhook arrived but no webhook secret is configured (Stripe__WebhookSecrets__0)");
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.Unavailable);
            return TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        try
        {
            WebhookSignature.Verify(body, context.Request.Headers[WebhookSignature.HeaderName], settings.WebhookSecrets, time, settings.WebhookTolerance);
        }
        catch (WebhookSignatureException failure)
        {
            // The reason goes to the log, never to the caller.
            logger.LogWarning("Refused a webhook: {Failure}", failure.Failure);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.InvalidSignature);
            return TypedResults.BadRequest();
        }

        if (!TryReadEnvelope(body, out var envelope))
        {
            logger.LogWarning("Refused a signed webhook whose body is not a Stripe event");
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.InvalidPayload);
            return TypedResults.BadRequest();
        }
        Activity.Current?.SetTag("stripe.event_id", envelope.Id);
        Activity.Current?.SetTag("stripe.event_type", envelope.Type);

        if (ExpectedLivemode(settings) is { } livemode && envelope.Livemode != livemode)
        {
            logger.LogWarning("Ignored event {EventId} ({EventType}): livemode {Livemode} does not match this deployment's key", envelope.Id, envelope.Type, envelope.Livemode);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.Ignored, envelope.Type);
            return Receipt(IgnoredReceipt);
        }

        var activity = Activity.Current;
        var incoming = new IncomingEvent(
            envelope.Id, envelope.Type, envelope.ApiVersion, envelope.Livemode, envelope.Created, envelope.ObjectId, envelope.ObjectType,
            Encoding.UTF8.GetString(body),
            activity?.Id ?? context.Request.Headers["traceparent"].FirstOrDefault(),
            activity?.TraceStateString ?? context.Request.Headers["tracestate"].FirstOrDefault());
        try
        {
            var inserted = await writer.InsertAsync(incoming, cancellationToken);
            WebhookTelemetry.Count(inserted ? WebhookTelemetry.Outcomes.Accepted : WebhookTelemetry.Outcomes.Duplicate, envelope.Type);
            logger.LogDebug("Stripe event {EventId} ({EventType}, {ObjectId}) {Outcome}", envelope.Id, envelope.Type, envelope.ObjectId, inserted ? "stored" : "already stored");
            return Receipt(inserted ? AcceptedReceipt : DuplicateReceipt);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or SocketException && !cancellationToken.IsCancellationRequested)
        {
            // Not stored, so not acknowledged: Stripe delivers it again.
            logger.LogError(error, "Could not store Stripe event {EventId} ({EventType}); answering 503 so Stripe retries", envelope.Id, envelope.Type);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.Unavailable, envelope.Type);
            return TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
    }

    // The answers, serialised once. With a Content-Length the answer leaves in one write; a JSON result is sent
    // chunked, its last chunk in a second write, which costs the sender a second read (and often a wake-up).
    private static readonly byte[] AcceptedReceipt = JsonSerializer.SerializeToUtf8Bytes(new WebhookReceipt("accepted"), JsonSerializerOptions.Web);
    private static readonly byte[] DuplicateReceipt = JsonSerializer.SerializeToUtf8Bytes(new WebhookReceipt("duplicate"), JsonSerializerOptions.Web);
    private static readonly byte[] IgnoredReceipt = JsonSerializer.SerializeToUtf8Bytes(new WebhookReceipt("ignored"), JsonSerializerOptions.Web);

    private static IResult Receipt(byte[] json) => TypedResults.Text(json, "application/json; charset=utf-8");

    /// <summary>The raw body, or null when it is larger than the limit (checked before and while reading).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 8192);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool? ExpectedLivemode(WebhookIntakeOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.SecretKey))
        {
            return null;
        }
        try
        {
            return StripeKeys.ModeOf(settings.SecretKey) == StripeMode.Live;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private sealed record Envelope(string Id, string Type, string? ApiVersion, bool Livemode, DateTimeOffset Created, string? ObjectId, string? ObjectType);

    /// <summary>Only what the inbox row needs; the payload is kept whole for the worker.</summary>
    private static bool TryReadEnvelope(byte[] body, out Envelope envelope)
    {
        envelope = null!;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id", out var id) || id.GetString() is not { Length: > 0 } eventId
                || !root.TryGetProperty("type", out var type) || type.GetString() is not { Length: > 0 } eventType
                || !root.TryGetProperty("created", out var created) || !created.TryGetInt64(out var createdSeconds))
            {
                return false;
            }
            string? objectId = null;
            string? objectType = null;
            if (root.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var obj) && obj.ValueKind == JsonValueKind.Object)
            {
                objectId = obj.TryGetProperty("id", out var oid) ? oid.GetString() : null;
                objectType = obj.TryGetProperty("object", out var otype) ? otype.GetString() : null;
            }
            envelope = new Envelope(
                eventId,
                eventType,
                root.TryGetProperty("api_version", out var version) ? version.GetString() : null,
                root.TryGetProperty("livemode", out var live) && live.ValueKind == JsonValueKind.True,
                DateTimeOffset.FromUnixTimeSeconds(createdSeconds),
                objectId,
                objectType);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

public sealed record WebhookReceipt(string Status);
