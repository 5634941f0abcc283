using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>
/// The portal configuration endpoints' parameters, as stripe-node's <c>BillingPortal/Configurations.d.ts</c> lists
/// them. Create and update differ only in which <c>enabled</c> flags are required and which fields may be cleared.
/// </summary>
internal static class PortalConfigurationSchemas
{
    public static readonly string[] CustomerUpdates = ["address", "email", "name", "phone", "shipping", "tax_id"];
    public static readonly string[] CancellationReasons =
        ["customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused"];
    public static readonly string[] ProrationBehaviors = ["always_invoice", "create_prorations", "none"];

    public static ObjectParam Create { get; } = RequestSchema.Body(
        ("features", Features(forUpdate: false).Required()),
        ("business_profile", P.Object(("headline", P.Max(60).Emptyable()), ("privacy_policy_url", P.String), ("terms_of_service_url", P.String))),
        ("default_return_url", P.String.Emptyable()),
        ("login_page", P.Object(("enabled", P.Boolean.Required()))),
        ("metadata", P.Metadata),
        ("name", P.Max(256).Emptyable()));

    public static ObjectParam Update { get; } = RequestSchema.Body(
        ("active", P.Boolean),
        ("business_profile", P.Object(("headline", P.Max(60).Emptyable()), ("privacy_policy_url", P.String.Emptyable()), ("terms_of_service_url", P.String.Emptyable()))),
        ("default_return_url", P.String.Emptyable()),
        ("features", Features(forUpdate: true)),
        ("login_page", P.Object(("enabled", P.Boolean.Required()))),
        ("metadata", P.Metadata.Emptyable()),
        ("name", P.Max(256).Emptyable()));

    public static ObjectParam List { get; } = RequestSchema.List(("active", P.Boolean), ("is_default", P.Boolean));

    private static ObjectParam Features(bool forUpdate)
    {
        Param Enabled(bool requiredOnCreate) => requiredOnCreate && !forUpdate ? P.Boolean.Required() : P.Boolean;

        return P.Object(
            ("customer_update", P.Object(
                ("allowed_updates", P.Array(P.Enum(CustomerUpdates)).Emptyable()),
                ("enabled", forUpdate ? P.Boolean : P.Boolean.Required()))),
            ("invoice_history", P.Object(("enabled", P.Boolean.Required()))),
            ("payment_method_update", P.Object(
                ("enabled", P.Boolean.Required()),
                ("payment_method_configuration", P.String.Emptyable()))),
            ("subscription_cancel", P.Object(
                ("cancellation_reason", P.Object(
                    ("enabled", P.Boolean.Required()),
                    ("feedback_options", P.Array(P.String).Emptyable()),
                    ("options", forUpdate ? P.Array(P.Enum(CancellationReasons)).Emptyable() : P.Array(P.Enum(CancellationReasons)).Emptyable().Required()))),
                ("enabled", Enabled(requiredOnCreate: true)),
                ("mode", P.Enum("at_period_end", "immediately")),
                ("proration_behavior", P.Enum(ProrationBehaviors)))),
            ("subscription_pause", P.Object(
                ("duration", P.Object(
                    ("interval_options", P.Array(P.Object(("interval", P.Enum(PriceSchemas.Intervals).Required()), ("interval_count", P.Positive))).Emptyable()),
                    ("type", P.Enum("indefinite", "interval_options").Required()))),
                ("enabled", P.Boolean))),
            ("subscription_update", P.Object(
                ("billing_cycle_anchor", P.Enum("now", "unchanged")),
                ("default_allowed_updates", P.Array(P.Enum("price", "promotion_code", "quantity")).Emptyable()),
                ("enabled", Enabled(requiredOnCreate: true)),
                ("products", P.Array(P.Object(
                    ("adjustable_quantity", P.Object(("enabled", P.Boolean.Required()), ("maximum", P.Positive), ("minimum", P.NonNegative))),
                    ("prices", P.Array(P.String).Required()),
                    ("product", P.String.Required()))).Emptyable()),
                ("proration_behavior", P.Enum(ProrationBehaviors)),
                ("schedule_at_period_end", P.Object(("conditions", forUpdate
                    ? P.Array(P.Object(("type", P.Enum("decreasing_item_amount", "shortening_interval").Required()))).Emptyable()
                    : P.Array(P.Object(("type", P.Enum("decreasing_item_amount", "shortening_interval").Required())))))),
                ("trial_update_behavior", P.Enum("continue_trial", "end_trial")))));
    }
}
