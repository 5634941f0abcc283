using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Events;

/// <summary>How event types are matched: by webhook endpoints' <c>enabled_events</c> and by the events list's filters.</summary>
public static class EventTypes
{
    public const string ObjectType = "event";
    public const string WebhookEndpointType = "webhook_endpoint";
    public const string All = "*";

    /// <summary>An endpoint gets an event when it enabled <c>*</c> or exactly that type.</summary>
    public static bool EndpointWants(JsonArray? enabledEvents, string type) =>
        enabledEvents is not null && enabledEvents.Any(e => e?.GetValue<string>() is { } enabled && (enabled == All || enabled == type));

    /// <summary>
    /// The events list's <c>type</c> filter: an exact type, or a pattern with <c>*</c> standing for any run of
    /// characters (<c>price.*</c>, <c>*.updated</c>).
    /// </summary>
    public static bool MatchesPattern(string pattern, string type)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return pattern == type;
        }
        var parts = pattern.Split('*');
        if (!type.StartsWith(parts[0], StringComparison.Ordinal) || !type.EndsWith(parts[^1], StringComparison.Ordinal))
        {
            return false;
        }
        var position = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = type.IndexOf(parts[i], position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            position = found + parts[i].Length;
        }
        return position <= type.Length - parts[^1].Length;
    }
}
