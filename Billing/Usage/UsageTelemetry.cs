using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Yapit.Billing.Usage;

/// <summary>Spans and metrics of the usage ledger (source and meter <c>Yapit.Usage</c>). Tags: meter and outcome, never amounts per user.</summary>
public static class UsageTelemetry
{
    public const string Name = "Yapit.Usage";

    public static readonly ActivitySource ActivitySource = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Records = Meter.CreateCounter<long>("yapit.usage.records", "{record}", "Usage records applied (outcome: applied, replayed).");
    public static readonly Counter<long> Units = Meter.CreateCounter<long>("yapit.usage.units", "{unit}", "Units recorded, by the waterfall source they came from (allowance, rollover, purchased, debt).");
    public static readonly Counter<long> Checks = Meter.CreateCounter<long>("yapit.usage.checks", "{check}", "Usage checks (outcome: allowed, refused).");
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("yapit.usage.refusals", "{refusal}", "Checks and reservations refused for want of balance (operation: check, reserve).");
    public static readonly Counter<long> DebtCreated = Meter.CreateCounter<long>("yapit.usage.debt_created", "{unit}", "Units recorded beyond every balance, owed as negative rollover.");
    public static readonly Counter<long> Renewals = Meter.CreateCounter<long>("yapit.usage.renewals", "{renewal}", "Ended periods renewed, per meter (trial: true when the period was a trial, which rolls nothing over).");
    public static readonly Counter<long> DebtRepaid = Meter.CreateCounter<long>("yapit.usage.debt_repaid", "{unit}", "Debt repaid by renewals and credit packs.");
    public static readonly Counter<long> RolledOver = Meter.CreateCounter<long>("yapit.usage.rolled_over", "{unit}", "Unused allowance added to rollover at period ends.");
    public static readonly Histogram<int> RecordBatchSize = Meter.CreateHistogram<int>("yapit.usage.record_batch_size", "{record}", "Records written by one statement and one commit (records that arrived together).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
    public static readonly Counter<long> InterludesUndone = Meter.CreateCounter<long>("yapit.usage.interludes_undone", "{interlude}", "Free interludes undone because the paid period's subscription came back (rule 1).");
    public static readonly Counter<long> CreditsGranted = Meter.CreateCounter<long>("yapit.usage.credits_granted", "{unit}", "Credits granted by credit packs.");

    internal static void RecordApplied(string meter, Breakdown breakdown, bool replayed)
    {
        Records.Add(1, new("meter", meter), new("outcome", replayed ? "replayed" : "applied"));
        if (replayed)
        {
            return;
        }
        AddUnits(meter, "allowance", breakdown.FromAllowance);
        AddUnits(meter, "rollover", breakdown.FromRollover);
        AddUnits(meter, "purchased", breakdown.FromPurchased);
        AddUnits(meter, "debt", breakdown.ToDebt);
        if (breakdown.ToDebt > 0)
        {
            DebtCreated.Add(breakdown.ToDebt, new KeyValuePair<string, object?>("meter", meter));
        }
    }

    internal static void Refused(string meter, string operation, Activity? activity)
    {
        Refusals.Add(1, new("meter", meter), new("operation", operation));
        activity?.SetTag("yapit.usage.allowed", false);
    }

    internal static void Renewed(IEnumerable<MeterRenewal> renewals)
    {
        foreach (var renewal in renewals)
        {
            Renewals.Add(1, new("meter", renewal.Meter), new("trial", renewal.WasTrial));
            if (renewal.Result.DebtRepaid > 0)
            {
                DebtRepaid.Add(renewal.Result.DebtRepaid, new KeyValuePair<string, object?>("meter", renewal.Meter), new("by", "renewal"));
            }
            if (renewal.Result.RolledOver > 0)
            {
                RolledOver.Add(renewal.Result.RolledOver, new KeyValuePair<string, object?>("meter", renewal.Meter));
            }
        }
    }

    private static void AddUnits(string meter, string source, long units)
    {
        if (units > 0)
        {
            Units.Add(units, new("meter", meter), new("source", source));
        }
    }
}
