using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Events;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Webhooks;

/// <summary>
/// Webhook endpoints: where events go. Each has its own signing secret, returned only by the create call (Stripe
/// shows it once); the emulator keeps it hidden in the object to sign deliveries.
/// </summary>
internal static class WebhookEndpointResource
{
    public const string Type = EventTypes.WebhookEndpointType;

    /// <summary>Stripe refuses a 17th test-mode endpoint.</summary>
    public const int MaxEndpoints = 16;

    public static ResourceDefinition Definition { get; } = new() { Type = Type, Noun = "webhook endpoint", Hidden = ["secret"] };

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("enabled_events", P.Array(P.String).Required()),
        ("url", P.Max(5000).Required()),
        ("api_version", P.String),
        ("connect", P.Boolean),
        ("description", P.Max(5000).Emptyable()),
        ("metadata", P.Metadata.Emptyable()));

    public static ObjectParam UpdateSchema { get; } = RequestSchema.Body(
        ("description", P.Max(5000).Emptyable()),
        ("disabled", P.Boolean),
        ("enabled_events", P.Array(P.String)),
        ("metadata", P.Metadata.Emptyable()),
        ("url", P.Max(5000)));

    public static ObjectParam ListSchema { get; } = RequestSchema.List();

    /// <summary>The endpoint, and its secret for the one response that shows it.</summary>
    public static (JsonObject Endpoint, string Secret) Create(StoreTransaction transaction, Params parameters)
    {
        if (parameters.Bool("connect") == true)
        {
            throw StripeErrors.Invalid("The Stripe emulator has no connected accounts, so it cannot send Connect events.", "connect");
        }
        if (transaction.All(Type).Count >= MaxEndpoints)
        {
            throw StripeErrors.Invalid($"You have reached the maximum of {MaxEndpoints} test webhook endpoints.");
        }
        var apiVersion = parameters.String("api_version");
        if (apiVersion is not null && !EmulatedApiVersion.IsAccepted(apiVersion))
        {
            throw StripeErrors.InvalidValue("api_version", $"Invalid API version: {apiVersion}");
        }
        var secret = IdGenerator.WebhookSecret();
        var endpoint = new JsonObject
        {
            ["id"] = IdGenerator.New("we"),
            ["object"] = Type,
            ["api_version"] = apiVersion,
            ["application"] = null,
            ["created"] = transaction.NowUnix,
            ["description"] = parameters.String("description"),
            ["enabled_events"] = EnabledEvents(parameters.Array("enabled_events")!),
            ["livemode"] = false,
            ["metadata"] = JsonObjects.NewMetadata(parameters["metadata"]),
            ["secret"] = secret,
            ["status"] = "enabled",
            ["url"] = Url(parameters.String("url")!),
        };
        transaction.Insert(endpoint);
        return (endpoint, secret);
    }

    public static JsonObject Update(StoreTransaction transaction, string id, Params parameters)
    {
        var before = transaction.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        JsonObjects.Merge(after, parameters.Without("disabled", "enabled_events", "url").Values);
        if (parameters.Array("enabled_events") is { } enabledEvents)
        {
            after["enabled_events"] = EnabledEvents(enabledEvents);
        }
        if (parameters.String("url") is { } url)
        {
            after["url"] = Url(url);
        }
        if (parameters.Bool("disabled") is { } disabled)
        {
            after["status"] = disabled ? "disabled" : "enabled";
        }
        // Stripe emits no event for webhook endpoint changes.
        transaction.Update(after);
        return after;
    }

    public static JsonObject Delete(StoreTransaction transaction, string id)
    {
        transaction.Get(Type, id);
        transaction.Delete(Type, id);
        return ObjectRenderer.Deleted(Type, id);
    }

    private static JsonArray EnabledEvents(JsonArray given)
    {
        if (given.Count == 0)
        {
            throw StripeErrors.InvalidEmpty("enabled_events");
        }
        for (var i = 0; i < given.Count; i++)
        {
            var type = given[i]!.GetValue<string>();
            if (type != EventTypes.All && !KnownEventTypes.All.Contains(type))
            {
                throw StripeErrors.InvalidValue($"enabled_events[{i}]", $"Invalid enabled_events[{i}]: '{type}' is not an event type Stripe sends (or '*').");
            }
        }
        return (JsonArray)given.DeepClone();
    }

    private static string Url(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw StripeErrors.InvalidValue("url", $"Invalid URL: {url}. A webhook endpoint needs an absolute http or https URL.");
}
