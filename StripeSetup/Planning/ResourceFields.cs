using System.Globalization;
using Yapit.Billing.Catalog;
using Stripe;
using PortalConfiguration = Stripe.BillingPortal.Configuration;
using Yapit.StripeSetup.Catalog;

namespace Yapit.StripeSetup.Planning;

/// <summary>
/// Flat, comparable views of a resource: field path → display value. Desired views come from the catalog, actual
/// views from Stripe's objects after normalising Stripe's defaults, expansions and ordering, so an unchanged catalog
/// compares equal. A field absent from a desired view is not managed and never compared.
/// </summary>
public static class ResourceFields
{
    public const string MetadataPrefix = "metadata.";

    /// <summary>Fields Stripe never lets change once set; a difference stops the run.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Immutable = new Dictionary<string, IReadOnlySet<string>>
    {
        [ResourceKinds.Product] = new HashSet<string>(),
        [ResourceKinds.Price] = new HashSet<string> { "product", "currency", "unit_amount", "type", "recurring.interval", "recurring.interval_count" },
        [ResourceKinds.Coupon] = new HashSet<string> { "amount_off", "currency", "percent_off", "duration", "duration_in_months", "max_redemptions", "redeem_by" },
        [ResourceKinds.PromotionCode] = new HashSet<string>
        {
            "coupon", "max_redemptions", "expires_at",
            "restrictions.first_time_transaction", "restrictions.minimum_amount", "restrictions.minimum_amount_currency",
        },
        [ResourceKinds.PortalConfiguration] = new HashSet<string>(),
        [ResourceKinds.WebhookEndpoint] = new HashSet<string> { "api_version" },
    };

    // Desired -------------------------------------------------------------------------------------------------------

    public static Dictionary<string, string?> Desired(CatalogProduct product) => WithMetadata(new()
    {
        ["name"] = Text(product.Name),
        ["description"] = Text(product.Description),
        ["active"] = Bool(product.Active),
        ["tax_code"] = product.TaxCode is null ? null : Text(product.TaxCode),
        ["unit_label"] = product.UnitLabel is null ? null : Text(product.UnitLabel),
    }, ManagedMetadata.For(product.Metadata), manageTaxCode: product.TaxCode is not null, manageUnitLabel: product.UnitLabel is not null);

    public static Dictionary<string, string?> Desired(CatalogPrice price)
    {
        var fields = new Dictionary<string, string?>
        {
            ["product"] = Text(price.ProductId),
            ["currency"] = price.Currency,
            ["unit_amount"] = Number(price.Amount),
            ["type"] = price.IsRecurring ? "recurring" : "one_time",
            ["active"] = Bool(price.Active),
            ["nickname"] = Text(price.Nickname),
            ["tax_behavior"] = price.TaxBehavior,
        };
        if (price.IsRecurring)
        {
            fields["recurring.interval"] = price.Interval;
            fields["recurring.interval_count"] = Number(price.IntervalCount);
        }
        return AddMetadata(fields, ManagedMetadata.For(price.Metadata));
    }

    public static Dictionary<string, string?> Desired(CatalogCoupon coupon, string catalogCurrency) => AddMetadata(new()
    {
        ["name"] = Text(coupon.Name),
        ["amount_off"] = coupon.AmountOff is { } amount ? Number(amount) : null,
        ["currency"] = coupon.AmountOff is null ? null : coupon.Currency ?? catalogCurrency,
        ["percent_off"] = coupon.PercentOff is { } percent ? Decimal(percent) : null,
        ["duration"] = coupon.Duration,
        ["duration_in_months"] = coupon.DurationInMonths is { } months ? Number(months) : null,
        ["max_redemptions"] = coupon.MaxRedemptions is { } max ? Number(max) : null,
        ["redeem_by"] = Date(coupon.RedeemBy),
    }, ManagedMetadata.For(coupon.Metadata));

    public static Dictionary<string, string?> Desired(CatalogPromotionCode code) => AddMetadata(new()
    {
        ["coupon"] = Text(code.Coupon),
        ["active"] = Bool(code.Active),
        ["max_redemptions"] = code.MaxRedemptions is { } max ? Number(max) : null,
        ["expires_at"] = Date(code.ExpiresAt),
        ["restrictions.first_time_transaction"] = Bool(code.FirstTimeTransaction ?? false),
        ["restrictions.minimum_amount"] = code.MinimumAmount is { } min ? Number(min) : null,
        ["restrictions.minimum_amount_currency"] = code.MinimumAmountCurrency,
    }, ManagedMetadata.For(code.Metadata));

