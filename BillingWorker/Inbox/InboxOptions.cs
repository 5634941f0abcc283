namespace Yapit.BillingWorker.Inbox;

/// <summary>Bound from <c>Inbox</c> (environment <c>Inbox__MaxAttempts</c>, ...).</summary>
public sealed class InboxOptions
{
    public const string SectionName = "Inbox";

    /// <summary>Events processed at once by this worker.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>How long a claimed event stays this worker's; after it, another worker may take it (the first one died).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Polling fallback when no notification arrives (and for retries coming due).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts before an event becomes a dead letter.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay before the second attempt; it doubles with each failure (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan BaseRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>/health says Degraded when the oldest unprocessed event waited longer than this.</summary>
    public TimeSpan MaxPendingAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Done and ignored events are deleted after this; dead letters are kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(6);
}

/// <summary>Bound from <c>Backfill</c>.</summary>
public sealed class BackfillOptions
{
    public const string SectionName = "Backfill";

    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First run this long after start.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How far before the newest event seen listing starts again: events are not listed in delivery order.</summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>With an empty inbox, how far back to look.</summary>
    public TimeSpan InitialLookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Stripe lists events of the last 30 days only.</summary>
    public static readonly TimeSpan StripeRetention = TimeSpan.FromDays(30);
}
