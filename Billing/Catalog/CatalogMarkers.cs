namespace Yapit.Billing.Catalog;

/// <summary>
/// How Stripe objects show they belong to the catalog, shared by stripe-setup (which writes the marks) and the worker
/// (which tells setup's changes from changes made elsewhere, e.g. in the Dashboard).
/// </summary>
public static class CatalogMarkers
{
    /// <summary>Metadata key and value on every resource the catalog manages.</summary>
    public const string ManagedByKey = "managed_by";
    public const string ManagedByValue = "yapit-stripe-setup";

    /// <summary>Metadata key holding the catalog key of resources without a natural one (portal configurations, webhook endpoints).</summary>
    public const string CatalogKey = "catalog_key";

    /// <summary>Every request stripe-setup makes carries an Idempotency-Key with this prefix; events echo it in <c>request.idempotency_key</c>.</summary>
    public const string IdempotencyKeyPrefix = "yapit-setup-";

    public static bool IsFromStripeSetup(string? idempotencyKey) =>
        idempotencyKey is not null && idempotencyKey.StartsWith(IdempotencyKeyPrefix, StringComparison.Ordinal);
}
