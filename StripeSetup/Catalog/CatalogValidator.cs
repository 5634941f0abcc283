using System.Text.RegularExpressions;

namespace Yapit.StripeSetup.Catalog;

/// <summary>
/// The rules a catalog must satisfy before any Stripe call: unique identities, known references, sensible amounts,
/// consistent currencies and intervals. Every violation is reported, each with its path and line.
/// </summary>
public static partial class CatalogValidator
{
    private static readonly HashSet<string> Intervals = ["day", "week", "month", "year"];
    private static readonly HashSet<string> TaxBehaviors = ["exclusive", "inclusive", "unspecified"];
    private static readonly HashSet<string> Durations = ["once", "repeating", "forever"];
    private static readonly HashSet<string> ProrationBehaviors = ["always_invoice", "create_prorations", "none"];
    private static readonly HashSet<string> CancelModes = ["at_period_end", "immediately"];
    private static readonly HashSet<string> Downgrades = ["immediately", "at_period_end"];
    private static readonly HashSet<string> AllowedCustomerUpdates = ["address", "email", "name", "phone", "shipping", "tax_id"];
    private static readonly HashSet<string> AllowedSubscriptionUpdates = ["price", "promotion_code", "quantity"];
    private static readonly HashSet<string> CancellationReasons =
        ["customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused"];

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{3,200}$")]
    private static partial Regex LookupKeyPattern();

    [GeneratedRegex("^[A-Za-z0-9]{3,500}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[a-z]{3}$")]
    private static partial Regex CurrencyPattern();

    public static void Validate(Catalog catalog, List<CatalogError> errors, List<string> warnings)
    {
        void Error(SourceLocation at, string path, string message) => errors.Add(new CatalogError(path, at, message));

        if (!CurrencyPattern().IsMatch(catalog.Currency))
        {
            Error(default, "currency", $"'{catalog.Currency}' is not a three-letter ISO currency code");
        }

        var meters = catalog.Meters.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);

        // Products and prices.
        Unique(catalog.Products, p => p.Id, p => p.Location, "products", "product id", Error, StringComparer.Ordinal);
        Unique(catalog.Prices.ToList(), p => p.LookupKey, p => p.Location, "prices", "lookup key", Error, StringComparer.Ordinal);
        for (var i = 0; i < catalog.Products.Count; i++)
        {
            var product = catalog.Products[i];
            var path = $"products[{i}] ({product.Id})";
            if (!IdPattern().IsMatch(product.Id))
            {
                Error(product.Location, path + ".id", "use letters, digits, '_' or '-' (at most 100)");
            }
            if (string.IsNullOrWhiteSpace(product.Name))
            {
                Error(product.Location, path + ".name", "must not be empty");
            }
            foreach (var price in product.Prices)
            {
                var pricePath = $"{path}.prices ({price.LookupKey})";
                if (!LookupKeyPattern().IsMatch(price.LookupKey))
                {
                    Error(price.Location, pricePath + ".lookup_key", "use 3-200 letters, digits, '_' or '-'");
                }
                if (!CurrencyPattern().IsMatch(price.Currency))
                {
                    Error(price.Location, pricePath + ".currency", $"'{price.Currency}' is not a three-letter ISO currency code");
                }
                else if (price.Currency != catalog.Currency)
                {
                    Error(price.Location, pricePath + ".currency", $"'{price.Currency}' differs from the catalog currency '{catalog.Currency}'");
                }
                if (price.Interval is not null && !Intervals.Contains(price.Interval))
                {
                    Error(price.Location, pricePath + ".interval", $"'{price.Interval}' is not one of {string.Join(", ", Intervals)}");
                }
                if (price.Interval is null && price.IntervalCount != 1)
                {
                    Error(price.Location, pricePath + ".interval_count", "only a recurring price (with an interval) has an interval count");
                }
                if (!TaxBehaviors.Contains(price.TaxBehavior))
                {
                    Error(price.Location, pricePath + ".tax_behavior", $"'{price.TaxBehavior}' is not one of {string.Join(", ", TaxBehaviors)}");
                }
                if (price.Grants is { } grants)
                {
                    if (price.IsRecurring)
                    {
                        Error(price.Location, pricePath + ".grants", "credit grants belong to one-time prices (credit packs), not to a recurring price");
                    }
                    if (!meters.Contains(grants.Meter))
                    {
                        Error(price.Location, pricePath + ".grants.meter", $"unknown meter '{grants.Meter}'; meters: {string.Join(", ", meters)}");
                    }
                }
            }
        }

