namespace Yapit.BillingWorker.Inbox;

/// <summary>Bound from <c>Inbox</c> (environment <c>Inbox__MaxAttempts</c>, ...).</summary>
public sealed class InboxOptions
{
    public const string SectionName = "Inbox";

    /// <summary>Events processed at once by this worker.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// How long a claimed event stays this worker's without a renewal; after it, another worker may take it (the first
    /// one died). A run renews it every third of this while it works.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest one run of a handler may take, Stripe calls and their retries included; then it is cancelled and
    /// retried later. Bounds a run that a stalled Stripe would otherwise keep (and keep renewing) forever.
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromMinutes(5);

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
public sealed class BackfillOptions : Yapit.BillingWorker.Scheduling.IPassSchedule
{
    public const string SectionName = "Backfill";

    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First run this long after start.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far before the start of the last complete pass the next pass lists again: Stripe's <c>created</c> is
    /// Stripe's clock, not ours, and events are not listed in delivery order.
    /// </summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a pass lists Stripe's whole 30-day window instead of only what is new since the last pass. The first
    /// pass after start is always a full one (the process does not know what it missed while it was down).
    /// </summary>
    public TimeSpan FullSweepInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Stripe lists events of the last 30 days only.</summary>
    public static readonly TimeSpan StripeRetention = TimeSpan.FromDays(30);
}
