namespace Yapit.Storefront.Gateway;

// The gateway's answers as this frontend reads them (snake_case on the wire; the OpenAPI document at /openapi/v1.json
// has every field). Only what the pages show is listed.

public sealed record PlansResponse(IReadOnlyList<Plan> Plans, IReadOnlyList<CreditPack> CreditPacks);

public sealed record Plan(string Tier, string Name, int Rank, int TrialDays, IReadOnlyList<PlanPrice> Prices, IReadOnlyDictionary<string, long?> Limits);

public sealed record PlanPrice(string Interval, long Amount, string Currency);

public sealed record CreditPack(string Pack, string Meter, long Quantity, long Amount, string Currency);

public sealed record PendingChange(string Tier, string? Interval, DateTimeOffset? EffectiveAt);

public sealed record UserSubscription(
    string Tier,
    string? SubscribedTier,
    string? Status,
    string? Interval,
    DateTimeOffset? CurrentPeriodStart,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? TrialEnd,
    bool IsCanceling,
    bool CancelAtPeriodEnd,
    DateTimeOffset? CancelAt,
    DateTimeOffset? GraceUntil,
    PendingChange? PendingDowngrade,
    string PaymentState,
    string? ActionUrl)
{
    /// <summary>A subscription Stripe still bills (or retries): one to change or cancel, not to buy again.</summary>
    public bool IsLive => Status is "trialing" or "active" or "past_due" or "unpaid" or "incomplete" or "paused";
}

public sealed record CheckoutStarted(string CheckoutUrl, string SessionId);

public sealed record PortalOpened(string PortalUrl);

public sealed record PlanSide(string Tier, string? Interval);

public sealed record InvoiceView(long Amount, DateTimeOffset? Date);

public sealed record ChangePreview(string Classification, string Timing, PlanSide From, PlanSide To, string Currency, long AmountDueNow, InvoiceView? NextInvoice, DateTimeOffset? EffectiveAt);

public sealed record ChangePayment(string State, string? InvoiceId, long AmountDue, string? ActionUrl);

public sealed record ChangeResult(string RequestId, string Classification, string Timing, DateTimeOffset? EffectiveAt, ChangePayment? Payment, UserSubscription Subscription);

public sealed record CancelResult(string RequestId, UserSubscription Subscription);

public sealed record MeterUsage(string Meter, long? Limit, long Used, long? Remaining, long Rollover, long Purchased, long Debt, long Reserved, long? Available);

public sealed record Usage(string Tier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, bool PeriodIsTrial, IReadOnlyList<MeterUsage> Meters);

/// <summary>The gateway refused (a Problem Details answer, RFC 9457) or could not be reached: what to tell the person.</summary>
public sealed class GatewayProblemException(int status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors, Exception? inner = null)
    : Exception(detail is null ? title : $"{title} {detail}", inner)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    /// <summary>Per field, what is wrong with it (validation problems).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