    /// <param name="recurringPricesOf">Lookup keys of the active recurring prices of a product, as the catalog declares them.</param>
    public static Dictionary<string, string?> Desired(CatalogPortalConfiguration portal, Func<string, IEnumerable<string>> recurringPricesOf)
    {
        var fields = new Dictionary<string, string?>
        {
            ["name"] = Text(portal.Name),
            ["active"] = Bool(portal.Active),
            ["default_return_url"] = Text(portal.DefaultReturnUrl),
            ["business_profile.headline"] = Text(portal.Headline),
            ["business_profile.privacy_policy_url"] = Text(portal.PrivacyPolicyUrl),
            ["business_profile.terms_of_service_url"] = Text(portal.TermsOfServiceUrl),
            ["features.invoice_history.enabled"] = Bool(portal.InvoiceHistory),
            ["features.payment_method_update.enabled"] = Bool(portal.PaymentMethodUpdate),
            ["features.customer_update.enabled"] = Bool(portal.CustomerUpdate.Count > 0),
            ["features.customer_update.allowed_updates"] = List(portal.CustomerUpdate),
            ["features.subscription_cancel.enabled"] = Bool(portal.Cancellation is not null),
            ["features.subscription_update.enabled"] = Bool(portal.PlanSwitching is not null),
        };
        if (portal.Cancellation is { } cancel)
        {
            fields["features.subscription_cancel.mode"] = cancel.Mode;
            if (cancel.ProrationBehavior is not null)
            {
                fields["features.subscription_cancel.proration_behavior"] = cancel.ProrationBehavior;
            }
            fields["features.subscription_cancel.cancellation_reason.enabled"] = Bool(cancel.Reasons.Count > 0);
            fields["features.subscription_cancel.cancellation_reason.options"] = List(cancel.Reasons);
        }
        if (portal.PlanSwitching is { } switching)
        {
            fields["features.subscription_update.default_allowed_updates"] = List(switching.AllowedUpdates);
            fields["features.subscription_update.proration_behavior"] = switching.ProrationBehavior;
            fields["features.subscription_update.products"] = PortalProducts(switching.Products.Select(p => (p, recurringPricesOf(p))));
            fields["features.subscription_update.schedule_at_period_end.conditions"] = List(ScheduleConditions(switching.Downgrades));
        }
        return AddMetadata(fields, ManagedMetadata.For(new Dictionary<string, string>(), portal.Key));
    }

    public static Dictionary<string, string?> Desired(CatalogWebhookEndpoint endpoint) => AddMetadata(new()
    {
        ["url"] = Text(endpoint.Url),
        ["enabled_events"] = List(endpoint.EnabledEvents),
        ["description"] = Text(endpoint.Description),
        ["status"] = "enabled",
        ["api_version"] = endpoint.ApiVersion,
    }, ManagedMetadata.For(new Dictionary<string, string>(), endpoint.Key));

    /// <summary>"Downgrades immediately" is the absence of schedule conditions; "at period end" defers both kinds.</summary>
    public static IReadOnlyList<string> ScheduleConditions(string downgrades) =>
        downgrades == "at_period_end" ? ["decreasing_item_amount", "shortening_interval"] : [];

    // Actual --------------------------------------------------------------------------------------------------------

    public static Dictionary<string, string?> Actual(Product product) => AddMetadata(new()
    {
        ["name"] = Text(product.Name),
        ["description"] = Text(product.Description),
        ["active"] = Bool(product.Active),
        ["tax_code"] = Text(product.TaxCodeId),
        ["unit_label"] = Text(product.UnitLabel),
    }, product.Metadata ?? []);

    public static Dictionary<string, string?> Actual(Price price)
    {
        var fields = new Dictionary<string, string?>
        {
            ["product"] = Text(price.ProductId),
            ["currency"] = price.Currency,
            ["unit_amount"] = price.UnitAmount is { } amount ? Number(amount) : null,
            ["type"] = price.Type,
            ["active"] = Bool(price.Active),
            ["nickname"] = Text(price.Nickname),
            ["tax_behavior"] = price.TaxBehavior ?? "unspecified",
        };
        if (price.Recurring is { } recurring)
        {
            fields["recurring.interval"] = recurring.Interval;
            fields["recurring.interval_count"] = Number(recurring.IntervalCount is > 0 and var count ? count : 1);
        }
        return AddMetadata(fields, price.Metadata ?? []);
    }

