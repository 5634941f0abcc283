using Microsoft.AspNetCore.Mvc;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Webhooks;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Operator;

/// <summary>
/// The emulator's own endpoints, under <c>/_emulator/</c> so they never collide with Stripe's API: health, the
/// listen secret, request counts, a reset, and the delivery log.
/// </summary>
public static class OperatorApi
{
    public static IEndpointRouteBuilder MapOperatorApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/_emulator");
        api.MapGet("/health", GetHealth);
        api.MapGet("/webhook-secret", GetWebhookSecret);
        api.MapGet("/stats", GetStats);
        api.MapPost("/stats/reset", ResetStats);
        api.MapPost("/reset", ResetStore);
        api.MapGet("/deliveries", GetDeliveries);
        return app;
    }

    public static IResult GetHealth() => TypedResults.Text("Healthy");

    public static IResult GetWebhookSecret(ListenSecret secret) => TypedResults.Text(secret.Value);

    public static IResult GetStats(RequestStats stats) =>
        TypedResults.Json(new { requests = stats.Snapshot() }, StoreSnapshot.JsonOptions);

    public static IResult ResetStats(RequestStats stats)
    {
        stats.Reset();
        return TypedResults.NoContent();
    }

    /// <summary>Empties the store, the idempotency keys and the delivery log; pending deliveries are dropped.</summary>
    public static IResult ResetStore(StripeStore store, IdempotencyCache idempotency, DeliveryLog deliveries)
    {
        store.Reset();
        idempotency.Clear();
        deliveries.Clear();
        return TypedResults.NoContent();
    }

    /// <summary>Every recorded attempt, oldest first; <c>?event_id=evt_...</c> narrows to one event.</summary>
    public static IResult GetDeliveries(DeliveryLog deliveries, [FromQuery(Name = "event_id")] string? eventId = null) =>
        TypedResults.Json(new { deliveries = deliveries.Snapshot().Where(d => eventId is null || d.EventId == eventId) }, StoreSnapshot.JsonOptions);
}
