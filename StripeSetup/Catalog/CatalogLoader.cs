using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Yapit.StripeSetup.Catalog;

/// <summary>The outcome of reading a catalog: the catalog when it is valid, and every error and warning found.</summary>
public sealed record CatalogLoadResult(Catalog? Catalog, IReadOnlyList<CatalogError> Errors, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Catalog is not null && Errors.Count == 0;
}

/// <summary>
/// Reads the catalog YAML for one environment. Unknown fields, wrong types and missing values are errors with their
/// path and line; <see cref="CatalogValidator"/> then checks references, uniqueness, amounts and currencies.
/// </summary>
public static class CatalogLoader
{
    public static readonly string[] DefaultEnvironments = ["test", "live"];

    /// <summary>Field names per object, shared with the JSON Schema test so the two never drift apart.</summary>
    public static class Fields
    {
        public static readonly string[] Root = ["version", "currency", "environments", "meters", "products", "plans", "coupons", "promotion_codes", "portal_configurations", "webhook_endpoints"];
        public static readonly string[] Meter = ["rollover_cap", "description"];
        public static readonly string[] Product = ["id", "name", "description", "active", "tax_code", "unit_label", "metadata", "prices", "environments"];
        public static readonly string[] Price = ["lookup_key", "amount", "currency", "interval", "interval_count", "active", "nickname", "tax_behavior", "metadata", "grants", "environments"];
        public static readonly string[] Grants = ["meter", "quantity"];
        public static readonly string[] Plan = ["tier", "name", "rank", "product", "prices", "trial_days", "active", "limits"];
        public static readonly string[] PlanPrices = ["monthly", "yearly"];
        public static readonly string[] Coupon = ["id", "name", "amount_off", "currency", "percent_off", "duration", "duration_in_months", "max_redemptions", "redeem_by", "applies_to", "metadata", "environments"];
        public static readonly string[] PromotionCode = ["code", "coupon", "active", "max_redemptions", "expires_at", "restrictions", "metadata", "environments"];
        public static readonly string[] Restrictions = ["first_time_transaction", "minimum_amount", "minimum_amount_currency"];
        public static readonly string[] Portal = ["key", "name", "active", "business_profile", "default_return_url", "features", "environments"];
        public static readonly string[] BusinessProfile = ["headline", "privacy_policy_url", "terms_of_service_url"];
        public static readonly string[] PortalFeatures = ["invoice_history", "payment_method_update", "customer_update", "subscription_cancel", "subscription_update"];
        public static readonly string[] CustomerUpdate = ["allowed_updates"];
        public static readonly string[] SubscriptionCancel = ["mode", "proration_behavior", "cancellation_reasons"];
        public static readonly string[] SubscriptionUpdate = ["products", "proration_behavior", "downgrades", "allowed_updates"];
        public static readonly string[] WebhookEndpoint = ["key", "url", "enabled_events", "api_version", "description", "environments"];
    }

    public static CatalogLoadResult LoadFile(string path, string environment)
    {
        if (!File.Exists(path))
        {
            return new CatalogLoadResult(null, [new CatalogError("(file)", default, $"catalog file '{path}' does not exist")], []);
        }
        return Load(File.ReadAllText(path), environment);
    }

