namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// The one place that says which handler takes which event types. A pattern is an exact type
/// (<c>invoice.paid</c>) or a family (<c>price.*</c>); the exact match wins. Types nobody handles are marked ignored.
/// </summary>
public sealed class EventHandlerRegistry
{
    private readonly Dictionary<string, Type> _exact = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, Type Handler)> _families = [];

    public static EventHandlerRegistry Default { get; } = new EventHandlerRegistry()
        .Map<CatalogEventHandler>("product.*", "price.*", "coupon.*", "promotion_code.*", "billing_portal.configuration.*")
        .Map<SubscriptionEventHandler>(SubscriptionEventHandler.EventTypes)
        .Map<TestClockEventHandler>(TestClockEventHandler.EventTypes);

    public IEnumerable<Type> HandlerTypes => _exact.Values.Concat(_families.Select(f => f.Handler)).Distinct();

    public EventHandlerRegistry Map<THandler>(params string[] patterns) where THandler : IStripeEventHandler
    {
        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith(".*", StringComparison.Ordinal))
            {
                _families.Add((pattern[..^1], typeof(THandler)));
            }
            else
            {
                _exact[pattern] = typeof(THandler);
            }
        }
        return this;
    }

    /// <summary>The handler type for an event type, or null when none is registered.</summary>
    public Type? Find(string eventType) =>
        _exact.GetValueOrDefault(eventType)
        ?? _families.Where(f => eventType.StartsWith(f.Prefix, StringComparison.Ordinal)).OrderByDescending(f => f.Prefix.Length).Select(f => f.Handler).FirstOrDefault();
}
