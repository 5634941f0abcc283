using Yapit.Billing.Stripe;
using Yapit.StripeSetup.Catalog;
using static Yapit.StripeSetup.Planning.ResourceFields;

namespace Yapit.StripeSetup.Planning;

public sealed record PlannerOptions
{
    public required StripeMode Mode { get; init; }
    public required string CatalogPath { get; init; }

    /// <summary>A price whose amount, currency or interval changed becomes a new price that takes its lookup key over.</summary>
    public bool Replace { get; init; }
    public IReadOnlyList<string> CatalogWarnings { get; init; } = [];
}

/// <summary>
/// Compares the catalog with Stripe's state and decides, resource by resource and field by field, what an apply
/// does. Resources are matched by their catalog identity (product id, price lookup key, coupon id, promotion code,
/// and the metadata key of portal configurations and webhook endpoints); nothing is written here.
/// </summary>
public static class Planner
{
    public static Plan Create(Catalog.Catalog catalog, StripeState state, PlannerOptions options)
    {
        var changes = new List<PlannedChange>();
        var drift = new List<ImmutableDrift>();
        var unmanaged = new List<string>();
        var notes = new List<string>(options.CatalogWarnings);

        PlanProducts(catalog, state, changes, unmanaged);
        PlanPrices(catalog, state, options, changes, drift, unmanaged);
        PlanCoupons(catalog, state, changes, drift, unmanaged, notes);
        PlanPromotionCodes(catalog, state, changes, drift, unmanaged);
        PlanPortalConfigurations(catalog, state, changes, unmanaged, notes);
        PlanWebhookEndpoints(catalog, state, options, changes, drift, unmanaged);

        return new Plan
        {
            Mode = options.Mode,
            Environment = catalog.Environment,
            CatalogPath = options.CatalogPath,
            Changes = changes,
            Drift = drift,
            Unmanaged = unmanaged,
            Notes = notes,
        };
    }

    private static void PlanProducts(Catalog.Catalog catalog, StripeState state, List<PlannedChange> changes, List<string> unmanaged)
    {
        var actual = state.Products.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var product in catalog.Products)
        {
            var desired = Desired(product);
            if (actual.TryGetValue(product.Id, out var existing))
            {
                AddUpdate(changes, ResourceKinds.Product, product.Id, existing.Id, Diff(desired, Actual(existing)), product);
            }
            else
            {
                changes.Add(new PlannedChange(ChangeAction.Create, ResourceKinds.Product, product.Id, null, AllFields(desired)) { Desired = product });
            }
        }

