using Npgsql;

namespace Yapit.Billing.Plans;

/// <summary>A price of a plan that is for sale.</summary>
public sealed record PlanPrice(string Interval, long Amount, string Currency, string PriceId);

/// <summary>A plan as the product shows it: only what is for sale, with its limits per meter (null is unlimited).</summary>
public sealed record PlanForSale(string Tier, string Name, int Rank, int TrialDays, IReadOnlyList<PlanPrice> Prices, IReadOnlyDictionary<string, long?> Limits);

/// <summary>What a Stripe price is in the plans table.</summary>
public sealed record PlanOfPrice(string Tier, int Rank, string Interval);

/// <summary>One sellable interval as checkout needs it.</summary>
public sealed record SellableInterval(string Tier, int Rank, string Interval, string PriceId, int TrialDays);

/// <summary>Reads the plans table as stripe-setup and the worker's availability marks left it.</summary>
public sealed class PlanCatalogReader(NpgsqlDataSource dataSource)
{
    /// <summary>The plan and interval a price belongs to (a plan's current price, or null).</summary>
    public async Task<PlanOfPrice?> FindByPriceAsync(string priceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT tier, rank, CASE WHEN monthly_price_id = $1 THEN 'monthly' ELSE 'yearly' END
            FROM billing.plans WHERE monthly_price_id = $1 OR yearly_price_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = priceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new PlanOfPrice(reader.GetString(0), reader.GetInt32(1), reader.GetString(2)) : null;
    }

    /// <summary>The interval of a plan that is for sale now, or null.</summary>
    public async Task<SellableInterval?> FindSellableAsync(string tier, string interval, CancellationToken cancellationToken)
    {
        var monthly = interval == BillingIntervals.Monthly;
        await using var command = dataSource.CreateCommand($"""
            SELECT rank, {(monthly ? "monthly_price_id" : "yearly_price_id")}, trial_days FROM billing.plans
            WHERE tier = $1 AND active AND {(monthly ? "monthly_available AND monthly_price_id IS NOT NULL" : "yearly_available AND yearly_price_id IS NOT NULL")}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tier });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SellableInterval(tier, reader.GetInt32(0), interval, reader.GetString(1), reader.GetInt32(2))
            : null;
    }

    public async Task<IReadOnlyList<PlanForSale>> ForSaleAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT tier, name, rank, trial_days, currency,
                   monthly_available AND monthly_price_id IS NOT NULL, monthly_amount, monthly_price_id,
                   yearly_available AND yearly_price_id IS NOT NULL, yearly_amount, yearly_price_id
            FROM billing.plans WHERE active ORDER BY rank
            """));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT tier, meter, period_limit FROM billing.plan_limits ORDER BY meter"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string Tier, string Name, int Rank, int Trial, List<PlanPrice> Prices)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var prices = new List<PlanPrice>();
            var currency = reader.GetString(4);
            if (reader.GetBoolean(5) && !reader.IsDBNull(6))
            {
                prices.Add(new PlanPrice(BillingIntervals.Monthly, reader.GetInt64(6), currency, reader.GetString(7)));
            }
            if (reader.GetBoolean(8) && !reader.IsDBNull(9))
            {
                prices.Add(new PlanPrice(BillingIntervals.Yearly, reader.GetInt64(9), currency, reader.GetString(10)));
            }
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), prices));
        }
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var limits = new Dictionary<string, Dictionary<string, long?>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var tier = reader.GetString(0);
            if (!limits.TryGetValue(tier, out var ofTier))
            {
                limits[tier] = ofTier = new Dictionary<string, long?>(StringComparer.Ordinal);
            }
            ofTier[reader.GetString(1)] = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        }
        return rows
            .Where(r => r.Prices.Count > 0 || r.Rank == 0) // the free plan has no price and is always "for sale"
            .Select(r => new PlanForSale(r.Tier, r.Name, r.Rank, r.Trial, r.Prices, limits.GetValueOrDefault(r.Tier) ?? []))
            .ToList();
    }
}
