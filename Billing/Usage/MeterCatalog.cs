namespace Yapit.Billing.Usage;

/// <summary>A meter of the catalog. A meter without rollover (cap 0) has only its period allowance.</summary>
public sealed record MeterDefinition(string Name, long RolloverCap)
{
    public MeterKind Kind => RolloverCap > 0 ? MeterKind.Waterfall : MeterKind.AllowanceOnly;
}

/// <summary>The meters and each tier's limit per period, as stripe-setup wrote them (billing.meters, billing.plan_limits).</summary>
public sealed class MeterCatalog(IEnumerable<MeterDefinition> meters, IReadOnlyDictionary<(string Tier, string Meter), long?> limits)
{
    private readonly Dictionary<string, MeterDefinition> _meters = meters.ToDictionary(m => m.Name, StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string[] Tiers, long?[] Limits)> _limitsByMeter = new(StringComparer.Ordinal);

    public IReadOnlyCollection<MeterDefinition> Meters => _meters.Values;

    public MeterDefinition Meter(string name) => _meters.TryGetValue(name, out var meter) ? meter : throw new UnknownMeterException(name);

    public bool HasMeter(string name) => _meters.ContainsKey(name);

    /// <summary>A tier's limit: <c>null</c> is unlimited; a tier or meter the catalog does not list includes nothing (0).</summary>
    public long? Limit(string tier, string meter) => limits.TryGetValue((tier, meter), out var limit) ? limit : 0;

    /// <summary>
    /// A meter's limit for every tier the catalog lists, as parallel arrays (for <c>billing.usage_record</c>, which
    /// applies the same rule as <see cref="Limit"/>: a tier not listed includes nothing, null is unlimited). Built once per catalog.
    /// </summary>
    public (string[] Tiers, long?[] Limits) LimitsOf(string meter) => _limitsByMeter.GetOrAdd(meter, name =>
    {
        var rows = limits.Where(l => l.Key.Meter == name).OrderBy(l => l.Key.Tier, StringComparer.Ordinal).ToList();
        return (rows.Select(r => r.Key.Tier).ToArray(), rows.Select(r => r.Value).ToArray());
    });
}
