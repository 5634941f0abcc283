using System.Security.Cryptography;
using System.Text;
using Yapit.Billing.Catalog;
using Stripe;
using Stripe.BillingPortal;
using Yapit.StripeSetup.Catalog;
using Yapit.StripeSetup.Database;
using Yapit.StripeSetup.Planning;
using File = System.IO.File;
using Plan = Yapit.StripeSetup.Planning.Plan;

namespace Yapit.StripeSetup.Applying;

/// <summary>
/// Carries out exactly the changes of a plan: creates, updates and deactivations, never a delete. Creates carry an
/// idempotency key derived from the resource and its desired state, so an apply that was interrupted (or whose
/// response got lost) and is run again never makes a duplicate.
/// </summary>
public sealed class PlanApplier(IStripeClient stripe, TextWriter output)
{
    private readonly ProductService _products = new(stripe);
    private readonly PriceService _prices = new(stripe);
    private readonly CouponService _coupons = new(stripe);
    private readonly PromotionCodeService _promotionCodes = new(stripe);
    private readonly ConfigurationService _portalConfigurations = new(stripe);
    private readonly WebhookEndpointService _webhookEndpoints = new(stripe);

    /// <summary>Where the signing secrets of newly created webhook endpoints are written (Stripe shows them once).</summary>
    public string WebhookSecretDirectory { get; init; } = "webhook-secrets";

