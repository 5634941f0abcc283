using System.Globalization;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Prices;

/// <summary>
/// Prices: amount, currency, recurrence and product are fixed at creation; a lookup key is unique among all prices
/// and moves to a new price only when the request says <c>transfer_lookup_key=true</c>.
/// </summary>
internal static class PriceResource
{
    public const string Type = "price";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "price",
        Expandable = new Dictionary<string, string> { ["product"] = ProductResource.Type },
        Includable = ["tiers", "currency_options"],
        // Stripe lists the price's own currency among its currency_options (returned only when expanded).
        Derive = (price, _) => price["currency_options"] = CurrencyOptions(price),
    };

    private static JsonObject CurrencyOptions(JsonObject price)
    {
        var option = new JsonObject
        {
            ["custom_unit_amount"] = price["custom_unit_amount"]?.DeepClone(),
            ["tax_behavior"] = price["tax_behavior"]?.DeepClone(),
            ["unit_amount"] = price["unit_amount"]?.DeepClone(),
            ["unit_amount_decimal"] = price["unit_amount_decimal"]?.DeepClone(),
        };
        if (price["tiers"] is JsonArray tiers)
        {
            option["tiers"] = tiers.DeepClone();
        }
        return new JsonObject { [price["currency"]!.GetValue<string>()] = option };
    }

    /// <summary>POST /v1/prices: the product is named (<c>product</c>) or created with the price (<c>product_data</c>).</summary>
    public static JsonObject Create(StoreTransaction transaction, Params parameters)
    {
        var productId = parameters.String("product");
        var productData = parameters.Object("product_data");
        if (productId is not null && productData is not null)
        {
            throw StripeErrors.ParametersExclusive("product", "product_data");
        }
        if (productId is not null)
        {
            transaction.Get(ProductResource.Type, productId, "product", 400);
        }
        else if (productData is not null)
        {
            productId = ProductResource.Create(transaction, productData)["id"]!.GetValue<string>();
        }
        else
        {
            throw StripeErrors.ParameterMissing("product");
        }
        return Create(transaction, parameters, productId, prefix: string.Empty);
    }

    /// <summary>Creates a price of an existing product; <paramref name="prefix"/> names the parameters in errors.</summary>
    public static JsonObject Create(StoreTransaction transaction, Params parameters, string productId, string prefix)
    {
        string Param(string name) => Wire.Parameters.Param.Child(prefix, name);

        var billingScheme = parameters.String("billing_scheme") ?? "per_unit";
        var recurring = Recurring(parameters.Object("recurring"), Param("recurring"));
        var (unitAmount, unitAmountDecimal) = Amounts(parameters, billingScheme, recurring is not null, Param);
        var tiered = billingScheme == "tiered";

        var price = new JsonObject
        {
            ["id"] = IdGenerator.New("price"),
            ["object"] = Type,
            ["active"] = parameters.Bool("active") ?? true,
            ["billing_scheme"] = billingScheme,
            ["created"] = transaction.NowUnix,
            ["currency"] = parameters.String("currency"),
            ["custom_unit_amount"] = CustomUnitAmount(parameters.Object("custom_unit_amount")),
            ["livemode"] = false,
            ["lookup_key"] = null,
            ["metadata"] = JsonObjects.NewMetadata(parameters["metadata"]),
            ["nickname"] = parameters.String("nickname"),
            ["product"] = productId,
            ["recurring"] = recurring,
            ["tax_behavior"] = parameters.String("tax_behavior") ?? "unspecified",
            ["tiers"] = tiered ? Tiers(parameters.Array("tiers"), Param("tiers")) : null,
            ["tiers_mode"] = tiered ? parameters.String("tiers_mode") : null,
            ["transform_quantity"] = parameters.Copy("transform_quantity"),
            ["type"] = recurring is null ? "one_time" : "recurring",
            ["unit_amount"] = unitAmount,
            ["unit_amount_decimal"] = unitAmountDecimal,
        };
        if (!tiered)
        {
            price.Remove("tiers");
        }
        if (parameters.String("lookup_key") is { } lookupKey)
        {
            ClaimLookupKey(transaction, price, lookupKey, parameters.Bool("transfer_lookup_key") ?? false);
        }
        transaction.Insert(price);
        transaction.Emit("price.created", price);
        return price;
    }

    public static JsonObject Update(StoreTransaction transaction, string id, Params parameters)
    {
        var before = transaction.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        if (parameters.String("tax_behavior") is { } taxBehavior
            && before["tax_behavior"]?.GetValue<string>() is { } current and not "unspecified"
            && current != taxBehavior)
        {
            throw StripeErrors.Invalid($"The tax_behavior of a price cannot change once it is '{current}'.", "tax_behavior");
        }
        if (parameters.Bool("active") == false
            && transaction.Find(ProductResource.Type, before["product"]!.GetValue<string>())?["default_price"]?.GetValue<string>() == id)
        {
            // Stripe's rule (the Terraform providers trip on it): archive a product's default price only after
            // pointing the product at another one.
            throw StripeErrors.Invalid("This price cannot be archived because it is the default price of its product.", "active");
        }
        JsonObjects.Merge(after, parameters.Without("lookup_key", "transfer_lookup_key").Values);
        if (parameters.String("lookup_key") is { } lookupKey)
        {
            ClaimLookupKey(transaction, after, lookupKey, parameters.Bool("transfer_lookup_key") ?? false);
        }
        transaction.UpdateAndEmit("price.updated", before, after);
        return after;
    }

    /// <summary>
    /// Gives <paramref name="price"/> the lookup key. Another price holding it keeps it, and the request fails,
    /// unless <paramref name="transfer"/>: then it loses the key (a <c>price.updated</c> event) in the same commit.
    /// </summary>
    private static void ClaimLookupKey(StoreTransaction transaction, JsonObject price, string lookupKey, bool transfer)
    {
        var id = price["id"]!.GetValue<string>();
        var holder = transaction.All(Type).FirstOrDefault(p => p.Id != id && p.Data["lookup_key"]?.GetValue<string>() == lookupKey);
        if (holder is not null)
        {
            if (!transfer)
            {
                throw StripeErrors.ResourceAlreadyExists(
                    $"A price (`{holder.Id}`) already uses that lookup key. Pass transfer_lookup_key=true to move the lookup key to this price.", "lookup_key");
            }
            var before = transaction.Get(Type, holder.Id);
            var after = (JsonObject)before.DeepClone();
            after["lookup_key"] = null;
            transaction.UpdateAndEmit("price.updated", before, after);
        }
        price["lookup_key"] = lookupKey;
    }

    private static JsonObject? Recurring(Params? given, string param)
    {
        if (given is null)
        {
            return null;
        }
        var interval = given.String("interval")!;
        var count = given.Long("interval_count") ?? 1;
        var maxCount = interval switch { "day" => 1095, "week" => 156, "month" => 36, _ => 3 };
        if (count > maxCount)
        {
            throw StripeErrors.Invalid($"The maximum billing interval is three years; {count} {interval}s is longer.", Wire.Parameters.Param.Child(param, "interval_count"));
        }
        var usageType = given.String("usage_type") ?? "licensed";
        if (usageType == "metered" && given.String("meter") is null)
        {
            throw StripeErrors.ParameterMissing(Wire.Parameters.Param.Child(param, "meter"));
        }
        return new JsonObject
        {
            ["interval"] = interval,
            ["interval_count"] = count,
            ["meter"] = given.String("meter"),
            ["trial_period_days"] = given.Long("trial_period_days"),
            ["usage_type"] = usageType,
        };
    }

    /// <summary>
    /// A per-unit price has exactly one of <c>unit_amount</c>, <c>unit_amount_decimal</c> and (one-time only)
    /// <c>custom_unit_amount</c>; a tiered price has tiers and a tiers mode instead.
    /// </summary>
    private static (long? UnitAmount, string? UnitAmountDecimal) Amounts(Params parameters, string billingScheme, bool recurring, Func<string, string> param)
    {
        var unitAmount = parameters.Long("unit_amount");
        var unitAmountDecimal = parameters.Decimal("unit_amount_decimal");
        var custom = parameters.Object("custom_unit_amount");
        if (billingScheme == "tiered")
        {
            if (unitAmount is not null || unitAmountDecimal is not null || custom is not null)
            {
                throw StripeErrors.Invalid("A tiered price takes its amounts from its tiers, not from unit_amount.", param("unit_amount"));
            }
            if (!parameters.Has("tiers"))
            {
                throw StripeErrors.ParameterMissing(param("tiers"));
            }
            if (!parameters.Has("tiers_mode"))
            {
                throw StripeErrors.ParameterMissing(param("tiers_mode"));
            }
            return (null, null);
        }
        if (parameters.Has("tiers") || parameters.Has("tiers_mode"))
        {
            throw StripeErrors.Invalid("Tiers are only allowed when billing_scheme is tiered.", param("tiers"));
        }
        if (unitAmount is not null && unitAmountDecimal is not null)
        {
            throw StripeErrors.ParametersExclusive(param("unit_amount"), param("unit_amount_decimal"));
        }
        if (custom is not null)
        {
            if (recurring)
            {
                throw StripeErrors.Invalid("custom_unit_amount is only supported for one-time prices.", param("custom_unit_amount"));
            }
            if (unitAmount is not null || unitAmountDecimal is not null)
            {
                throw StripeErrors.ParametersExclusive(param("unit_amount"), param("custom_unit_amount"));
            }
            return (null, null);
        }
        if (unitAmount is { } amount)
        {
            return (amount, amount.ToString(CultureInfo.InvariantCulture));
        }
        if (unitAmountDecimal is { } exact)
        {
            return (exact == decimal.Truncate(exact) ? (long)exact : null, exact.ToString(CultureInfo.InvariantCulture));
        }
        throw StripeErrors.ParameterMissing(param("unit_amount"));
    }

    private static JsonObject? CustomUnitAmount(Params? given) => given is null || given.Bool("enabled") != true
        ? null
        : new JsonObject { ["maximum"] = given.Long("maximum"), ["minimum"] = given.Long("minimum"), ["preset"] = given.Long("preset") };

    /// <summary>Tiers ascend by <c>up_to</c> and the last one is unbounded (<c>inf</c>, returned as null).</summary>
    private static JsonArray Tiers(JsonArray? given, string param)
    {
        var tiers = new JsonArray();
        long previous = 0;
        var items = given ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var tier = new Params((JsonObject)items[i]!);
            var upTo = tier["up_to"]!;
            var isLast = i == items.Count - 1;
            var unbounded = upTo.GetValueKind() == System.Text.Json.JsonValueKind.String;
            if (unbounded != isLast || (!unbounded && upTo.GetValue<long>() <= previous))
            {
                throw StripeErrors.Invalid("Tiers must ascend by up_to, and only the last tier is unbounded (up_to=inf).", $"{param}[{i}][up_to]");
            }
            previous = unbounded ? previous : upTo.GetValue<long>();
            tiers.Add(new JsonObject
            {
                ["flat_amount"] = tier.Long("flat_amount"),
                ["flat_amount_decimal"] = (tier.Decimal("flat_amount_decimal") ?? tier.Long("flat_amount"))?.ToString(CultureInfo.InvariantCulture),
                ["unit_amount"] = tier.Long("unit_amount"),
                ["unit_amount_decimal"] = (tier.Decimal("unit_amount_decimal") ?? tier.Long("unit_amount"))?.ToString(CultureInfo.InvariantCulture),
                ["up_to"] = unbounded ? null : upTo.GetValue<long>(),
            });
        }
        if (tiers.Count == 0)
        {
            throw StripeErrors.ParameterMissing(param);
        }
        return tiers;
    }
}
