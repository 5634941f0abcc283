namespace Yapit.BillingWorker.Reconciliation;

/// <summary>Bound from <c>Reconciliation</c>: how often the worker compares the stored subscriptions with Stripe's.</summary>
public sealed class ReconciliationOptions : Yapit.BillingWorker.Scheduling.IPassSchedule
{
    public const string SectionName = "Reconciliation";

    /// <summary>Off: no pass on a schedule (tests run one with <see cref="ReconciliationService.RunOnceAsync"/>).</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A pending at-period-end plan is applied to Stripe when its period ends within this time. It must exceed
    /// <see cref="Interval"/>, or a period could end between two passes and renew at the old price.
    /// </summary>
    public TimeSpan PendingLeadTime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Subscriptions per page of Stripe's list (at most 100).</summary>
    public int PageSize { get; set; } = 100;
}
