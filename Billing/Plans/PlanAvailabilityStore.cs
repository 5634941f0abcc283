using Npgsql;

namespace Yapit.Billing.Plans;

public static class BillingIntervals
{
    public const string Monthly = "monthly";
    public const string Yearly = "yearly";
}

/// <summary>One sellable interval of a plan, as the plans table holds it.</summary>
public sealed record PlanInterval(
    string Tier,
    string Interval,
    string? LookupKey,
    string? PriceId,
    string? ProductId,
    bool PlanActive,
    bool Available,
    string? UnavailableReason);

/// <summary>
/// Whether the gateway may sell a plan interval. stripe-setup writes it; the worker turns it off when Stripe's state
/// contradicts the plans table (price deactivated, lookup key moved elsewhere) and on again once it agrees.
/// </summary>
public sealed class PlanAvailabilityStore(NpgsqlDataSource dataSource)
{
    /// <summary>The intervals that mention a price (by id or lookup key) or a product.</summary>
    public async Task<IReadOnlyList<PlanInterval>> FindAsync(IReadOnlyCollection<string> priceIds, IReadOnlyCollection<string> lookupKeys, IReadOnlyCollection<string> productIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT tier, 'monthly', monthly_lookup_key, monthly_price_id, stripe_product_id, active, monthly_available, monthly_unavailable_reason
            FROM billing.plans
            WHERE monthly_lookup_key IS NOT NULL
              AND (monthly_price_id = ANY($1) OR monthly_lookup_key = ANY($2) OR stripe_product_id = ANY($3))
            UNION ALL
            SELECT tier, 'yearly', yearly_lookup_key, yearly_price_id, stripe_product_id, active, yearly_available, yearly_unavailable_reason
            FROM billing.plans
            WHERE yearly_lookup_key IS NOT NULL
              AND (yearly_price_id = ANY($1) OR yearly_lookup_key = ANY($2) OR stripe_product_id = ANY($3))
            ORDER BY 1, 2
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. priceIds] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lookupKeys] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. productIds] });
        var intervals = new List<PlanInterval>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            intervals.Add(new PlanInterval(reader.GetString(0), reader.GetString(1), S(2), S(3), S(4), reader.GetBoolean(5), reader.GetBoolean(6), S(7)));
        }
        return intervals;
    }

    /// <summary>Sets availability; true when it changed (so only a real change is logged).</summary>
    public async Task<bool> SetAsync(string tier, string interval, bool available, string? reason, CancellationToken cancellationToken)
    {
        var prefix = interval == BillingIntervals.Yearly ? "yearly" : "monthly";
        await using var command = dataSource.CreateCommand($"""
            UPDATE billing.plans
            SET {prefix}_available = $2, {prefix}_unavailable_reason = $3, updated_at = now()
            WHERE tier = $1 AND ({prefix}_available, {prefix}_unavailable_reason) IS DISTINCT FROM ($2, $3)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tier });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = available });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
