namespace Yapit.Billing.Usage;

/// <summary>
/// The product owner's usage rules, pure, so the database code and the property tests' model share one definition.
/// Limits are per period: <c>null</c> is unlimited, 0 is not included.
/// </summary>
public static class MeterRules
{
    /// <summary>
    /// Spends <paramref name="amount"/>: the allowance first (its counter never exceeds the limit), then positive
    /// rollover, then purchased credits (never below zero), and the rest becomes debt (rollover goes negative). An
    /// allowance-only meter just counts what was spent.
    /// </summary>
    public static (MeterBalance Balance, Breakdown Breakdown) Consume(MeterKind kind, long? limit, MeterBalance balance, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        if (limit is null || kind == MeterKind.AllowanceOnly)
        {
            return (balance with { PeriodUsed = checked(balance.PeriodUsed + amount) }, new Breakdown(amount, 0, 0, 0));
        }
        var fromAllowance = Math.Min(amount, Math.Max(0, limit.Value - balance.PeriodUsed));
        var rest = amount - fromAllowance;
        var fromRollover = balance.Rollover > 0 ? Math.Min(rest, balance.Rollover) : 0;
        rest -= fromRollover;
        var fromPurchased = Math.Min(rest, balance.Purchased);
        rest -= fromPurchased;
        var next = new MeterBalance(
            balance.PeriodUsed + fromAllowance,
            checked(balance.Rollover - fromRollover - rest),
            balance.Purchased - fromPurchased);
        return (next, new Breakdown(fromAllowance, fromRollover, fromPurchased, rest));
    }

    /// <summary>
    /// What a user can still spend: the allowance left, plus rollover (debt subtracts), plus purchased credits, minus
    /// open reservations; never below zero. <c>null</c> is unlimited.
    /// </summary>
    public static long? Available(MeterKind kind, long? limit, MeterBalance balance, long reserved)
    {
        if (limit is null)
        {
            return null;
        }
        var allowance = Math.Max(0, limit.Value - balance.PeriodUsed);
        var total = kind == MeterKind.Waterfall ? allowance + balance.Rollover + balance.Purchased : allowance;
        return Math.Max(0, total - reserved);
    }

    public static bool Allows(MeterKind kind, long? limit, MeterBalance balance, long reserved, long amount) =>
        Available(kind, limit, balance, reserved) is not { } available || amount <= available;

    /// <summary>
    /// A period ends: the unused allowance (at the ending period's limit) repays debt first, then adds to rollover up
    /// to the meter's cap (a rollover already above the cap is never cut). An allowance that was not paid and kept (a
    /// trial's, an unpaid period's, a period cut short and credited back: <paramref name="endingUnpaid"/>) repays and
    /// rolls nothing, and neither does an allowance-only meter (docs/billing-rules.md, rule 4). The new period starts
    /// with nothing used.
    /// </summary>
    public static RenewalResult Renew(MeterKind kind, long? endingLimit, MeterBalance balance, long rolloverCap, bool endingUnpaid)
    {
        var unused = endingLimit is { } limit ? Math.Max(0, limit - balance.PeriodUsed) : 0;
        if (kind == MeterKind.AllowanceOnly || endingUnpaid || unused == 0)
        {
            return new RenewalResult(balance with { PeriodUsed = 0 }, unused, 0, 0);
        }
        var repaid = Math.Min(unused, balance.Debt);
        var afterRepay = balance.Rollover + repaid;
        var rolled = Math.Max(0, Math.Min(unused - repaid, rolloverCap - afterRepay));
        return new RenewalResult(new MeterBalance(0, afterRepay + rolled, balance.Purchased), unused, repaid, rolled);
    }

    /// <summary>A credit pack repays debt first; the rest becomes purchased credits, which never expire.</summary>
    public static PackResult AddPack(MeterBalance balance, long quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        var repaid = Math.Min(quantity, balance.Debt);
        return new PackResult(
            balance with { Rollover = balance.Rollover + repaid, Purchased = checked(balance.Purchased + quantity - repaid) },
            repaid,
            quantity - repaid);
    }

    /// <summary>
    /// Token equivalents of a model call as the reference counts them: input tokens plus output (and reasoning)
    /// tokens times the processor's output multiplier (6 for Gemini, 3 by default for OpenAI-compatible ones).
    /// </summary>
    public static long TokenEquivalents(long inputTokens, long outputTokens, long thoughtsTokens, int outputMultiplier)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(thoughtsTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputMultiplier);
        return checked(inputTokens + ((outputTokens + thoughtsTokens) * outputMultiplier));
    }
}
