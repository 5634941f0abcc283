using Npgsql;

namespace Yapit.Billing.Usage;

/// <summary>
/// Reads the meters and plan limits stripe-setup wrote, and keeps them for a short while: they change only when
/// stripe-setup runs, and every usage call needs them.
/// </summary>
public sealed class MeterCatalogSource(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (MeterCatalog Catalog, DateTimeOffset ReadAt)? _cached;

    public async ValueTask<MeterCatalog> GetAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && time.GetUtcNow() - cached.ReadAt < CacheFor)
        {
            return cached.Catalog;
        }
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } again && time.GetUtcNow() - again.ReadAt < CacheFor)
            {
                return again.Catalog;
            }
            var catalog = await ReadAsync(cancellationToken).ConfigureAwait(false);
            _cached = (catalog, time.GetUtcNow());
            return catalog;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Forgets what was read (tests, and after stripe-setup in the same process).</summary>
    public void Invalidate() => _cached = null;

    private async Task<MeterCatalog> ReadAsync(CancellationToken cancellationToken)
    {
        var meters = new List<MeterDefinition>();
        var limits = new Dictionary<(string, string), long?>();
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT name, rollover_cap FROM billing.meters"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT tier, meter, period_limit FROM billing.plan_limits"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            meters.Add(new MeterDefinition(reader.GetString(0), reader.GetInt64(1)));
        }
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            limits[(reader.GetString(0), reader.GetString(1))] = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        }
        return new MeterCatalog(meters, limits);
    }
}
