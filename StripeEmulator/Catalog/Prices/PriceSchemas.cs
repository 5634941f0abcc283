using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Catalog.Prices;

/// <summary>
/// The price endpoints' parameters, as stripe-node's <c>Prices.d.ts</c> lists them. Amount, currency, recurrence
/// and product are absent from the update schema: Stripe refuses them there as unknown parameters.
/// </summary>
internal static class PriceSchemas
{
    public static readonly string[] Intervals = ["day", "month", "week", "year"];

    private static readonly Param Recurring = P.Object(
        ("interval", P.Enum(Intervals).Required()),
        ("interval_count", P.Positive),
        ("meter", P.String),
        ("trial_period_days", P.NonNegative),
        ("usage_type", P.Enum("licensed", "metered")));

    private static readonly Param CustomUnitAmount = P.Object(
        ("enabled", P.Boolean.Required()), ("maximum", P.NonNegative), ("minimum", P.NonNegative), ("preset", P.NonNegative));

    private static readonly Param Tiers = P.Array(P.Object(
        ("flat_amount", P.NonNegative),
        ("flat_amount_decimal", new DecimalParam { Min = 0 }),
        ("unit_amount", P.NonNegative),
        ("unit_amount_decimal", new DecimalParam { Min = 0 }),
        ("up_to", P.UpTo.Required())));

    private static readonly Param TaxBehavior = P.Enum("exclusive", "inclusive", "unspecified");

    /// <summary>The fields a price's <c>product_data</c> may give when the price creates its product.</summary>
    private static readonly ObjectParam ProductData = P.Object(
        ("active", P.Boolean),
        ("id", P.Max(250)),
        ("metadata", P.Metadata),
        ("name", P.Max(250).Required()),
        ("statement_descriptor", P.Max(22)),
        ("tax_code", P.String),
        ("tax_details", P.Object(("performance_location", P.String), ("tax_code", P.String.Emptyable()))),
        ("unit_label", P.Max(12)));

    public static ObjectParam Create { get; } = RequestSchema.Body(
        ("currency", P.Currency.Required()),
        ("active", P.Boolean),
        ("billing_scheme", P.Enum("per_unit", "tiered")),
        ("currency_options", P.Unsupported),
        ("custom_unit_amount", CustomUnitAmount),
        ("lookup_key", P.Max(200)),
        ("metadata", P.Metadata),
        ("nickname", P.String),
        ("product", P.String),
        ("product_data", ProductData),
        ("recurring", Recurring),
        ("tax_behavior", TaxBehavior),
        ("tiers", Tiers),
        ("tiers_mode", P.Enum("graduated", "volume")),
        ("transfer_lookup_key", P.Boolean),
        ("transform_quantity", P.Object(("divide_by", P.Positive.Required()), ("round", P.Enum("down", "up").Required()))),
        ("unit_amount", P.NonNegative),
        ("unit_amount_decimal", new DecimalParam { Min = 0 }));

    /// <summary>A product's <c>default_price_data</c>: the price it creates with itself.</summary>
    public static ObjectParam DefaultPriceData { get; } = P.Object(
        ("currency", P.Currency.Required()),
        ("currency_options", P.Unsupported),
        ("custom_unit_amount", CustomUnitAmount),
        ("metadata", P.Metadata),
        ("recurring", P.Object(("interval", P.Enum(Intervals).Required()), ("interval_count", P.Positive))),
        ("tax_behavior", TaxBehavior),
        ("unit_amount", P.NonNegative),
        ("unit_amount_decimal", new DecimalParam { Min = 0 }));

    public static ObjectParam Update { get; } = RequestSchema.Body(
        ("active", P.Boolean),
        ("currency_options", P.Unsupported.Emptyable()),
        ("lookup_key", P.Max(200)),
        ("metadata", P.Metadata.Emptyable()),
        ("nickname", P.String),
        ("tax_behavior", TaxBehavior),
        ("transfer_lookup_key", P.Boolean));
}