        // Plans.
        var products = catalog.Products.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var prices = catalog.Prices.GroupBy(p => p.LookupKey).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Unique(catalog.Plans, p => p.Tier, p => p.Location, "plans", "tier", Error, StringComparer.Ordinal);
        Unique(catalog.Plans, p => p.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Location, "plans", "rank", Error, StringComparer.Ordinal);
        var priceOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < catalog.Plans.Count; i++)
        {
            var plan = catalog.Plans[i];
            var path = $"plans[{i}] ({plan.Tier})";
            foreach (var lookupKey in new[] { plan.MonthlyPrice, plan.YearlyPrice }.OfType<string>())
            {
                if (!priceOwners.TryAdd(lookupKey, plan.Tier) && priceOwners[lookupKey] != plan.Tier)
                {
                    Error(plan.Location, path + ".prices", $"price '{lookupKey}' is already the price of plan '{priceOwners[lookupKey]}'");
                }
            }
            if (plan.TrialDays > 730)
            {
                Error(plan.Location, path + ".trial_days", "Stripe allows at most 730 trial days");
            }
            foreach (var meter in plan.Limits.Keys.Where(m => !meters.Contains(m)))
            {
                Error(plan.Location, $"{path}.limits.{meter}", $"unknown meter '{meter}'; meters: {string.Join(", ", meters)}");
            }
            foreach (var meter in meters.Where(m => !plan.Limits.ContainsKey(m)))
            {
                Error(plan.Location, $"{path}.limits", $"no limit for meter '{meter}' (write null for unlimited, 0 for not included)");
            }
            if (plan.Product is null)
            {
                if (plan.MonthlyPrice is not null || plan.YearlyPrice is not null)
                {
                    Error(plan.Location, path + ".prices", "a plan without a product (the free plan) has no prices");
                }
                if (plan.TrialDays != 0)
                {
                    Error(plan.Location, path + ".trial_days", "a plan without a product has no trial");
                }
                continue;
            }
            if (!products.TryGetValue(plan.Product, out var product))
            {
                Error(plan.Location, path + ".product", $"unknown product '{plan.Product}'");
                continue;
            }
            if (plan.MonthlyPrice is null && plan.YearlyPrice is null)
            {
                Error(plan.Location, path + ".prices", "a paid plan needs a monthly or a yearly price");
            }
            CheckPlanPrice(plan.MonthlyPrice, "month", "monthly");
            CheckPlanPrice(plan.YearlyPrice, "year", "yearly");
            if (plan.MonthlyPrice is { } m && plan.YearlyPrice is { } y && prices.TryGetValue(m, out var mp) && prices.TryGetValue(y, out var yp) && mp.Currency != yp.Currency)
            {
                Error(plan.Location, path + ".prices", $"the monthly price is in {mp.Currency} and the yearly one in {yp.Currency}");
            }

            void CheckPlanPrice(string? lookupKey, string interval, string field)
            {
                if (lookupKey is null)
                {
                    return;
                }
                if (!prices.TryGetValue(lookupKey, out var price))
                {
                    Error(plan.Location, $"{path}.prices.{field}", $"unknown price lookup key '{lookupKey}'");
                }
                else if (price.ProductId != product.Id)
                {
                    Error(plan.Location, $"{path}.prices.{field}", $"price '{lookupKey}' belongs to product '{price.ProductId}', not '{product.Id}'");
                }
                else if (price.Interval != interval || price.IntervalCount != 1)
                {
                    Error(plan.Location, $"{path}.prices.{field}", $"price '{lookupKey}' must recur every {interval}");
                }
            }
        }

        // Coupons.
        Unique(catalog.Coupons, c => c.Id, c => c.Location, "coupons", "coupon id", Error, StringComparer.Ordinal);
        for (var i = 0; i < catalog.Coupons.Count; i++)
        {
            var coupon = catalog.Coupons[i];
            var path = $"coupons[{i}] ({coupon.Id})";
            if (!IdPattern().IsMatch(coupon.Id))
            {
                Error(coupon.Location, path + ".id", "use letters, digits, '_' or '-' (at most 100)");
            }
            if ((coupon.AmountOff is null) == (coupon.PercentOff is null))
            {
                Error(coupon.Location, path, "give exactly one of amount_off and percent_off");
            }
            if (coupon.PercentOff is { } percent && percent is <= 0 or > 100)
            {
                Error(coupon.Location, path + ".percent_off", "must be more than 0 and at most 100");
            }
            if (coupon.PercentOff is not null && coupon.Currency is not null)
            {
                Error(coupon.Location, path + ".currency", "a percent_off coupon has no currency");
            }
            if (coupon.AmountOff is not null)
            {
                var currency = coupon.Currency ?? catalog.Currency;
                foreach (var productId in coupon.AppliesTo.Where(products.ContainsKey))
                {
                    var mismatched = products[productId].Prices.FirstOrDefault(p => p.Currency != currency);
                    if (mismatched is not null)
                    {
                        Error(coupon.Location, path + ".currency", $"amount_off is in {currency} but price '{mismatched.LookupKey}' of '{productId}' is in {mismatched.Currency}");
                    }
                }
                if (coupon.Currency is not null && coupon.Currency != catalog.Currency && coupon.AppliesTo.Count == 0)
                {
                    Error(coupon.Location, path + ".currency", $"'{coupon.Currency}' differs from the catalog currency '{catalog.Currency}'");
                }
            }
            if (!Durations.Contains(coupon.Duration))
            {
                Error(coupon.Location, path + ".duration", $"'{coupon.Duration}' is not one of {string.Join(", ", Durations)}");
            }
            if (coupon.Duration == "repeating" && coupon.DurationInMonths is null)
            {
                Error(coupon.Location, path + ".duration_in_months", "a repeating coupon needs duration_in_months");
            }
            if (coupon.Duration != "repeating" && coupon.DurationInMonths is not null)
            {
                Error(coupon.Location, path + ".duration_in_months", "only a repeating coupon has duration_in_months");
            }
            foreach (var productId in coupon.AppliesTo.Where(id => !products.ContainsKey(id)))
            {
                Error(coupon.Location, path + ".applies_to", $"unknown product '{productId}'");
            }
            if (coupon.PercentOff is not null && coupon.Duration != "forever")
            {
                var yearly = (coupon.AppliesTo.Count == 0 ? catalog.Products : coupon.AppliesTo.Where(products.ContainsKey).Select(id => products[id]))
                    .SelectMany(p => p.Prices).FirstOrDefault(p => p.Interval == "year");
                if (yearly is not null)
                {
                    warnings.Add($"line {coupon.Location.Line}, {path}: a percent_off coupon also discounts yearly prices such as '{yearly.LookupKey}': " +
                        "a first-period discount on a yearly price gives away the whole year. Prefer amount_off.");
                }
            }
        }

        // Promotion codes.
        Unique(catalog.PromotionCodes, c => c.Code, c => c.Location, "promotion_codes", "code", Error, StringComparer.OrdinalIgnoreCase);
        var coupons = catalog.Coupons.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < catalog.PromotionCodes.Count; i++)
        {
            var code = catalog.PromotionCodes[i];
            var path = $"promotion_codes[{i}] ({code.Code})";
            if (!CodePattern().IsMatch(code.Code))
            {
                Error(code.Location, path + ".code", "use at least 3 letters and digits");
            }
            if (!coupons.Contains(code.Coupon))
            {
                Error(code.Location, path + ".coupon", $"unknown coupon '{code.Coupon}'");
            }
            if (code.MinimumAmount is not null && code.MinimumAmountCurrency is null)
            {
                Error(code.Location, path + ".restrictions.minimum_amount_currency", "a minimum amount needs its currency");
            }
            if (code.MinimumAmountCurrency is { } c && c != catalog.Currency)
            {
                Error(code.Location, path + ".restrictions.minimum_amount_currency", $"'{c}' differs from the catalog currency '{catalog.Currency}'");
            }
        }

        // Portal configurations.
        Unique(catalog.PortalConfigurations, p => p.Key, p => p.Location, "portal_configurations", "key", Error, StringComparer.Ordinal);
        for (var i = 0; i < catalog.PortalConfigurations.Count; i++)
        {
            var portal = catalog.PortalConfigurations[i];
            var path = $"portal_configurations[{i}] ({portal.Key})";
            foreach (var update in portal.CustomerUpdate.Where(u => !AllowedCustomerUpdates.Contains(u)))
            {
                Error(portal.Location, path + ".features.customer_update.allowed_updates", $"'{update}' is not one of {string.Join(", ", AllowedCustomerUpdates)}");
            }
            if (portal.Cancellation is { } cancel)
            {
                if (!CancelModes.Contains(cancel.Mode))
                {
                    Error(portal.Location, path + ".features.subscription_cancel.mode", $"'{cancel.Mode}' is not one of {string.Join(", ", CancelModes)}");
                }
                if (cancel.ProrationBehavior is { } proration && !ProrationBehaviors.Contains(proration))
                {
                    Error(portal.Location, path + ".features.subscription_cancel.proration_behavior", $"'{proration}' is not one of {string.Join(", ", ProrationBehaviors)}");
                }
                foreach (var reason in cancel.Reasons.Where(r => !CancellationReasons.Contains(r)))
                {
                    Error(portal.Location, path + ".features.subscription_cancel.cancellation_reasons", $"'{reason}' is not one of {string.Join(", ", CancellationReasons)}");
                }
            }
            if (portal.PlanSwitching is { } switching)
            {
                if (!ProrationBehaviors.Contains(switching.ProrationBehavior))
                {
                    Error(portal.Location, path + ".features.subscription_update.proration_behavior", $"'{switching.ProrationBehavior}' is not one of {string.Join(", ", ProrationBehaviors)}");
                }
                if (!Downgrades.Contains(switching.Downgrades))
                {
                    Error(portal.Location, path + ".features.subscription_update.downgrades", $"'{switching.Downgrades}' is not one of {string.Join(", ", Downgrades)}");
                }
                foreach (var update in switching.AllowedUpdates.Where(u => !AllowedSubscriptionUpdates.Contains(u)))
                {
                    Error(portal.Location, path + ".features.subscription_update.allowed_updates", $"'{update}' is not one of {string.Join(", ", AllowedSubscriptionUpdates)}");
                }
                if (switching.Products.Count == 0)
                {
                    Error(portal.Location, path + ".features.subscription_update.products", "list the products customers may switch between");
                }
                foreach (var productId in switching.Products)
                {
                    if (!products.TryGetValue(productId, out var product))
                    {
                        Error(portal.Location, path + ".features.subscription_update.products", $"unknown product '{productId}'");
                    }
                    else if (!product.Prices.Any(p => p.IsRecurring && p.Active))
                    {
                        Error(portal.Location, path + ".features.subscription_update.products", $"product '{productId}' has no active recurring price to switch to");
                    }
                }
            }
        }

        // Webhook endpoints.
        Unique(catalog.WebhookEndpoints, w => w.Key, w => w.Location, "webhook_endpoints", "key", Error, StringComparer.Ordinal);
        for (var i = 0; i < catalog.WebhookEndpoints.Count; i++)
        {
            var endpoint = catalog.WebhookEndpoints[i];
            var path = $"webhook_endpoints[{i}] ({endpoint.Key})";
            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                Error(endpoint.Location, path + ".url", $"'{endpoint.Url}' is not an http(s) URL");
            }
            else if (catalog.Environment == "live" && url.Scheme != Uri.UriSchemeHttps)
            {
                Error(endpoint.Location, path + ".url", "live webhook endpoints must use https");
            }
            if (endpoint.EnabledEvents.Count == 0)
            {
                Error(endpoint.Location, path + ".enabled_events", "list the event types to send (or '*')");
            }
        }
    }

    private static void Unique<T>(IReadOnlyList<T> items, Func<T, string> key, Func<T, SourceLocation> at, string path, string what,
        Action<SourceLocation, string, string> error, StringComparer comparer)
    {
        var seen = new Dictionary<string, SourceLocation>(comparer);
        foreach (var item in items)
        {
            var value = key(item);
            if (!seen.TryAdd(value, at(item)))
            {
                error(at(item), path, $"duplicate {what} '{value}' (first at line {seen[value].Line})");
            }
        }
    }
}
