using Npgsql;
using NpgsqlTypes;
using Yapit.StripeSetup.Catalog;
using Yapit.StripeSetup.Planning;
using static Yapit.StripeSetup.Planning.ResourceFields;

namespace Yapit.StripeSetup.Database;

/// <summary>A catalog price as it stands (or will stand) in Stripe.</summary>
public sealed record ResolvedPrice(string LookupKey, string? StripeId, bool Active);

/// <summary>
/// The plans table (and meters, plan limits, credit packs) as the catalog and the resolved Stripe ids want it: read,
/// compared with what the database holds, and written in one transaction.
/// </summary>
public static class PlansTable
{
    /// <summary>Placeholder for a price id that the apply is about to create.</summary>
    public const string NewPriceId = "(created by this apply)";

    public sealed record PlanRow(
        string Tier, string Name, int Rank, string? ProductId, string Currency, int TrialDays, bool Active,
        string? MonthlyLookupKey, string? MonthlyPriceId, long? MonthlyAmount, bool MonthlyAvailable,
        string? YearlyLookupKey, string? YearlyPriceId, long? YearlyAmount, bool YearlyAvailable,
        IReadOnlyDictionary<string, long?> Limits);

    public sealed record CreditPackRow(string LookupKey, string ProductId, string? PriceId, string Meter, long Quantity, long Amount, string Currency, bool Active);

    public sealed record Rows(IReadOnlyList<CatalogMeter> Meters, IReadOnlyList<PlanRow> Plans, IReadOnlyList<CreditPackRow> CreditPacks);

    public static Rows Desired(Catalog.Catalog catalog, IReadOnlyDictionary<string, ResolvedPrice> prices)
    {
        var byKey = catalog.Prices.ToDictionary(p => p.LookupKey, StringComparer.Ordinal);
        (string? Id, long? Amount, bool Available) Price(string? lookupKey, bool planActive)
        {
            if (lookupKey is null || !byKey.TryGetValue(lookupKey, out var price))
            {
                return (null, null, false);
            }
            var resolved = prices.GetValueOrDefault(lookupKey);
            return (resolved?.StripeId, price.Amount, planActive && price.Active && resolved?.StripeId is not null);
        }

        var plans = catalog.Plans.Select(plan =>
        {
            var monthly = Price(plan.MonthlyPrice, plan.Active);
            var yearly = Price(plan.YearlyPrice, plan.Active);
            var currency = plan.MonthlyPrice is { } m && byKey.TryGetValue(m, out var mp) ? mp.Currency
                : plan.YearlyPrice is { } y && byKey.TryGetValue(y, out var yp) ? yp.Currency
                : catalog.Currency;
            return new PlanRow(plan.Tier, plan.Name, plan.Rank, plan.Product, currency, plan.TrialDays, plan.Active,
                plan.MonthlyPrice, monthly.Id, monthly.Amount, monthly.Available,
                plan.YearlyPrice, yearly.Id, yearly.Amount, yearly.Available,
                plan.Limits);
        }).ToList();

        var packs = catalog.Prices.Where(p => p.Grants is not null).Select(p => new CreditPackRow(
            p.LookupKey, p.ProductId, prices.GetValueOrDefault(p.LookupKey)?.StripeId, p.Grants!.Meter, p.Grants.Quantity, p.Amount, p.Currency,
            p.Active && catalog.Products.First(product => product.Id == p.ProductId).Active)).ToList();

        return new Rows(catalog.Meters, plans, packs);
    }

