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

    public IReadOnlyCollection<MeterDefinition> Meters => _meters.Values;

    public MeterDefinition Meter(string name) => _meters.TryGetValue(name, out var meter) ? meter : throw new UnknownMeterException(name);

    public bool HasMeter(string name) => _meters.ContainsKey(name);

    /// <summary>A tier's limit: <c>null</c> is unlimited; a tier or meter the catalog does not list includes nothing (0).</summary>
    public long? Limit(string tier, string meter) => limits.TryGetValue((tier, meter), out var limit) ? limit : 0;

    /// <summary>
    /// Every tier that has a limit, in ordinal order: with <see cref="Limit"/> per meter, the catalog as
    /// <c>billing.usage_record</c> takes it (a tier not listed includes nothing there too).
    /// </summary>
    public string[] Tiers { get; } = limits.Keys.Select(k => k.Tier).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
