using System.Text.Json;
using Stripe;
using Yapit.BillingWorker.Inbox;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// Reads a stored webhook payload as a Stripe.net <see cref="Event"/> with a typed <c>data.object</c>. An event
/// written for an API version of another release train than the one Stripe.net pins has another shape: it is read
/// only for handlers that need nothing version-specific, and otherwise refused with a
/// <see cref="PermanentEventFailureException"/> that says how to fix the endpoint.
/// </summary>
public static class StripeEventReader
{
    /// <summary>The API version Stripe.net 53.1.0 pins and sends; webhook endpoints are created with it.</summary>
    public static string PinnedApiVersion => StripeConfiguration.ApiVersion;

    public static Event Read(string payload, IStripeEventHandler handler)
    {
        Event stripeEvent;
        try
        {
            // The version is checked below, per handler; Stripe.net's own check would refuse every other version.
            stripeEvent = EventUtility.ParseEvent(payload, throwOnApiVersionMismatch: false);
        }
        catch (Exception error) when (error is JsonException or Newtonsoft.Json.JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            var (id, type, version) = Envelope(payload);
            if (version is not null && !IsCompatible(version))
            {
                throw new PermanentEventFailureException(VersionMismatch(id, type, version), error);
            }
            throw new PermanentEventFailureException($"The stored payload of event {id ?? "(no id)"} cannot be read as a Stripe event: {error.Message}", error);
        }
        if (stripeEvent is null)
        {
            throw new PermanentEventFailureException("The stored payload is JSON null, not a Stripe event.");
        }
        if (!IsCompatible(stripeEvent.ApiVersion) && !handler.ReadsAnyApiVersion)
        {
            throw new PermanentEventFailureException(VersionMismatch(stripeEvent.Id, stripeEvent.Type, stripeEvent.ApiVersion));
        }
        return stripeEvent;
    }

    /// <summary>
    /// Within one release train (the part after the dot: <c>endive</c>) Stripe makes no breaking changes, so those
    /// versions share the pinned shape; an event without a version is taken as the account default, unknown, so refused.
    /// </summary>
    public static bool IsCompatible(string? eventApiVersion)
    {
        if (string.IsNullOrEmpty(eventApiVersion))
        {
            return false;
        }
        if (eventApiVersion == PinnedApiVersion)
        {
            return true;
        }
        var train = Train(eventApiVersion);
        return train is not null && train == Train(PinnedApiVersion);
    }

    public static string VersionMismatch(string? eventId, string? eventType, string? eventApiVersion) =>
        $"Event {eventId ?? "(no id)"} ({eventType ?? "unknown type"}) was written for Stripe API version {eventApiVersion ?? "(none)"}, " +
        $"but this service reads {PinnedApiVersion}, and its handler cannot read another version's shape. Fix the webhook endpoint: " +
        $"create one with api_version {PinnedApiVersion} (stripe-setup apply does so for the catalog's endpoints; an endpoint's version " +
        "cannot be changed in place), deploy its signing secret as Stripe__WebhookSecrets__N, delete the old endpoint, then replay " +
        $"this event (POST /v1/admin/events/{eventId}/replay).";

    private static string? Train(string version)
    {
        var dot = version.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 || dot == version.Length - 1 ? null : version[(dot + 1)..];
    }

    private static (string? Id, string? Type, string? ApiVersion) Envelope(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, null);
            }
            return (String(root, "id"), String(root, "type"), String(root, "api_version"));
        }
        catch (JsonException)
        {
            return (null, null, null);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
