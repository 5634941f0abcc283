using Yapit.Billing.Stripe;

namespace Yapit.StripeSetup.Planning;

public enum ChangeAction
{
    Create,
    Update,
    Deactivate,
    Replace,
}

/// <summary>The kinds of Stripe resources the catalog manages, in the order they are applied.</summary>
public static class ResourceKinds
{
    public const string Product = "product";
    public const string Price = "price";
    public const string Coupon = "coupon";
    public const string PromotionCode = "promotion_code";
    public const string PortalConfiguration = "portal_configuration";
    public const string WebhookEndpoint = "webhook_endpoint";
}

/// <summary>One field of one resource: before (null when absent or new) and after.</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>One resource to create, update, deactivate or replace, field by field.</summary>
public sealed record PlannedChange(ChangeAction Action, string Kind, string Key, string? StripeId, IReadOnlyList<FieldChange> Fields)
{
    /// <summary>The catalog entity or Stripe object the applier needs (not part of the printed plan).</summary>
    public object? Desired { get; init; }
}

/// <summary>An immutable field that differs between Stripe and the catalog: nothing may be written until it is resolved.</summary>
public sealed record ImmutableDrift(string Kind, string Key, string StripeId, FieldChange Field, string Fix);

/// <summary>A row of the plans table that the apply will change.</summary>
public sealed record DatabaseChange(string Table, string Key, ChangeAction Action, IReadOnlyList<FieldChange> Fields);

/// <summary>
/// Everything an apply would do, computed from the catalog and Stripe's state before any write: a person reads it in
/// seconds; <c>--json</c> gives the same to machines.
/// </summary>
public sealed record Plan
{
    public required StripeMode Mode { get; init; }
    public required string Environment { get; init; }
    public required string CatalogPath { get; init; }
    public IReadOnlyList<PlannedChange> Changes { get; init; } = [];
    public IReadOnlyList<ImmutableDrift> Drift { get; init; } = [];

    /// <summary>Resources made outside the catalog (no marker, no catalog identity): reported, never touched.</summary>
    public IReadOnlyList<string> Unmanaged { get; init; } = [];

    /// <summary>Things worth knowing that need no action (warnings of the catalog, what cannot be deactivated).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public IReadOnlyList<DatabaseChange>? DatabaseChanges { get; init; }

    public int Count(ChangeAction action) => Changes.Count(c => c.Action == action);

    public bool HasStripeChanges => Changes.Count > 0;

    public bool IsNoOp => Changes.Count == 0 && Drift.Count == 0 && (DatabaseChanges is null || DatabaseChanges.Count == 0);
}