    public static CatalogLoadResult Load(string yaml, string environment)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException error)
        {
            var message = error.InnerException?.Message ?? error.Message;
            return new CatalogLoadResult(null, [new CatalogError("(syntax)", new SourceLocation((int)error.Start.Line, (int)error.Start.Column), $"YAML syntax error: {message}")], []);
        }
        if (stream.Documents.Count != 1)
        {
            return new CatalogLoadResult(null, [new CatalogError("(file)", default, "the catalog must be exactly one YAML document")], []);
        }

        var root = stream.Documents[0].RootNode;
        var environments = ReadEnvironments(root);
        var reader = new YamlNodeReader(environment, environments.ToHashSet(StringComparer.Ordinal));
        if (!environments.Contains(environment))
        {
            reader.Errors.Add(new CatalogError("environments", YamlNodeReader.At(root), $"environment '{environment}' is not declared; the catalog declares: {string.Join(", ", environments)}"));
        }

        var catalog = ReadCatalog(reader, root, environment, environments);
        var warnings = new List<string>();
        if (catalog is not null && reader.Errors.Count == 0)
        {
            CatalogValidator.Validate(catalog, reader.Errors, warnings);
        }
        var errors = reader.Errors.OrderBy(e => e.Location.Line).ThenBy(e => e.Location.Column).ToList();
        return new CatalogLoadResult(errors.Count == 0 ? catalog : null, errors, warnings);
    }

    private static List<string> ReadEnvironments(YamlNode root)
    {
        if (root is YamlMappingNode mapping
            && mapping.Children.TryGetValue(new YamlScalarNode("environments"), out var node)
            && node is YamlSequenceNode list)
        {
            var declared = list.Children.OfType<YamlScalarNode>().Select(s => s.Value).OfType<string>().ToList();
            if (declared.Count > 0)
            {
                return declared;
            }
        }
        return [.. DefaultEnvironments];
    }

    private static Catalog? ReadCatalog(YamlNodeReader r, YamlNode root, string environment, List<string> environments)
    {
        var f = r.Fields(root, "catalog", Fields.Root);
        if (f is null)
        {
            return null;
        }
        var version = r.Long(f, "version", required: true);
        if (version is not null and not 1)
        {
            r.Error(f.Fields["version"], "version", $"version {version} is not supported; this StripeSetup reads version 1");
        }
        var currency = r.String(f, "currency", required: true)?.ToLowerInvariant() ?? "eur";

        var meters = r.Entries(r.Value(f, "meters", required: false), "meters")
            .Select(entry =>
            {
                var m = r.Fields(entry.Value, $"meters.{entry.Key}", Fields.Meter);
                return new CatalogMeter(entry.Key, r.Long(m, "rollover_cap", min: 0) ?? 0, r.String(m, "description"), YamlNodeReader.At(entry.KeyNode));
            })
            .ToList();

        var products = new List<CatalogProduct>();
        foreach (var (node, path) in r.Items(r.Value(f, "products", required: false), "products"))
        {
            var p = r.Fields(node, path, Fields.Product);
            if (p is null || !r.InEnvironment(p))
            {
                continue;
            }
            var id = r.String(p, "id", required: true) ?? string.Empty;
            var prices = new List<CatalogPrice>();
            foreach (var (priceNode, pricePath) in r.Items(r.Value(p, "prices", required: false), $"{path}.prices"))
            {
                var price = ReadPrice(r, priceNode, pricePath, id, currency);
                if (price is not null)
                {
                    prices.Add(price);
                }
            }
            products.Add(new CatalogProduct
            {
                Id = id,
                Name = r.String(p, "name", required: true) ?? string.Empty,
                Description = r.String(p, "description"),
                Active = r.Bool(p, "active") ?? true,
                TaxCode = r.String(p, "tax_code"),
                UnitLabel = r.String(p, "unit_label"),
                Metadata = r.StringMap(p, "metadata"),
                Prices = prices,
                Location = YamlNodeReader.At(node),
            });
        }

        var plans = new List<CatalogPlan>();
        foreach (var (node, path) in r.Items(r.Value(f, "plans", required: false), "plans"))
        {
            var p = r.Fields(node, path, Fields.Plan);
            if (p is null)
            {
                continue;
            }
            var planPrices = r.Fields(r.Value(p, "prices", required: false), $"{path}.prices", Fields.PlanPrices);
            var limits = new Dictionary<string, long?>(StringComparer.Ordinal);
            foreach (var (meter, keyNode, value) in r.Entries(r.Value(p, "limits", required: false), $"{path}.limits"))
            {
                var resolved = r.Resolve(value, $"{path}.limits.{meter}");
                if (resolved is null || YamlNodeReader.IsNull(resolved))
                {
                    limits[meter] = null; // unlimited
                }
                else if (resolved is YamlScalarNode { Value: { } text } && long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), out var limit) && limit >= 0)
                {
                    limits[meter] = limit;
                }
                else
                {
                    r.Error(keyNode, $"{path}.limits.{meter}", "expected a whole number ≥ 0 (0: not included) or null (unlimited)");
                }
            }
            plans.Add(new CatalogPlan
            {
                Tier = r.String(p, "tier", required: true) ?? string.Empty,
                Name = r.String(p, "name", required: true) ?? string.Empty,
                Rank = (int)(r.Long(p, "rank", required: true, min: 0) ?? 0),
                Product = r.String(p, "product"),
                MonthlyPrice = r.String(planPrices, "monthly"),
                YearlyPrice = r.String(planPrices, "yearly"),
                TrialDays = (int)(r.Long(p, "trial_days", min: 0, unit: "days") ?? 0),
                Active = r.Bool(p, "active") ?? true,
                Limits = limits,
                Location = YamlNodeReader.At(node),
            });
        }

        var coupons = new List<CatalogCoupon>();
        foreach (var (node, path) in r.Items(r.Value(f, "coupons", required: false), "coupons"))
        {
            var c = r.Fields(node, path, Fields.Coupon);
            if (c is null || !r.InEnvironment(c))
            {
                continue;
            }
            coupons.Add(new CatalogCoupon
            {
                Id = r.String(c, "id", required: true) ?? string.Empty,
                Name = r.String(c, "name", required: true) ?? string.Empty,
                AmountOff = r.Long(c, "amount_off", min: 1, unit: "minor units, e.g. cents"),
                Currency = r.String(c, "currency")?.ToLowerInvariant(),
                PercentOff = r.Decimal(c, "percent_off"),
                Duration = r.String(c, "duration") ?? "once",
                DurationInMonths = r.Long(c, "duration_in_months", min: 1),
                MaxRedemptions = r.Long(c, "max_redemptions", min: 1),
                RedeemBy = r.Date(c, "redeem_by"),
                AppliesTo = r.Strings(c, "applies_to"),
                Metadata = r.StringMap(c, "metadata"),
                Location = YamlNodeReader.At(node),
            });
        }

        var promotionCodes = new List<CatalogPromotionCode>();
        foreach (var (node, path) in r.Items(r.Value(f, "promotion_codes", required: false), "promotion_codes"))
        {
            var c = r.Fields(node, path, Fields.PromotionCode);
            if (c is null || !r.InEnvironment(c))
            {
                continue;
            }
            var restrictions = r.Fields(r.Value(c, "restrictions", required: false), $"{path}.restrictions", Fields.Restrictions);
            promotionCodes.Add(new CatalogPromotionCode
            {
                Code = r.String(c, "code", required: true) ?? string.Empty,
                Coupon = r.String(c, "coupon", required: true) ?? string.Empty,
                Active = r.Bool(c, "active") ?? true,
                MaxRedemptions = r.Long(c, "max_redemptions", min: 1),
                ExpiresAt = r.Date(c, "expires_at"),
                FirstTimeTransaction = r.Bool(restrictions, "first_time_transaction"),
                MinimumAmount = r.Long(restrictions, "minimum_amount", min: 1, unit: "minor units"),
                MinimumAmountCurrency = r.String(restrictions, "minimum_amount_currency")?.ToLowerInvariant(),
                Metadata = r.StringMap(c, "metadata"),
                Location = YamlNodeReader.At(node),
            });
        }

        var portals = new List<CatalogPortalConfiguration>();
        foreach (var (node, path) in r.Items(r.Value(f, "portal_configurations", required: false), "portal_configurations"))
        {
            var portal = ReadPortal(r, node, path);
            if (portal is not null)
            {
                portals.Add(portal);
            }
        }

        var webhooks = new List<CatalogWebhookEndpoint>();
        foreach (var (node, path) in r.Items(r.Value(f, "webhook_endpoints", required: false), "webhook_endpoints"))
        {
            var w = r.Fields(node, path, Fields.WebhookEndpoint);
            if (w is null || !r.InEnvironment(w))
            {
                continue;
            }
            webhooks.Add(new CatalogWebhookEndpoint
            {
                Key = r.String(w, "key", required: true) ?? string.Empty,
                Url = r.String(w, "url", required: true) ?? string.Empty,
                EnabledEvents = r.Strings(w, "enabled_events"),
                ApiVersion = r.String(w, "api_version") ?? Stripe.StripeConfiguration.ApiVersion,
                Description = r.String(w, "description"),
                Location = YamlNodeReader.At(node),
            });
        }

        return new Catalog
        {
            Environment = environment,
            Environments = environments,
            Currency = currency,
            Meters = meters,
            Products = products,
            Plans = plans,
            Coupons = coupons,
            PromotionCodes = promotionCodes,
            PortalConfigurations = portals,
            WebhookEndpoints = webhooks,
        };
    }

    private static CatalogPrice? ReadPrice(YamlNodeReader r, YamlNode node, string path, string productId, string currency)
    {
        var p = r.Fields(node, path, Fields.Price);
        if (p is null || !r.InEnvironment(p))
        {
            return null;
        }
        var grants = r.Fields(r.Value(p, "grants", required: false), $"{path}.grants", Fields.Grants);
        return new CatalogPrice
        {
            LookupKey = r.String(p, "lookup_key", required: true) ?? string.Empty,
            ProductId = productId,
            Amount = r.Long(p, "amount", required: true, min: 0, unit: "minor units, e.g. cents") ?? 0,
            Currency = r.String(p, "currency")?.ToLowerInvariant() ?? currency,
            Interval = r.String(p, "interval"),
            IntervalCount = r.Long(p, "interval_count", min: 1) ?? 1,
            Active = r.Bool(p, "active") ?? true,
            Nickname = r.String(p, "nickname"),
            TaxBehavior = r.String(p, "tax_behavior") ?? "unspecified",
            Metadata = r.StringMap(p, "metadata"),
            Grants = grants is null
                ? null
                : new CreditGrant(r.String(grants, "meter", required: true) ?? string.Empty, r.Long(grants, "quantity", required: true, min: 1) ?? 0),
            Location = YamlNodeReader.At(node),
        };
    }

    private static CatalogPortalConfiguration? ReadPortal(YamlNodeReader r, YamlNode node, string path)
    {
        var p = r.Fields(node, path, Fields.Portal);
        if (p is null || !r.InEnvironment(p))
        {
            return null;
        }
        var profile = r.Fields(r.Value(p, "business_profile", required: false), $"{path}.business_profile", Fields.BusinessProfile);
        var features = r.Fields(r.Value(p, "features", required: true), $"{path}.features", Fields.PortalFeatures);
        var customerUpdate = r.Fields(r.Value(features, "customer_update", required: false), $"{path}.features.customer_update", Fields.CustomerUpdate);
        var cancel = r.Fields(r.Value(features, "subscription_cancel", required: false), $"{path}.features.subscription_cancel", Fields.SubscriptionCancel);
        var update = r.Fields(r.Value(features, "subscription_update", required: false), $"{path}.features.subscription_update", Fields.SubscriptionUpdate);
        return new CatalogPortalConfiguration
        {
            Key = r.String(p, "key", required: true) ?? string.Empty,
            Name = r.String(p, "name"),
            Active = r.Bool(p, "active") ?? true,
            Headline = r.String(profile, "headline"),
            PrivacyPolicyUrl = r.String(profile, "privacy_policy_url"),
            TermsOfServiceUrl = r.String(profile, "terms_of_service_url"),
            DefaultReturnUrl = r.String(p, "default_return_url"),
            InvoiceHistory = r.Bool(features, "invoice_history") ?? false,
            PaymentMethodUpdate = r.Bool(features, "payment_method_update") ?? false,
            CustomerUpdate = r.Strings(customerUpdate, "allowed_updates"),
            Cancellation = cancel is null
                ? null
                : new PortalCancellation(r.String(cancel, "mode") ?? "at_period_end", r.String(cancel, "proration_behavior"), r.Strings(cancel, "cancellation_reasons")),
            PlanSwitching = update is null
                ? null
                : new PortalPlanSwitching(
                    r.Strings(update, "products"),
                    r.String(update, "proration_behavior") ?? "always_invoice",
                    r.String(update, "downgrades") ?? "at_period_end",
                    update.Has("allowed_updates") ? r.Strings(update, "allowed_updates") : ["price"]),
            Location = YamlNodeReader.At(node),
        };
    }
}