        var declared = catalog.Products.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var existing in state.Products.Where(p => !declared.Contains(p.Id)))
        {
            if (ManagedMetadata.IsManaged(existing.Metadata))
            {
                AddRetirement(changes, ResourceKinds.Product, existing.Id, existing.Id, existing.Active, existing);
            }
            else if (existing.Active)
            {
                unmanaged.Add($"product {existing.Id} \"{existing.Name}\"");
            }
        }
    }

    private static void PlanPrices(Catalog.Catalog catalog, StripeState state, PlannerOptions options, List<PlannedChange> changes, List<ImmutableDrift> drift, List<string> unmanaged)
    {
        var byLookupKey = state.Prices.Where(p => p.LookupKey is not null).GroupBy(p => p.LookupKey!)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Active).First(), StringComparer.Ordinal);
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var price in catalog.Prices)
        {
            var desired = Desired(price);
            if (!byLookupKey.TryGetValue(price.LookupKey, out var existing))
            {
                changes.Add(new PlannedChange(ChangeAction.Create, ResourceKinds.Price, price.LookupKey, null, AllFields(desired)) { Desired = price });
                continue;
            }
            matched.Add(existing.Id);
            var fields = Diff(desired, Actual(existing));
            var immutable = fields.Where(f => Immutable[ResourceKinds.Price].Contains(f.Field)).ToList();
            if (immutable.Count == 0)
            {
                AddUpdate(changes, ResourceKinds.Price, price.LookupKey, existing.Id, fields, price);
            }
            else if (options.Replace && immutable.All(f => f.Field != "product"))
            {
                changes.Add(new PlannedChange(ChangeAction.Replace, ResourceKinds.Price, price.LookupKey, existing.Id, fields) { Desired = price });
            }
            else
            {
                drift.AddRange(immutable.Select(f => new ImmutableDrift(ResourceKinds.Price, price.LookupKey, existing.Id, f, f.Field == "product"
                    ? $"a price cannot move to another product: give the catalog price a new lookup key (e.g. {NextVersion(price.LookupKey)})"
                    : $"give the price a new lookup key (e.g. {NextVersion(price.LookupKey)}), or run apply --replace to create a new price that takes '{price.LookupKey}' over while {existing.Id} is deactivated")));
            }
        }

        foreach (var existing in state.Prices.Where(p => !matched.Contains(p.Id)))
        {
            if (ManagedMetadata.IsManaged(existing.Metadata))
            {
                AddRetirement(changes, ResourceKinds.Price, existing.LookupKey ?? existing.Id, existing.Id, existing.Active, existing);
            }
            else if (existing.Active)
            {
                unmanaged.Add($"price {existing.Id} ({existing.LookupKey ?? "no lookup key"}, product {existing.ProductId})");
            }
        }
    }

    private static void PlanCoupons(Catalog.Catalog catalog, StripeState state, List<PlannedChange> changes, List<ImmutableDrift> drift, List<string> unmanaged, List<string> notes)
    {
        var actual = state.Coupons.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var coupon in catalog.Coupons)
        {
            var desired = Desired(coupon, catalog.Currency);
            if (!actual.TryGetValue(coupon.Id, out var existing))
            {
                changes.Add(new PlannedChange(ChangeAction.Create, ResourceKinds.Coupon, coupon.Id, null, AllFields(desired)) { Desired = coupon });
                continue;
            }
            var fields = Diff(desired, Actual(existing));
            var immutable = fields.Where(f => Immutable[ResourceKinds.Coupon].Contains(f.Field)).ToList();
            if (immutable.Count > 0)
            {
                // Coupons are never replaced implicitly: redemptions and subscriptions refer to them by id.
                drift.AddRange(immutable.Select(f => new ImmutableDrift(ResourceKinds.Coupon, coupon.Id, existing.Id, f,
                    $"coupons cannot change their discount, duration or limits: give the catalog coupon a new id (e.g. {NextVersion(coupon.Id)}) and point its promotion codes at it")));
                continue;
            }
            AddUpdate(changes, ResourceKinds.Coupon, coupon.Id, existing.Id, fields, coupon);
        }

        var declared = catalog.Coupons.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var existing in state.Coupons.Where(c => !declared.Contains(c.Id) && c.Valid))
        {
            if (ManagedMetadata.IsManaged(existing.Metadata))
            {
                notes.Add($"coupon {existing.Id} is no longer in the catalog. Stripe coupons have no active flag and this tool never deletes: " +
                    "its managed promotion codes are deactivated; delete the coupon in the Dashboard if it must stop working everywhere.");
            }
            else
            {
                unmanaged.Add($"coupon {existing.Id} \"{existing.Name}\"");
            }
        }
    }

    private static void PlanPromotionCodes(Catalog.Catalog catalog, StripeState state, List<PlannedChange> changes, List<ImmutableDrift> drift, List<string> unmanaged)
    {
        // A code is unique among active codes only; prefer the managed, then the active, then the newest.
        var byCode = state.PromotionCodes.GroupBy(c => c.Code, StringComparer.OrdinalIgnoreCase).ToDictionary(
            g => g.Key,
            g => g.OrderByDescending(c => ManagedMetadata.IsManaged(c.Metadata)).ThenByDescending(c => c.Active).ThenByDescending(c => c.Created).First(),
            StringComparer.OrdinalIgnoreCase);
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var code in catalog.PromotionCodes)
        {
            var desired = Desired(code);
            if (!byCode.TryGetValue(code.Code, out var existing))
            {
                changes.Add(new PlannedChange(ChangeAction.Create, ResourceKinds.PromotionCode, code.Code, null, AllFields(desired)) { Desired = code });
                continue;
            }
            matched.Add(existing.Id);
            var fields = Diff(desired, Actual(existing));
            var immutable = fields.Where(f => Immutable[ResourceKinds.PromotionCode].Contains(f.Field)).ToList();
            if (immutable.Count > 0)
            {
                drift.AddRange(immutable.Select(f => new ImmutableDrift(ResourceKinds.PromotionCode, code.Code, existing.Id, f,
                    $"a promotion code's coupon, limits and restrictions cannot change: deactivate it (active: false) and add a new code")));
                continue;
            }
            AddUpdate(changes, ResourceKinds.PromotionCode, code.Code, existing.Id, fields, code);
        }

        var retiredCoupons = state.Coupons.Where(c => ManagedMetadata.IsManaged(c.Metadata)).Select(c => c.Id)
            .Except(catalog.Coupons.Select(c => c.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var existing in state.PromotionCodes.Where(c => !matched.Contains(c.Id)))
        {
            var managed = ManagedMetadata.IsManaged(existing.Metadata);
            if (managed || (existing.Promotion?.CouponId is { } coupon && retiredCoupons.Contains(coupon) && existing.Active))
            {
                if (managed)
                {
                    AddRetirement(changes, ResourceKinds.PromotionCode, existing.Code, existing.Id, existing.Active, existing);
                }
                else
                {
                    unmanaged.Add($"promotion code {existing.Code} ({existing.Id}) uses retired coupon {existing.Promotion!.CouponId}");
                }
            }
            else if (existing.Active)
            {
                unmanaged.Add($"promotion code {existing.Code} ({existing.Id})");
            }
        }
    }

    private static void PlanPortalConfigurations(Catalog.Catalog catalog, StripeState state, List<PlannedChange> changes, List<string> unmanaged, List<string> notes)
    {
        // A price being replaced gives its lookup key to the new price: configurations that list it must move too.
        var replaced = changes.Where(c => c.Kind == ResourceKinds.Price && c.Action == ChangeAction.Replace).Select(c => c.StripeId!).ToHashSet(StringComparer.Ordinal);
        var lookupKeys = state.Prices.Where(p => p.LookupKey is not null && !replaced.Contains(p.Id)).ToDictionary(p => p.Id, p => p.LookupKey!, StringComparer.Ordinal);
        var products = catalog.Products.ToDictionary(p => p.Id, StringComparer.Ordinal);
        IEnumerable<string> RecurringPrices(string productId) =>
            products.TryGetValue(productId, out var product) ? product.Prices.Where(p => p.IsRecurring && p.Active).Select(p => p.LookupKey) : [];

        var byKey = state.PortalConfigurations.Where(p => ManagedMetadata.IsManaged(p.Metadata) && ManagedMetadata.KeyOf(p.Metadata) is not null)
            .GroupBy(p => ManagedMetadata.KeyOf(p.Metadata)!)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Active).First(), StringComparer.Ordinal);
        foreach (var portal in catalog.PortalConfigurations)
        {
            var desired = Desired(portal, RecurringPrices);
            if (byKey.TryGetValue(portal.Key, out var existing))
            {
                AddUpdate(changes, ResourceKinds.PortalConfiguration, portal.Key, existing.Id,
                    Diff(desired, Actual(existing, id => lookupKeys.GetValueOrDefault(id, id))), portal);
            }
            else
            {
                changes.Add(new PlannedChange(ChangeAction.Create, ResourceKinds.PortalConfiguration, portal.Key, null, AllFields(desired)) { Desired = portal });
            }
        }

        var declared = catalog.PortalConfigurations.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var existing in state.PortalConfigurations)
        {
            var key = ManagedMetadata.KeyOf(existing.Metadata);
            if (ManagedMetadata.IsManaged(existing.Metadata) && key is not null)
            {
                if (!declared.Contains(key) || byKey[key].Id != existing.Id)
                {
                    if (existing.IsDefault && existing.Active)
                    {
                        notes.Add($"portal configuration {existing.Id} ({key}) is Stripe's default configuration and cannot be deactivated; make another one the default in the Dashboard first.");
                    }
                    else
                    {
                        AddRetirement(changes, ResourceKinds.PortalConfiguration, key, existing.Id, existing.Active, existing);
                    }
                }
            }
            else if (existing.Active)
            {
                unmanaged.Add($"portal configuration {existing.Id}{(existing.IsDefault ? " (the default)" : string.Empty)}");
            }
        }
    }

    private static void PlanWebhookEndpoints(Catalog.Catalog catalog, StripeState state, PlannerOptions options, List<PlannedChange> changes, List<ImmutableDrift> drift, List<string> unmanaged)
    {
        var byKey = state.WebhookEndpoints.Where(w => ManagedMetadata.IsManaged(w.Metadata) && ManagedMetadata.KeyOf(w.Metadata) is not null)
            .GroupBy(w => ManagedMetadata.KeyOf(w.Metadata)!)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(w => w.Status == "enabled").First(), StringComparer.Ordinal);
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in catalog.WebhookEndpoints)
        {
            var desired = Desired(endpoint);
            // Adopt an endpoint made before the catalog managed it (the old setup script matched by URL).
            var existing = byKey.GetValueOrDefault(endpoint.Key)
                ?? state.WebhookEndpoints.FirstOrDefault(w => !ManagedMetadata.IsManaged(w.Metadata) && w.Url == endpoint.Url);
            if (existing is null)
            {
                changes.Add(new PlannedChange(ChangeAction.Create, ResourceKinds.WebhookEndpoint, endpoint.Key, null, AllFields(desired)) { Desired = endpoint });
                continue;
            }
            matched.Add(existing.Id);
            var fields = Diff(desired, Actual(existing));
            var immutable = fields.Where(f => Immutable[ResourceKinds.WebhookEndpoint].Contains(f.Field)).ToList();
            if (immutable.Count == 0)
            {
                AddUpdate(changes, ResourceKinds.WebhookEndpoint, endpoint.Key, existing.Id, fields, endpoint);
            }
            else if (options.Replace)
            {
                changes.Add(new PlannedChange(ChangeAction.Replace, ResourceKinds.WebhookEndpoint, endpoint.Key, existing.Id, fields) { Desired = endpoint });
            }
            else
            {
                drift.AddRange(immutable.Select(f => new ImmutableDrift(ResourceKinds.WebhookEndpoint, endpoint.Key, existing.Id, f,
                    "an endpoint's API version is fixed: run apply --replace to create a new endpoint (deploy its new signing secret) and disable the old one")));
            }
        }

        foreach (var existing in state.WebhookEndpoints.Where(w => !matched.Contains(w.Id)))
        {
            if (ManagedMetadata.IsManaged(existing.Metadata))
            {
                AddRetirement(changes, ResourceKinds.WebhookEndpoint, ManagedMetadata.KeyOf(existing.Metadata) ?? existing.Id, existing.Id, existing.Status == "enabled", existing);
            }
            else if (existing.Status == "enabled")
            {
                unmanaged.Add($"webhook endpoint {existing.Id} ({existing.Url})");
            }
        }
    }

    /// <summary>An update, shown as a deactivation when it turns the resource off.</summary>
    private static void AddUpdate(List<PlannedChange> changes, string kind, string key, string stripeId, List<FieldChange> fields, object desired)
    {
        if (fields.Count == 0)
        {
            return;
        }
        var deactivates = fields.Any(f => (f.Field == "active" && f.After == "false") || (f.Field == "status" && f.After == "disabled"));
        changes.Add(new PlannedChange(deactivates ? ChangeAction.Deactivate : ChangeAction.Update, kind, key, stripeId, fields) { Desired = desired });
    }

    /// <summary>A managed resource the catalog no longer has: deactivated, never deleted.</summary>
    private static void AddRetirement(List<PlannedChange> changes, string kind, string key, string stripeId, bool isActive, object existing)
    {
        if (!isActive)
        {
            return;
        }
        var field = kind == ResourceKinds.WebhookEndpoint ? new FieldChange("status", "enabled", "disabled") : new FieldChange("active", "true", "false");
        changes.Add(new PlannedChange(ChangeAction.Deactivate, kind, key, stripeId, [field]) { Desired = existing });
    }

    /// <summary>yapit_basic_monthly_v2 → yapit_basic_monthly_v3; anything else gets _v2.</summary>
    internal static string NextVersion(string key)
    {
        var marker = key.LastIndexOf("_v", StringComparison.Ordinal);
        if (marker > 0 && int.TryParse(key[(marker + 2)..], out var version))
        {
            return $"{key[..marker]}_v{version + 1}";
        }
        return key + "_v2";
    }
}
