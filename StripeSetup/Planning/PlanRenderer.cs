using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Yapit.Billing.Stripe;

namespace Yapit.StripeSetup.Planning;

/// <summary>
/// Prints a plan the way Terraform does: <c>+</c> create, <c>~</c> update (field by field, old -> new),
/// <c>x</c> deactivate, <c>-/+</c> replace, then a one-line summary. The first line names the mode.
/// </summary>
public static class PlanRenderer
{
    public const string NoChanges = "No changes.";

    public static string Symbol(ChangeAction action) => action switch
    {
        ChangeAction.Create => "+",
        ChangeAction.Update => "~",
        ChangeAction.Deactivate => "x",
        ChangeAction.Replace => "-/+",
        _ => "?",
    };

    public static string Header(StripeMode mode, string environment, string catalogPath) =>
        $"Stripe catalog plan: {(mode == StripeMode.Live ? "LIVE" : "TEST")} mode, environment '{environment}', catalog {catalogPath}";

    public static string Render(Plan plan)
    {
        var text = new StringBuilder();
        text.AppendLine(Header(plan.Mode, plan.Environment, plan.CatalogPath));
        text.AppendLine();

        if (plan.Drift.Count > 0)
        {
            text.AppendLine("Immutable fields differ from the catalog. Nothing will be written until they agree:");
            foreach (var drift in plan.Drift)
            {
                text.AppendLine($"  ! {drift.Kind} {drift.Key} ({drift.StripeId}): {drift.Field.Field} is {drift.Field.Before ?? "(none)"} in Stripe, {drift.Field.After ?? "(none)"} in the catalog");
                text.AppendLine($"      fix: {drift.Fix}");
            }
            text.AppendLine();
        }

        if (!plan.HasStripeChanges)
        {
            text.AppendLine(plan.Drift.Count == 0 ? $"{NoChanges} Stripe matches the catalog." : "No other changes in Stripe.");
        }
        foreach (var change in plan.Changes)
        {
            var id = change.StripeId is null || change.StripeId == change.Key ? string.Empty : $" ({change.StripeId})";
            var note = change.Action == ChangeAction.Replace
                ? change.Kind == ResourceKinds.Price ? ": a new price takes the lookup key over; the old one is deactivated" : ": a new one is created; the old one is disabled"
                : string.Empty;
            text.AppendLine($"  {Symbol(change.Action)} {change.Kind} {change.Key}{id}{note}");
            foreach (var field in change.Fields)
            {
                text.AppendLine(change.Action == ChangeAction.Create
                    ? $"      {field.Field}: {field.After}"
                    : $"      {field.Field}: {field.Before ?? "(none)"} -> {field.After ?? "(none)"}");
            }
        }

        if (plan.DatabaseChanges is { Count: > 0 } database)
        {
            text.AppendLine();
            text.AppendLine("Database:");
            foreach (var change in database)
            {
                text.AppendLine($"  {Symbol(change.Action)} {change.Table} {change.Key}");
                foreach (var field in change.Fields)
                {
                    text.AppendLine(change.Action == ChangeAction.Create
                        ? $"      {field.Field}: {field.After ?? "(none)"}"
                        : $"      {field.Field}: {field.Before ?? "(none)"} -> {field.After ?? "(none)"}");
                }
            }
        }

        if (plan.Unmanaged.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Not managed by the catalog (made elsewhere; left untouched):");
            foreach (var item in plan.Unmanaged)
            {
                text.AppendLine($"  - {item}");
            }
        }
        if (plan.Notes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Notes:");
            foreach (var note in plan.Notes)
            {
                text.AppendLine($"  - {note}");
            }
        }

        text.AppendLine();
        text.AppendLine(Summary(plan));
        return text.ToString();
    }

    public static string Summary(Plan plan)
    {
        var stripe = $"Plan: {plan.Count(ChangeAction.Create)} to create, {plan.Count(ChangeAction.Update)} to update, " +
                     $"{plan.Count(ChangeAction.Deactivate)} to deactivate, {plan.Count(ChangeAction.Replace)} to replace";
        var database = plan.DatabaseChanges is null ? "; database not compared" : $"; {plan.DatabaseChanges.Count} database row(s) to write";
        var drift = plan.Drift.Count > 0 ? $"; {plan.Drift.Count} immutable field(s) drifted (blocked)" : string.Empty;
        return stripe + database + drift + ".";
    }

    public static string RenderJson(Plan plan) => JsonSerializer.Serialize(new
    {
        mode = plan.Mode == StripeMode.Live ? "live" : "test",
        environment = plan.Environment,
        catalog = plan.CatalogPath,
        summary = new
        {
            create = plan.Count(ChangeAction.Create),
            update = plan.Count(ChangeAction.Update),
            deactivate = plan.Count(ChangeAction.Deactivate),
            replace = plan.Count(ChangeAction.Replace),
            database = plan.DatabaseChanges?.Count,
            drift = plan.Drift.Count,
        },
        changes = plan.Changes.Select(c => new
        {
            action = c.Action.ToString().ToLowerInvariant(),
            symbol = Symbol(c.Action),
            kind = c.Kind,
            key = c.Key,
            stripe_id = c.StripeId,
            fields = c.Fields.Select(f => new { field = f.Field, before = f.Before, after = f.After }),
        }),
        drift = plan.Drift.Select(d => new { kind = d.Kind, key = d.Key, stripe_id = d.StripeId, field = d.Field.Field, stripe = d.Field.Before, catalog = d.Field.After, fix = d.Fix }),
        database = plan.DatabaseChanges?.Select(c => new
        {
            action = c.Action.ToString().ToLowerInvariant(),
            table = c.Table,
            key = c.Key,
            fields = c.Fields.Select(f => new { field = f.Field, before = f.Before, after = f.After }),
        }),
        unmanaged = plan.Unmanaged,
        notes = plan.Notes,
    }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };
}
