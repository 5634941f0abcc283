namespace Yapit.Billing.Usage;

/// <summary>How the ledger writes records (configuration section <c>Usage</c>). The defaults are what bench/UsageRecords measured best.</summary>
public sealed class UsageLedgerOptions
{
    public const string SectionName = "Usage";

    /// <summary>
    /// Record statements in flight at once (each one transaction and one connection). Records that arrive while all
    /// are busy go together into the next one.
    /// </summary>
    public int MaxConcurrentRecordWrites { get; set; } = 8;

    /// <summary>The most records in one statement.</summary>
    public int MaxRecordBatch { get; set; } = 64;
}