    public async Task<IReadOnlyDictionary<string, ResolvedPrice>> ApplyAsync(Plan plan, Catalog.Catalog catalog, StripeState state, CancellationToken cancellationToken)
    {
        if (plan.Drift.Count > 0)
        {
            throw new InvalidOperationException("A plan with immutable drift cannot be applied.");
        }

        // Lookup key -> price id, starting from Stripe's state and growing with what this apply creates.
        var priceIds = state.Prices.Where(p => p.LookupKey is not null)
            .GroupBy(p => p.LookupKey!).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Active).First().Id, StringComparer.Ordinal);
        var retirements = plan.Changes.Where(c => c.Action == ChangeAction.Deactivate && c.Desired is not CatalogProduct and not CatalogPrice
            and not CatalogCoupon and not CatalogPromotionCode and not CatalogPortalConfiguration and not CatalogWebhookEndpoint).ToList();
        var replacedOld = new List<PlannedChange>();

        foreach (var change in plan.Changes.Except(retirements))
        {
            switch (change.Desired)
            {
                case CatalogProduct product:
                    await ApplyProductAsync(change, product, cancellationToken).ConfigureAwait(false);
                    break;
                case CatalogPrice price:
                    priceIds[price.LookupKey] = await ApplyPriceAsync(change, price, cancellationToken).ConfigureAwait(false);
                    if (change.Action == ChangeAction.Replace)
                    {
                        replacedOld.Add(change);
                    }
                    break;
                case CatalogCoupon coupon:
                    await ApplyCouponAsync(change, coupon, catalog.Currency, cancellationToken).ConfigureAwait(false);
                    break;
                case CatalogPromotionCode code:
                    await ApplyPromotionCodeAsync(change, code, cancellationToken).ConfigureAwait(false);
                    break;
                case CatalogPortalConfiguration portal:
                    await ApplyPortalAsync(change, portal, catalog, priceIds, cancellationToken).ConfigureAwait(false);
                    break;
                case CatalogWebhookEndpoint endpoint:
                    await ApplyWebhookEndpointAsync(change, endpoint, catalog.Environment, cancellationToken).ConfigureAwait(false);
                    if (change.Action == ChangeAction.Replace)
                    {
                        replacedOld.Add(change);
                    }
                    break;
            }
        }

        // Retirements last: a lookup key moves to its new price before the old one is switched off.
        foreach (var change in replacedOld)
        {
            await DeactivateAsync(change.Kind, change.Key, change.StripeId!, cancellationToken).ConfigureAwait(false);
        }
        foreach (var change in retirements.OrderBy(c => RetirementOrder(c.Kind)))
        {
            await DeactivateAsync(change.Kind, change.Key, change.StripeId!, cancellationToken).ConfigureAwait(false);
        }

        return catalog.Prices.ToDictionary(
            p => p.LookupKey,
            p => new ResolvedPrice(p.LookupKey, priceIds.GetValueOrDefault(p.LookupKey), p.Active),
            StringComparer.Ordinal);
    }

    private async Task ApplyProductAsync(PlannedChange change, CatalogProduct product, CancellationToken cancellationToken)
    {
        var metadata = ManagedMetadata.For(product.Metadata);
        if (change.Action == ChangeAction.Create)
        {
            var create = new ProductCreateOptions
            {
                Id = product.Id,
                Name = product.Name,
                Active = product.Active,
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value),
            };
            // Optional fields only when the catalog has them (see SetIfPresent).
            SetIfPresent(product.Description, v => create.Description = v);
            SetIfPresent(product.TaxCode, v => create.TaxCode = v);
            SetIfPresent(product.UnitLabel, v => create.UnitLabel = v);
            await _products.CreateAsync(create, Idempotent(change), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var fields = Changed(change);
            var update = new ProductUpdateOptions { Active = fields.Contains("active") ? product.Active : null };
            // A changed field the catalog no longer has is sent empty, which clears it in Stripe.
            SetIf(fields.Contains("name"), product.Name, v => update.Name = v);
            SetIf(fields.Contains("description"), product.Description ?? string.Empty, v => update.Description = v);
            SetIf(fields.Contains("tax_code"), product.TaxCode ?? string.Empty, v => update.TaxCode = v);
            SetIf(fields.Contains("unit_label"), product.UnitLabel ?? string.Empty, v => update.UnitLabel = v);
            PatchMetadata(update, change, metadata);
            await _products.UpdateAsync(change.StripeId!, update, Update(), cancellationToken).ConfigureAwait(false);
        }
        Report(change);
    }

    private async Task<string> ApplyPriceAsync(PlannedChange change, CatalogPrice price, CancellationToken cancellationToken)
    {
        var metadata = ManagedMetadata.For(price.Metadata);
        if (change.Action is ChangeAction.Create or ChangeAction.Replace)
        {
            var create = new PriceCreateOptions
            {
                Currency = price.Currency,
                UnitAmount = price.Amount,
                Product = price.ProductId,
                LookupKey = price.LookupKey,
                TransferLookupKey = change.Action == ChangeAction.Replace ? true : null,
                Recurring = price.IsRecurring ? new PriceRecurringOptions { Interval = price.Interval!, IntervalCount = price.IntervalCount } : null,
                Active = price.Active,
                TaxBehavior = price.TaxBehavior,
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value),
            };
            SetIfPresent(price.Nickname, v => create.Nickname = v);
            var created = await _prices.CreateAsync(create, Idempotent(change), cancellationToken).ConfigureAwait(false);
            Report(change, created.Id);
            return created.Id;
        }

        var fields = Changed(change);
        var update = new PriceUpdateOptions { Active = fields.Contains("active") ? price.Active : null };
        SetIf(fields.Contains("nickname"), price.Nickname ?? string.Empty, v => update.Nickname = v);
        SetIf(fields.Contains("tax_behavior"), price.TaxBehavior, v => update.TaxBehavior = v);
        PatchMetadata(update, change, metadata);
        await _prices.UpdateAsync(change.StripeId!, update, Update(), cancellationToken).ConfigureAwait(false);
        Report(change);
        return change.StripeId!;
    }

    private async Task ApplyCouponAsync(PlannedChange change, CatalogCoupon coupon, string currency, CancellationToken cancellationToken)
    {
        var metadata = ManagedMetadata.For(coupon.Metadata);
        if (change.Action == ChangeAction.Create)
        {
            var create = new CouponCreateOptions
            {
                Id = coupon.Id,
                AmountOff = coupon.AmountOff,
                Currency = coupon.AmountOff is null ? null : coupon.Currency ?? currency,
                PercentOff = coupon.PercentOff,
                Duration = coupon.Duration,
                DurationInMonths = coupon.DurationInMonths,
                MaxRedemptions = coupon.MaxRedemptions,
                RedeemBy = coupon.RedeemBy?.UtcDateTime,
                AppliesTo = coupon.AppliesTo.Count == 0 ? null : new CouponAppliesToOptions { Products = [.. coupon.AppliesTo] },
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value),
            };
            SetIfPresent(coupon.Name, v => create.Name = v);
            await _coupons.CreateAsync(create, Idempotent(change), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var update = new CouponUpdateOptions();
            SetIf(Changed(change).Contains("name"), coupon.Name, v => update.Name = v);
            PatchMetadata(update, change, metadata);
            await _coupons.UpdateAsync(change.StripeId!, update, Update(), cancellationToken).ConfigureAwait(false);
        }
        Report(change);
    }

    private async Task ApplyPromotionCodeAsync(PlannedChange change, CatalogPromotionCode code, CancellationToken cancellationToken)
    {
        var metadata = ManagedMetadata.For(code.Metadata);
        if (change.Action == ChangeAction.Create)
        {
            var hasRestrictions = code.FirstTimeTransaction is not null || code.MinimumAmount is not null;
            var created = await _promotionCodes.CreateAsync(new PromotionCodeCreateOptions
            {
                Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = code.Coupon },
                Code = code.Code,
                Active = code.Active,
                MaxRedemptions = code.MaxRedemptions,
                ExpiresAt = code.ExpiresAt?.UtcDateTime,
                Restrictions = hasRestrictions
                    ? new PromotionCodeRestrictionsOptions { FirstTimeTransaction = code.FirstTimeTransaction, MinimumAmount = code.MinimumAmount, MinimumAmountCurrency = code.MinimumAmountCurrency }
                    : null,
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value),
            }, Idempotent(change), cancellationToken).ConfigureAwait(false);
            Report(change, created.Id);
            return;
        }
        var update = new PromotionCodeUpdateOptions { Active = Changed(change).Contains("active") ? code.Active : null };
        PatchMetadata(update, change, metadata);
        await _promotionCodes.UpdateAsync(change.StripeId!, update, Update(), cancellationToken).ConfigureAwait(false);
        Report(change);
    }

    private async Task ApplyPortalAsync(PlannedChange change, CatalogPortalConfiguration portal, Catalog.Catalog catalog, Dictionary<string, string> priceIds, CancellationToken cancellationToken)
    {
        var features = PortalParameters.Features(portal, catalog, priceIds, forCreate: change.Action == ChangeAction.Create);
        var profile = new ConfigurationBusinessProfileOptions { Headline = portal.Headline ?? string.Empty };
        SetIfPresent(portal.PrivacyPolicyUrl, v => profile.PrivacyPolicyUrl = v);
        SetIfPresent(portal.TermsOfServiceUrl, v => profile.TermsOfServiceUrl = v);
        var metadata = ManagedMetadata.For(new Dictionary<string, string>(), portal.Key);
        if (change.Action == ChangeAction.Create)
        {
            var create = new ConfigurationCreateOptions
            {
                Features = features,
                BusinessProfile = profile,
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value),
            };
            SetIfPresent(portal.DefaultReturnUrl, v => create.DefaultReturnUrl = v);
            SetIfPresent(portal.Name, v => create.Name = v);
            var created = await _portalConfigurations.CreateAsync(create, Idempotent(change), cancellationToken).ConfigureAwait(false);
            if (!portal.Active)
            {
                // Create takes no active flag: a configuration declared inactive is switched off right after.
                await _portalConfigurations.UpdateAsync(created.Id, new ConfigurationUpdateOptions { Active = false }, Update(), cancellationToken).ConfigureAwait(false);
            }
            Report(change, created.Id);
            return;
        }
        // The whole desired tree is sent: afterwards the configuration equals the catalog, whatever changed.
        var update = new ConfigurationUpdateOptions
        {
            Active = portal.Active,
            Features = features,
            BusinessProfile = profile,
            DefaultReturnUrl = portal.DefaultReturnUrl ?? string.Empty,
            Name = portal.Name ?? string.Empty,
        };
        PatchMetadata(update, change, metadata);
        await _portalConfigurations.UpdateAsync(change.StripeId!, update, Update(), cancellationToken).ConfigureAwait(false);
        Report(change);
    }

    private async Task ApplyWebhookEndpointAsync(PlannedChange change, CatalogWebhookEndpoint endpoint, string environment, CancellationToken cancellationToken)
    {
        var metadata = ManagedMetadata.For(new Dictionary<string, string>(), endpoint.Key);
        if (change.Action is ChangeAction.Create or ChangeAction.Replace)
        {
            var create = new WebhookEndpointCreateOptions
            {
                Url = endpoint.Url,
                EnabledEvents = [.. endpoint.EnabledEvents],
                ApiVersion = endpoint.ApiVersion,
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value),
            };
            SetIfPresent(endpoint.Description, v => create.Description = v);
            var created = await _webhookEndpoints.CreateAsync(create, Idempotent(change), cancellationToken).ConfigureAwait(false);
            Report(change, created.Id);
            if (created.Secret is { } secret)
            {
                // Stripe shows the signing secret only now. It goes to a private file, never to the output.
                var path = await SaveSecretAsync(environment, endpoint.Key, secret, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"      its signing secret is in {path} (readable by you only): deploy it as Stripe__WebhookSecrets__N").ConfigureAwait(false);
            }
            return;
        }
        var fields = Changed(change);
        var update = new WebhookEndpointUpdateOptions
        {
            Url = fields.Contains("url") ? endpoint.Url : null,
            EnabledEvents = fields.Contains("enabled_events") ? [.. endpoint.EnabledEvents] : null,
            Disabled = fields.Contains("status") ? false : null,
        };
        SetIf(fields.Contains("description"), endpoint.Description ?? string.Empty, v => update.Description = v);
        PatchMetadata(update, change, metadata);
        await _webhookEndpoints.UpdateAsync(change.StripeId!, update, Update(), cancellationToken).ConfigureAwait(false);
        Report(change);
    }

    private async Task DeactivateAsync(string kind, string key, string stripeId, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case ResourceKinds.Product:
                await _products.UpdateAsync(stripeId, new ProductUpdateOptions { Active = false }, Update(), cancellationToken).ConfigureAwait(false);
                break;
            case ResourceKinds.Price:
                await _prices.UpdateAsync(stripeId, new PriceUpdateOptions { Active = false }, Update(), cancellationToken).ConfigureAwait(false);
                break;
            case ResourceKinds.PromotionCode:
                await _promotionCodes.UpdateAsync(stripeId, new PromotionCodeUpdateOptions { Active = false }, Update(), cancellationToken).ConfigureAwait(false);
                break;
            case ResourceKinds.PortalConfiguration:
                await _portalConfigurations.UpdateAsync(stripeId, new ConfigurationUpdateOptions { Active = false }, Update(), cancellationToken).ConfigureAwait(false);
                break;
            case ResourceKinds.WebhookEndpoint:
                await _webhookEndpoints.UpdateAsync(stripeId, new WebhookEndpointUpdateOptions { Disabled = true }, Update(), cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"{kind} cannot be deactivated.");
        }
        await output.WriteLineAsync($"  x deactivated {kind} {key} ({stripeId})").ConfigureAwait(false);
    }

    private static int RetirementOrder(string kind) => kind switch
    {
        ResourceKinds.PromotionCode => 0,
        ResourceKinds.PortalConfiguration => 1,
        ResourceKinds.WebhookEndpoint => 2,
        ResourceKinds.Price => 3,
        _ => 4,
    };

    private void Report(PlannedChange change, string? createdId = null)
    {
        var verb = change.Action switch
        {
            ChangeAction.Create => "created",
            ChangeAction.Replace => "replaced",
            ChangeAction.Deactivate => "deactivated",
            _ => "updated",
        };
        var id = createdId ?? change.StripeId;
        output.WriteLine($"  {PlanRenderer.Symbol(change.Action)} {verb} {change.Kind} {change.Key}{(id is null || id == change.Key ? string.Empty : $" ({id})")}");
    }

    private static HashSet<string> Changed(PlannedChange change) => change.Fields.Select(f => f.Field).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Stripe.net sends a property that was assigned null as an empty value, which clears the field (its way of
    /// unsetting <c>metadata</c> or a description). So optional values are assigned only when there is one, never null.
    /// </summary>
    private static void SetIfPresent(string? value, Action<string> set)
    {
        if (value is not null)
        {
            set(value);
        }
    }

    private static void SetIf(bool changed, string? value, Action<string> set)
    {
        if (changed)
        {
            SetIfPresent(value, set);
        }
    }

    /// <summary>Sets the metadata patch when there is one; assigning null would clear all metadata.</summary>
    private static void PatchMetadata(IHasMetadata options, PlannedChange change, IReadOnlyDictionary<string, string> desired)
    {
        if (MetadataPatch(change, desired) is { } patch)
        {
            options.Metadata = patch;
        }
    }

    /// <summary>Only the metadata keys that changed: new values set, keys the catalog does not have removed.</summary>
    /// <remarks>A removed key is sent empty (<c>metadata[key]=</c>), which is how Stripe deletes one key.</remarks>
    private static Dictionary<string, string>? MetadataPatch(PlannedChange change, IReadOnlyDictionary<string, string> desired)
    {
        var keys = change.Fields.Where(f => f.Field.StartsWith(ResourceFields.MetadataPrefix, StringComparison.Ordinal))
            .Select(f => f.Field[ResourceFields.MetadataPrefix.Length..]).ToList();
        return keys.Count == 0 ? null : keys.ToDictionary(k => k, k => desired.TryGetValue(k, out var v) ? v : string.Empty, StringComparer.Ordinal);
    }

    /// <summary>
    /// The same resource in the same desired state always gets the same key: a re-run after an interruption, or a
    /// retried request whose response was lost, is answered with the original object instead of a duplicate.
    /// </summary>
    internal static RequestOptions Idempotent(PlannedChange change)
    {
        var state = string.Join('\n', change.Fields.OrderBy(f => f.Field, StringComparer.Ordinal).Select(f => $"{f.Field}={f.After}"));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{change.Kind}\n{change.Key}\n{change.Action}\n{change.StripeId}\n{state}")));
        return new RequestOptions { IdempotencyKey = $"{CatalogMarkers.IdempotencyKeyPrefix}{hash[..40]}" };
    }

    /// <summary>
    /// Updates get a fresh key: repeating an update is harmless, and a deterministic key would make Stripe replay a
    /// stale answer when the same change is made again within a day (deactivate, reactivate, deactivate). The prefix
    /// lets the worker tell setup's changes from the Dashboard's.
    /// </summary>
    private static RequestOptions Update() => new() { IdempotencyKey = $"{CatalogMarkers.IdempotencyKeyPrefix}{Guid.NewGuid():N}" };

    private async Task<string> SaveSecretAsync(string environment, string key, string secret, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(WebhookSecretDirectory);
        var path = Path.GetFullPath(Path.Combine(WebhookSecretDirectory, $"{environment}.{key}.whsec"));
        await File.WriteAllTextAsync(path, secret, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return path;
    }
}

/// <summary>The portal configuration parameters a catalog entry stands for, with price ids resolved.</summary>
public static class PortalParameters
{
    /// <param name="forCreate">
    /// Create does not accept an empty condition list (no conditions is its default); update needs the empty value to
    /// clear conditions set before.
    /// </param>
    public static ConfigurationFeaturesOptions Features(CatalogPortalConfiguration portal, Catalog.Catalog catalog, IReadOnlyDictionary<string, string> priceIds, bool forCreate)
    {
        var products = catalog.Products.ToDictionary(p => p.Id, StringComparer.Ordinal);
        return new ConfigurationFeaturesOptions
        {
            InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = portal.InvoiceHistory },
            PaymentMethodUpdate = new ConfigurationFeaturesPaymentMethodUpdateOptions { Enabled = portal.PaymentMethodUpdate },
            CustomerUpdate = new ConfigurationFeaturesCustomerUpdateOptions { Enabled = portal.CustomerUpdate.Count > 0, AllowedUpdates = [.. portal.CustomerUpdate] },
            SubscriptionCancel = portal.Cancellation is { } cancel
                ? new ConfigurationFeaturesSubscriptionCancelOptions
                {
                    Enabled = true,
                    Mode = cancel.Mode,
                    ProrationBehavior = cancel.ProrationBehavior,
                    CancellationReason = new ConfigurationFeaturesSubscriptionCancelCancellationReasonOptions { Enabled = cancel.Reasons.Count > 0, Options = [.. cancel.Reasons] },
                }
                : new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = false },
            SubscriptionUpdate = portal.PlanSwitching is { } switching
                ? new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Enabled = true,
                    DefaultAllowedUpdates = [.. switching.AllowedUpdates],
                    ProrationBehavior = switching.ProrationBehavior,
                    Products = switching.Products.Select(productId => new ConfigurationFeaturesSubscriptionUpdateProductOptions
                    {
                        Product = productId,
                        Prices = products[productId].Prices.Where(p => p.IsRecurring && p.Active)
                            .Select(p => priceIds.TryGetValue(p.LookupKey, out var id) ? id : throw new InvalidOperationException($"price '{p.LookupKey}' has no Stripe id yet"))
                            .ToList(),
                    }).ToList(),
                    // No conditions: downgrades apply immediately (an empty list clears earlier ones on update).
                    ScheduleAtPeriodEnd = ResourceFields.ScheduleConditions(switching.Downgrades) is { Count: 0 } && forCreate
                        ? null
                        : new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndOptions
                        {
                            Conditions = ResourceFields.ScheduleConditions(switching.Downgrades).Select(c => new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndConditionOptions { Type = c }).ToList(),
                        },
                }
                : new ConfigurationFeaturesSubscriptionUpdateOptions { Enabled = false },
        };
    }
}
