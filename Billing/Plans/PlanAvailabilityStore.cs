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

    /// <summary>
    /// Re-evaluates one interval under a lock on its plan row: the row is read again inside the transaction (so the
    /// verdict is about the price the table holds now, not one stripe-setup has just replaced), <paramref name="decide"/>
    /// reads Stripe, and the verdict is written before the lock is released. Concurrent evaluations of one plan (a
    /// product event and a price event, say) therefore run one after the other and the later one sees Stripe's later
    /// state. Returns whether availability changed, and the reason when it is now unavailable.
    /// </summary>
    /// <param name="decide">Given the current interval, the reason it cannot be sold, or null when it can.</param>
    public async Task<(bool Changed, PlanInterval? Interval, string? Reason)> EvaluateAsync(
        string tier, string interval, Func<PlanInterval, Task<string?>> decide, CancellationToken cancellationToken)
    {
        var prefix = interval == BillingIntervals.Yearly ? "yearly" : "monthly";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        PlanInterval? current = null;
        await using (var select = new NpgsqlCommand($"""
            SELECT tier, {prefix}_lookup_key, {prefix}_price_id, stripe_product_id, active, {prefix}_available, {prefix}_unavailable_reason
            FROM billing.plans WHERE tier = $1
            FOR UPDATE
            """, connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tier });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                current = new PlanInterval(reader.GetString(0), interval, S(1), S(2), S(3), reader.GetBoolean(4), reader.GetBoolean(5), S(6));
            }
        }
        if (current is null || !current.PlanActive || current.LookupKey is null)
        {
            // Gone or retired since it was found: stripe-setup owns it now.
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (false, current, null);
        }

        var reason = await decide(current).ConfigureAwait(false);
        var changed = current.Available != (reason is null) || current.UnavailableReason != reason;
        if (changed)
        {
            // Written only under the claim of the event that decided it (none outside the worker's processing).
            await Yapit.Billing.Inbox.ClaimFence.EnsureHeldAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using var update = new NpgsqlCommand($"""
                UPDATE billing.plans SET {prefix}_available = $2, {prefix}_unavailable_reason = $3, updated_at = now() WHERE tier = $1
                """, connection, transaction);
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tier });
            update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = reason is null });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (changed, current, reason);
    }
}