    public static Dictionary<string, string?> Actual(Coupon coupon) => AddMetadata(new()
    {
        ["name"] = Text(coupon.Name),
        ["amount_off"] = coupon.AmountOff is { } amount ? Number(amount) : null,
        ["currency"] = coupon.AmountOff is null ? null : coupon.Currency,
        ["percent_off"] = coupon.PercentOff is { } percent ? Decimal(percent) : null,
        ["duration"] = coupon.Duration,
        ["duration_in_months"] = coupon.DurationInMonths is { } months ? Number(months) : null,
        ["max_redemptions"] = coupon.MaxRedemptions is { } max ? Number(max) : null,
        ["redeem_by"] = Date(coupon.RedeemBy),
    }, coupon.Metadata ?? []);

    public static Dictionary<string, string?> Actual(PromotionCode code) => AddMetadata(new()
    {
        ["coupon"] = Text(code.Promotion?.CouponId),
        ["active"] = Bool(code.Active),
        ["max_redemptions"] = code.MaxRedemptions is { } max ? Number(max) : null,
        ["expires_at"] = Date(code.ExpiresAt),
        ["restrictions.first_time_transaction"] = Bool(code.Restrictions?.FirstTimeTransaction ?? false),
        ["restrictions.minimum_amount"] = code.Restrictions?.MinimumAmount is { } min ? Number(min) : null,
        ["restrictions.minimum_amount_currency"] = code.Restrictions?.MinimumAmountCurrency,
    }, code.Metadata ?? []);

    /// <param name="lookupKeyOf">Maps a price id to its lookup key, so portal products compare by catalog identity.</param>
    public static Dictionary<string, string?> Actual(PortalConfiguration portal, Func<string, string> lookupKeyOf)
    {
        var features = portal.Features ?? new();
        var fields = new Dictionary<string, string?>
        {
            ["name"] = Text(portal.Name),
            ["active"] = Bool(portal.Active),
            ["default_return_url"] = Text(portal.DefaultReturnUrl),
            ["business_profile.headline"] = Text(portal.BusinessProfile?.Headline),
            ["business_profile.privacy_policy_url"] = Text(portal.BusinessProfile?.PrivacyPolicyUrl),
            ["business_profile.terms_of_service_url"] = Text(portal.BusinessProfile?.TermsOfServiceUrl),
            ["features.invoice_history.enabled"] = Bool(features.InvoiceHistory?.Enabled ?? false),
            ["features.payment_method_update.enabled"] = Bool(features.PaymentMethodUpdate?.Enabled ?? false),
            ["features.customer_update.enabled"] = Bool(features.CustomerUpdate?.Enabled ?? false),
            ["features.customer_update.allowed_updates"] = List(features.CustomerUpdate?.AllowedUpdates ?? []),
            ["features.subscription_cancel.enabled"] = Bool(features.SubscriptionCancel?.Enabled ?? false),
            ["features.subscription_cancel.mode"] = features.SubscriptionCancel?.Mode,
            ["features.subscription_cancel.proration_behavior"] = features.SubscriptionCancel?.ProrationBehavior,
            ["features.subscription_cancel.cancellation_reason.enabled"] = Bool(features.SubscriptionCancel?.CancellationReason?.Enabled ?? false),
            ["features.subscription_cancel.cancellation_reason.options"] = List(features.SubscriptionCancel?.CancellationReason?.Options ?? []),
            ["features.subscription_update.enabled"] = Bool(features.SubscriptionUpdate?.Enabled ?? false),
            ["features.subscription_update.default_allowed_updates"] = List(features.SubscriptionUpdate?.DefaultAllowedUpdates ?? []),
            ["features.subscription_update.proration_behavior"] = features.SubscriptionUpdate?.ProrationBehavior,
            ["features.subscription_update.products"] = PortalProducts((features.SubscriptionUpdate?.Products ?? [])
                .Select(p => (p.Product, (p.Prices ?? []).Select(lookupKeyOf)))),
            ["features.subscription_update.schedule_at_period_end.conditions"] =
                List(features.SubscriptionUpdate?.ScheduleAtPeriodEnd?.Conditions?.Select(c => c.Type) ?? []),
        };
        return AddMetadata(fields, portal.Metadata ?? []);
    }