    public static async Task<Rows> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var meters = new List<CatalogMeter>();
        await using (var command = dataSource.CreateCommand("SELECT name, rollover_cap, description FROM billing.meters ORDER BY name"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                meters.Add(new CatalogMeter(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), default));
            }
        }

        var limits = new Dictionary<string, Dictionary<string, long?>>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT tier, meter, period_limit FROM billing.plan_limits"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var tier = reader.GetString(0);
                if (!limits.TryGetValue(tier, out var planLimits))
                {
                    limits[tier] = planLimits = new Dictionary<string, long?>(StringComparer.Ordinal);
                }
                planLimits[reader.GetString(1)] = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            }
        }

        var plans = new List<PlanRow>();
        await using (var command = dataSource.CreateCommand("""
            SELECT tier, name, rank, stripe_product_id, currency, trial_days, active,
                   monthly_lookup_key, monthly_price_id, monthly_amount, monthly_available,
                   yearly_lookup_key, yearly_price_id, yearly_amount, yearly_available
            FROM billing.plans ORDER BY rank
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                long? L(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
                var tier = reader.GetString(0);
                plans.Add(new PlanRow(tier, reader.GetString(1), reader.GetInt32(2), S(3), reader.GetString(4), reader.GetInt32(5), reader.GetBoolean(6),
                    S(7), S(8), L(9), reader.GetBoolean(10), S(11), S(12), L(13), reader.GetBoolean(14),
                    limits.GetValueOrDefault(tier) ?? new Dictionary<string, long?>()));
            }
        }

        var packs = new List<CreditPackRow>();
        await using (var command = dataSource.CreateCommand(
            "SELECT lookup_key, stripe_product_id, stripe_price_id, meter, quantity, amount, currency, active FROM billing.credit_packs ORDER BY lookup_key"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                packs.Add(new CreditPackRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.GetString(6), reader.GetBoolean(7)));
            }
        }
        return new Rows(meters, plans, packs);
    }

    /// <summary>Row by row, field by field: what writing <paramref name="desired"/> would change.</summary>
    public static List<DatabaseChange> Diff(Rows desired, Rows current)
    {
        var changes = new List<DatabaseChange>();
        var currentMeters = current.Meters.ToDictionary(m => m.Name, StringComparer.Ordinal);
        foreach (var meter in desired.Meters)
        {
            Compare(changes, "billing.meters", meter.Name, Fields(meter), currentMeters.TryGetValue(meter.Name, out var m) ? Fields(m) : null);
        }

        var currentPlans = current.Plans.ToDictionary(p => p.Tier, StringComparer.Ordinal);
        foreach (var plan in desired.Plans)
        {
            Compare(changes, "billing.plans", plan.Tier, Fields(plan), currentPlans.TryGetValue(plan.Tier, out var p) ? Fields(p) : null);
        }
        foreach (var retired in current.Plans.Where(p => p.Active && desired.Plans.All(d => d.Tier != p.Tier)))
        {
            changes.Add(new DatabaseChange("billing.plans", retired.Tier, ChangeAction.Deactivate, [new FieldChange("active", "true", "false")]));
        }

        var currentPacks = current.CreditPacks.ToDictionary(p => p.LookupKey, StringComparer.Ordinal);
        foreach (var pack in desired.CreditPacks)
        {
            Compare(changes, "billing.credit_packs", pack.LookupKey, Fields(pack), currentPacks.TryGetValue(pack.LookupKey, out var c) ? Fields(c) : null);
        }
        foreach (var retired in current.CreditPacks.Where(p => p.Active && desired.CreditPacks.All(d => d.LookupKey != p.LookupKey)))
        {
            changes.Add(new DatabaseChange("billing.credit_packs", retired.LookupKey, ChangeAction.Deactivate, [new FieldChange("active", "true", "false")]));
        }
        return changes;
    }

    /// <summary>Writes every row in one transaction: all of it lands, or none of it.</summary>
    public static async Task WriteAsync(NpgsqlDataSource dataSource, Rows desired, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        foreach (var meter in desired.Meters)
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO billing.meters (name, rollover_cap, description) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO UPDATE SET rollover_cap = excluded.rollover_cap, description = excluded.description, updated_at = now()
                WHERE (meters.rollover_cap, meters.description) IS DISTINCT FROM (excluded.rollover_cap, excluded.description)
                """, cancellationToken, meter.Name, meter.RolloverCap, meter.Description).ConfigureAwait(false);
        }

        // Price ids of retired plans are released first, so a price that moved between tiers does not collide.
        var tiers = desired.Plans.Select(p => p.Tier).ToArray();
        await ExecuteAsync(connection, transaction, """
            UPDATE billing.plans SET active = false, monthly_available = false, yearly_available = false, updated_at = now()
            WHERE tier <> ALL($1) AND active
            """, cancellationToken, (object)tiers).ConfigureAwait(false);

        foreach (var plan in desired.Plans)
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO billing.plans (tier, name, rank, stripe_product_id, currency, trial_days, active,
                    monthly_lookup_key, monthly_price_id, monthly_amount, monthly_available, monthly_unavailable_reason,
                    yearly_lookup_key, yearly_price_id, yearly_amount, yearly_available, yearly_unavailable_reason)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $14, $15, NULL)
                ON CONFLICT (tier) DO UPDATE SET
                    name = excluded.name, rank = excluded.rank, stripe_product_id = excluded.stripe_product_id,
                    currency = excluded.currency, trial_days = excluded.trial_days, active = excluded.active,
                    monthly_lookup_key = excluded.monthly_lookup_key, monthly_price_id = excluded.monthly_price_id,
                    monthly_amount = excluded.monthly_amount, monthly_available = excluded.monthly_available, monthly_unavailable_reason = NULL,
                    yearly_lookup_key = excluded.yearly_lookup_key, yearly_price_id = excluded.yearly_price_id,
                    yearly_amount = excluded.yearly_amount, yearly_available = excluded.yearly_available, yearly_unavailable_reason = NULL,
                    updated_at = now()
                WHERE (plans.name, plans.rank, plans.stripe_product_id, plans.currency, plans.trial_days, plans.active,
                       plans.monthly_lookup_key, plans.monthly_price_id, plans.monthly_amount, plans.monthly_available,
                       plans.yearly_lookup_key, plans.yearly_price_id, plans.yearly_amount, plans.yearly_available)
                  IS DISTINCT FROM
                      (excluded.name, excluded.rank, excluded.stripe_product_id, excluded.currency, excluded.trial_days, excluded.active,
                       excluded.monthly_lookup_key, excluded.monthly_price_id, excluded.monthly_amount, excluded.monthly_available,
                       excluded.yearly_lookup_key, excluded.yearly_price_id, excluded.yearly_amount, excluded.yearly_available)
                """, cancellationToken, plan.Tier, plan.Name, plan.Rank, plan.ProductId, plan.Currency, plan.TrialDays, plan.Active,
                plan.MonthlyLookupKey, plan.MonthlyPriceId, plan.MonthlyAmount, plan.MonthlyAvailable,
                plan.YearlyLookupKey, plan.YearlyPriceId, plan.YearlyAmount, plan.YearlyAvailable).ConfigureAwait(false);

            await ExecuteAsync(connection, transaction, "DELETE FROM billing.plan_limits WHERE tier = $1 AND meter <> ALL($2)",
                cancellationToken, plan.Tier, plan.Limits.Keys.ToArray()).ConfigureAwait(false);
            foreach (var (meter, limit) in plan.Limits)
            {
                await ExecuteAsync(connection, transaction, """
                    INSERT INTO billing.plan_limits (tier, meter, period_limit) VALUES ($1, $2, $3)
                    ON CONFLICT (tier, meter) DO UPDATE SET period_limit = excluded.period_limit
                    WHERE plan_limits.period_limit IS DISTINCT FROM excluded.period_limit
                    """, cancellationToken, plan.Tier, meter, limit).ConfigureAwait(false);
            }
        }

        var packKeys = desired.CreditPacks.Select(p => p.LookupKey).ToArray();
        await ExecuteAsync(connection, transaction, "UPDATE billing.credit_packs SET active = false, updated_at = now() WHERE lookup_key <> ALL($1) AND active",
            cancellationToken, (object)packKeys).ConfigureAwait(false);
        foreach (var pack in desired.CreditPacks)
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO billing.credit_packs (lookup_key, stripe_product_id, stripe_price_id, meter, quantity, amount, currency, active)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (lookup_key) DO UPDATE SET stripe_product_id = excluded.stripe_product_id, stripe_price_id = excluded.stripe_price_id,
                    meter = excluded.meter, quantity = excluded.quantity, amount = excluded.amount, currency = excluded.currency,
                    active = excluded.active, updated_at = now()
                WHERE (credit_packs.stripe_product_id, credit_packs.stripe_price_id, credit_packs.meter, credit_packs.quantity,
                       credit_packs.amount, credit_packs.currency, credit_packs.active)
                  IS DISTINCT FROM (excluded.stripe_product_id, excluded.stripe_price_id, excluded.meter, excluded.quantity,
                       excluded.amount, excluded.currency, excluded.active)
                """, cancellationToken, pack.LookupKey, pack.ProductId, pack.PriceId, pack.Meter, pack.Quantity, pack.Amount, pack.Currency, pack.Active).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown },
                string[] array => new NpgsqlParameter { Value = array, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Compare(List<DatabaseChange> changes, string table, string key, Dictionary<string, string?> desired, Dictionary<string, string?>? current)
    {
        if (current is null)
        {
            changes.Add(new DatabaseChange(table, key, ChangeAction.Create, AllFields(desired)));
            return;
        }
        var fields = ResourceFields.Diff(desired, current);
        if (fields.Count > 0)
        {
            changes.Add(new DatabaseChange(table, key, ChangeAction.Update, fields));
        }
    }

    private static Dictionary<string, string?> Fields(CatalogMeter meter) => new()
    {
        ["rollover_cap"] = Number(meter.RolloverCap),
        ["description"] = Text(meter.Description),
    };

    private static Dictionary<string, string?> Fields(PlanRow plan)
    {
        var fields = new Dictionary<string, string?>
        {
            ["name"] = Text(plan.Name),
            ["rank"] = Number(plan.Rank),
            ["stripe_product_id"] = Text(plan.ProductId),
            ["currency"] = plan.Currency,
            ["trial_days"] = Number(plan.TrialDays),
            ["active"] = Bool(plan.Active),
            ["monthly_lookup_key"] = Text(plan.MonthlyLookupKey),
            ["monthly_price_id"] = Text(plan.MonthlyPriceId),
            ["monthly_amount"] = plan.MonthlyAmount is { } ma ? Number(ma) : null,
            ["monthly_available"] = Bool(plan.MonthlyAvailable),
            ["yearly_lookup_key"] = Text(plan.YearlyLookupKey),
            ["yearly_price_id"] = Text(plan.YearlyPriceId),
            ["yearly_amount"] = plan.YearlyAmount is { } ya ? Number(ya) : null,
            ["yearly_available"] = Bool(plan.YearlyAvailable),
        };
        foreach (var (meter, limit) in plan.Limits)
        {
            fields[$"limits.{meter}"] = limit is { } l ? Number(l) : "unlimited";
        }
        return fields;
    }

    private static Dictionary<string, string?> Fields(CreditPackRow pack) => new()
    {
        ["stripe_product_id"] = Text(pack.ProductId),
        ["stripe_price_id"] = Text(pack.PriceId),
        ["meter"] = pack.Meter,
        ["quantity"] = Number(pack.Quantity),
        ["amount"] = Number(pack.Amount),
        ["currency"] = pack.Currency,
        ["active"] = Bool(pack.Active),
    };
}
