using Npgsql;

namespace Yapit.Billing.Checkout;

/// <summary>A credit pack for sale: its Stripe price and what it grants.</summary>
public sealed record CreditPack(string Key, string PriceId, string Meter, long Quantity, long Amount, string Currency);

/// <summary>Reads <c>billing.credit_packs</c> as stripe-setup wrote it from the catalog (a pack is its price's lookup key).</summary>
public sealed class CreditPackReader(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<CreditPack>> ForSaleAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT lookup_key, stripe_price_id, meter, quantity, amount, currency FROM billing.credit_packs
            WHERE active AND stripe_price_id IS NOT NULL ORDER BY lookup_key
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var packs = new List<CreditPack>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            packs.Add(new CreditPack(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5)));
        }
        return packs;
    }
}
