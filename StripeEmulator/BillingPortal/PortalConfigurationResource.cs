using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>
/// Customer portal configurations: the whole <c>features</c> tree with Stripe's defaults, nested fields merged on
/// update. The first configuration is the default one. <c>features.subscription_update.products</c> is returned
/// only when expanded, as Stripe does (the trap that keeps Terraform plans from converging).
/// </summary>
internal static class PortalConfigurationResource
{
    public const string Type = "billing_portal.configuration";
    public const string ProductsPath = "features.subscription_update.products";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "configuration",
        Includable = [ProductsPath],
    };

    public static JsonObject Create(StoreTransaction transaction, Params parameters, string baseUrl)
    {
        var id = IdGenerator.New("bpc");
        var configuration = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["active"] = true,
            ["application"] = null,
            ["business_profile"] = new JsonObject { ["headline"] = null, ["privacy_policy_url"] = null, ["terms_of_service_url"] = null },
            ["created"] = transaction.NowUnix,
            ["default_return_url"] = null,
            ["features"] = DefaultFeatures(),
            ["is_default"] = !transaction.All(Type).Any(),
            ["livemode"] = false,
            ["login_page"] = new JsonObject { ["enabled"] = false, ["url"] = null },
            ["metadata"] = new JsonObject(),
            ["name"] = null,
            ["updated"] = transaction.NowUnix,
        };
        Apply(transaction, configuration, parameters, baseUrl);
        transaction.Insert(configuration);
        transaction.Emit("billing_portal.configuration.created", configuration);
        return configuration;
    }

    public static JsonObject Update(StoreTransaction transaction, string id, Params parameters, string baseUrl)
    {
        var before = transaction.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        if (parameters.Bool("active") == false && before["is_default"]!.GetValue<bool>())
        {
            throw StripeErrors.Invalid("The default configuration cannot be deactivated.", "active");
        }
        Apply(transaction, after, parameters, baseUrl);
        transaction.UpdateAndEmit("billing_portal.configuration.updated", before, after);
        return after;
    }

    public static bool Matches(StoredObject configuration, Params filters) =>
        (filters.Bool("active") is not { } active || configuration.Data["active"]!.GetValue<bool>() == active)
        && (filters.Bool("is_default") is not { } isDefault || configuration.Data["is_default"]!.GetValue<bool>() == isDefault);

    private static void Apply(StoreTransaction transaction, JsonObject configuration, Params parameters, string baseUrl)
    {
        JsonObjects.Merge(configuration, parameters.Without("login_page").Values);
        if (parameters.Object("login_page")?.Bool("enabled") is { } loginEnabled)
        {
            var current = configuration["login_page"]!["url"]?.GetValue<string>();
            configuration["login_page"] = new JsonObject
            {
                ["enabled"] = loginEnabled,
                ["url"] = loginEnabled ? current ?? $"{baseUrl}/p/login/{IdGenerator.New("test", 16)}" : null,
            };
        }
        CheckSubscriptionUpdate(transaction, (JsonObject)configuration["features"]!["subscription_update"]!);
    }

    /// <summary>Products offered for switching must exist, and each listed price must be a recurring price of its product.</summary>
    private static void CheckSubscriptionUpdate(StoreTransaction transaction, JsonObject update)
    {
        const string param = "features[subscription_update]";
        var products = update["products"] as JsonArray ?? [];
        for (var i = 0; i < products.Count; i++)
        {
            var entry = (JsonObject)products[i]!;
            var productId = entry["product"]!.GetValue<string>();
            transaction.Get(ProductResource.Type, productId, $"{param}[products][{i}][product]", 400);
            var prices = (JsonArray)entry["prices"]!;
            for (var j = 0; j < prices.Count; j++)
            {
                var priceParam = $"{param}[products][{i}][prices][{j}]";
                var price = transaction.Get(PriceResource.Type, prices[j]!.GetValue<string>(), priceParam, 400);
                if (price["product"]!.GetValue<string>() != productId)
                {
                    throw StripeErrors.Invalid($"The price `{price["id"]}` does not belong to the product `{productId}`.", priceParam);
                }
                if (price["type"]!.GetValue<string>() != "recurring")
                {
                    throw StripeErrors.Invalid($"The price `{price["id"]}` is not a recurring price; the portal switches subscriptions between recurring prices only.", priceParam);
                }
            }
            // A product's adjustable_quantity comes back whole, with Stripe's defaults.
            var quantity = entry["adjustable_quantity"] as JsonObject;
            entry["adjustable_quantity"] = new JsonObject
            {
                ["enabled"] = quantity?["enabled"]?.GetValue<bool>() ?? false,
                ["maximum"] = quantity?["maximum"]?.DeepClone(),
                ["minimum"] = quantity?["minimum"]?.DeepClone() ?? JsonValue.Create(1L),
            };
        }
        if (update["enabled"]!.GetValue<bool>())
        {
            var allowed = update["default_allowed_updates"] as JsonArray ?? [];
            if (allowed.Count == 0)
            {
                throw StripeErrors.ParameterMissing($"{param}[default_allowed_updates]");
            }
            if (allowed.Any(a => a!.GetValue<string>() == "price") && products.Count == 0)
            {
                throw StripeErrors.ParameterMissing($"{param}[products]");
            }
        }
    }

    /// <summary>What Stripe returns for a feature the request did not set.</summary>
    private static JsonObject DefaultFeatures() => new()
    {
        ["customer_update"] = new JsonObject { ["allowed_updates"] = new JsonArray(), ["enabled"] = false },
        ["invoice_history"] = new JsonObject { ["enabled"] = false },
        ["payment_method_update"] = new JsonObject { ["enabled"] = false, ["payment_method_configuration"] = null },
        ["subscription_cancel"] = new JsonObject
        {
            ["cancellation_reason"] = new JsonObject { ["enabled"] = false, ["feedback_options"] = null, ["options"] = new JsonArray() },
            ["enabled"] = false,
            ["mode"] = "at_period_end",
            ["proration_behavior"] = "none",
        },
        ["subscription_pause"] = new JsonObject
        {
            ["duration"] = new JsonObject { ["interval_options"] = new JsonArray(), ["type"] = "indefinite" },
            ["enabled"] = false,
        },
        ["subscription_update"] = new JsonObject
        {
            ["billing_cycle_anchor"] = null,
            ["default_allowed_updates"] = new JsonArray(),
            ["enabled"] = false,
            ["products"] = new JsonArray(),
            ["proration_behavior"] = "none",
            ["schedule_at_period_end"] = new JsonObject { ["conditions"] = new JsonArray() },
            ["trial_update_behavior"] = "end_trial",
        },
    };
}
