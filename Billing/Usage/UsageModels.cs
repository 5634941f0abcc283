namespace Yapit.Billing.Usage;

/// <summary>One usage record as Yapit's services send it.</summary>
public sealed record UsageRecordRequest(string UserId, string Meter, long Amount, string IdempotencyKey, string? Reference);

/// <summary>What a record did (or, for a repeated key, what its first application did).</summary>
public sealed record UsageRecordResult(
    string IdempotencyKey,
    string UserId,
    string Meter,
    long Amount,
    string? Reference,
    DateTimeOffset PeriodStart,
    Breakdown Breakdown,
    DateTimeOffset RecordedAt,
    bool Replayed);

/// <summary>The answer to "may this user spend N of this meter?". <see cref="Available"/> null is unlimited.</summary>
public sealed record UsageCheckResult(string UserId, string Meter, long Requested, bool Allowed, long? Available, long? Limit, long Used, long Rollover, long Purchased, long Reserved);

/// <summary>An estimate held for long work.</summary>
public sealed record UsageReservation(string ReservationId, string UserId, string Meter, long Amount, DateTimeOffset ExpiresAt);

/// <summary>The subscription facts the usage periods follow, given by the subscription lifecycle.</summary>
/// <param name="BillingPeriodStart">The subscription item's current period start (the trial's start while trialing).</param>
/// <param name="BillingPeriodEnd">Its end: a monthly plan's period waits here for the paid cycle invoice.</param>
/// <param name="Yearly">A yearly plan gets its allowance every month, in months anchored on the period's start.</param>
/// <param name="Unpaid">The period's invoice is not paid (past_due, unpaid, incomplete): its allowance never rolls over.</param>
/// <param name="TestClockId">The test clock the customer lives on (test mode): its time drives the usage periods.</param>
/// <param name="ClockTime">That clock's time when the subscription was read.</param>
public sealed record UsagePlan(string UserId, string Tier, DateTimeOffset BillingPeriodStart, DateTimeOffset BillingPeriodEnd, bool Yearly, bool IsTrial, bool Unpaid = false,
    string? TestClockId = null, DateTimeOffset? ClockTime = null);

/// <summary>One meter of a user's usage, as <c>GET /v1/usage</c> shows it.</summary>
public sealed record MeterUsage(string Meter, long? Limit, long Used, long? Remaining, long Rollover, long Purchased, long Debt, long Reserved, long? Available);

public sealed record UsageSummary(string UserId, string Tier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, bool PeriodIsTrial, IReadOnlyList<MeterUsage> Meters);

/// <summary>Records of one period grouped by the caller's reference.</summary>
public sealed record UsageHistoryGroup(string Meter, string? Reference, long Amount, int Records, DateTimeOffset FirstAt, DateTimeOffset LastAt);

/// <summary>A credit pack's effect on a meter.</summary>
public sealed record CreditGrantResult(string GrantKey, string UserId, string Meter, long Quantity, long DebtRepaid, long AddedToPurchased, bool AlreadyGranted);

/// <summary>The request names a meter the catalog does not have.</summary>
public sealed class UnknownMeterException(string meter) : Exception($"There is no meter '{meter}' in the catalog.")
{
    public string Meter { get; } = meter;
}

/// <summary>An idempotency key was used again with other values than its first use.</summary>
public sealed class IdempotencyKeyReusedException(string key) : Exception($"The idempotency key '{key}' was already used with other values.")
{
    public string Key { get; } = key;
}

/// <summary>A reservation asked for more than the user has available.</summary>
public sealed class UsageLimitExceededException(UsageCheckResult check) : Exception($"Not enough {check.Meter}: {check.Requested} requested, {check.Available} available.")
{
    public UsageCheckResult Check { get; } = check;
}

/// <summary>A reservation id was used again with another user, meter or amount (<see cref="Fields"/> names which).</summary>
public sealed class ReservationIdReusedException(string reservationId, IReadOnlyList<string> fields)
    : Exception($"The reservation id '{reservationId}' is held with another {string.Join(", ", fields)}.")
{
    public string ReservationId { get; } = reservationId;
    public IReadOnlyList<string> Fields { get; } = fields;
}
