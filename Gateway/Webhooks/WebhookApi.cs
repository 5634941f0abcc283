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
            .WithTags("Stripe webhooks")
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

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(context.Request, settings.MaxBodyBytes, cancellationToken);
        }
        catch (BadHttpRequestException error)
        {
            // A body shorter than its Content-Length, or one that stalled below Kestrel's minimum data rate: 400 or 408.
            logger.LogWarning("Refused a webhook whose body could not be read ({StatusCode})", error.StatusCode);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.BadRequest, reason: error.StatusCode == StatusCodes.Status408RequestTimeout ? "body_timeout" : "body_incomplete");
            return TypedResults.StatusCode(error.StatusCode);
        }
        catch (IOException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The connection failed mid-body: nothing was stored, and whoever sent it will send it again.
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.BadRequest, reason: "body_incomplete");
            return TypedResults.BadRequest();
        }
        if (body is null)
        {
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.TooLarge, reason: "body_too_large");
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        if (settings.WebhookSecrets.Count == 0)
        {
            // Without a secret nothing can be verified; 503 makes Stripe retry once it is configured.
            logger.LogError("A webhook arrived but no webhook secret is configured (Stripe__WebhookSecrets__0)");
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.Unavailable, reason: "no_secret");
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

        if (!WebhookEnvelope.TryRead(body, out var envelope, out var invalid))
        {
            // Signed by Stripe's secret but never storable: 400 makes Stripe stop retrying. The reason stays here.
            logger.LogWarning("Refused a signed webhook whose envelope is invalid: {Member}", invalid);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.InvalidPayload, reason: invalid);
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
        catch (InboxRowRejectedException error)
        {
            // Postgres refused this row itself (a value its types cannot hold): no retry will change that.
            logger.LogWarning("Refused Stripe event {EventId} ({EventType}): the inbox cannot store it (SQLSTATE {SqlState})", envelope.Id, envelope.Type, error.SqlState);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.InvalidPayload, envelope.Type, reason: "row_rejected");
            return TypedResults.BadRequest();
        }
        catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Not known to be stored, so not acknowledged: Stripe delivers it again, and the redelivery is a
            // duplicate if the row did commit. Whatever failed (Postgres down, a timeout, a connection out of step),
            // the answer is 503, never 500.
            logger.LogError(error, "Could not store Stripe event {EventId} ({EventType}); answering 503 so Stripe retries", envelope.Id, envelope.Type);
            WebhookTelemetry.Count(WebhookTelemetry.Outcomes.Unavailable, envelope.Type, reason: error is NpgsqlException or TimeoutException or SocketException ? "database" : "unexpected");
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
}

public sealed record WebhookReceipt(string Status);