    public static Dictionary<string, string?> Actual(WebhookEndpoint endpoint) => AddMetadata(new()
    {
        ["url"] = Text(endpoint.Url),
        ["enabled_events"] = List(endpoint.EnabledEvents),
        ["description"] = Text(endpoint.Description),
        ["status"] = endpoint.Status,
        ["api_version"] = endpoint.ApiVersion,
    }, endpoint.Metadata ?? []);

    // Comparison ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// The fields whose actual value differs from the desired one. Metadata keys Stripe has but the catalog does not
    /// (added in the Dashboard) are removed: the catalog is the whole truth.
    /// </summary>
    public static List<FieldChange> Diff(IReadOnlyDictionary<string, string?> desired, IReadOnlyDictionary<string, string?> actual)
    {
        var changes = new List<FieldChange>();
        foreach (var (field, value) in desired)
        {
            var current = actual.GetValueOrDefault(field);
            if (!string.Equals(current, value, StringComparison.Ordinal))
            {
                changes.Add(new FieldChange(field, current, value));
            }
        }
        foreach (var (field, value) in actual)
        {
            if (field.StartsWith(MetadataPrefix, StringComparison.Ordinal) && !desired.ContainsKey(field) && value is not null)
            {
                changes.Add(new FieldChange(field, value, null));
            }
        }
        return changes;
    }

    /// <summary>The desired view as the fields of a resource that does not exist yet.</summary>
    public static List<FieldChange> AllFields(IReadOnlyDictionary<string, string?> desired) =>
        desired.Where(f => f.Value is not null).Select(f => new FieldChange(f.Key, null, f.Value)).ToList();

    // Formatting ----------------------------------------------------------------------------------------------------

    public static string? Text(string? value) => value is null ? null : $"\"{value}\"";

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Decimal(decimal value) => value.ToString("0.############", CultureInfo.InvariantCulture);

    public static string? Date(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Stripe.net's timestamps are UTC <see cref="DateTime"/>s.</summary>
    public static string? Date(DateTime? value) => value is { } utc ? Date(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc))) : null;

    /// <summary>Sets, not sequences: Stripe may return them in another order.</summary>
    public static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Order(StringComparer.Ordinal)) + "]";

    private static string PortalProducts(IEnumerable<(string Product, IEnumerable<string> Prices)> products) =>
        List(products.Select(p => $"{p.Product}({string.Join(" ", p.Prices.Order(StringComparer.Ordinal))})"));

    private static Dictionary<string, string?> AddMetadata(Dictionary<string, string?> fields, IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            fields[MetadataPrefix + key] = Text(value);
        }
        return fields;
    }

    private static Dictionary<string, string?> WithMetadata(Dictionary<string, string?> fields, IReadOnlyDictionary<string, string> metadata, bool manageTaxCode, bool manageUnitLabel)
    {
        // Unset optional fields are left to whoever manages them (Stripe's defaults, the Dashboard).
        if (!manageTaxCode)
        {
            fields.Remove("tax_code");
        }
        if (!manageUnitLabel)
        {
            fields.Remove("unit_label");
        }
        return AddMetadata(fields, metadata);
    }
}

/// <summary>
/// The marker the catalog leaves on what it manages: a managed resource no longer in the catalog is deactivated,
/// an unmarked one (made in the Dashboard) is only reported.
/// </summary>
public static class ManagedMetadata
{
    public const string ManagedBy = CatalogMarkers.ManagedByKey;
    public const string ManagedByValue = CatalogMarkers.ManagedByValue;

    /// <summary>For resources with no natural key (portal configurations, webhook endpoints).</summary>
    public const string CatalogKey = CatalogMarkers.CatalogKey;

    public static IReadOnlyDictionary<string, string> For(IReadOnlyDictionary<string, string> catalogMetadata, string? catalogKey = null)
    {
        var metadata = new Dictionary<string, string>(catalogMetadata, StringComparer.Ordinal) { [ManagedBy] = ManagedByValue };
        if (catalogKey is not null)
        {
            metadata[CatalogKey] = catalogKey;
        }
        return metadata;
    }

    public static bool IsManaged(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(ManagedBy, out var value) && value == ManagedByValue;

    public static string? KeyOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(CatalogKey, out var key) ? key : null;
}
