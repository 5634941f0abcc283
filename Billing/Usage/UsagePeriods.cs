namespace Yapit.Billing.Usage;

/// <summary>A usage period: <c>[Start, End)</c>.</summary>
public readonly record struct UsagePeriod(DateTimeOffset Start, DateTimeOffset End)
{
    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;
}

/// <summary>
/// Allowances reset every month, on yearly plans too: monthly periods anchored on the subscription's start. Each
/// boundary is counted from the anchor (not from the previous boundary), so a Jan 31 anchor gives Feb 28 (or 29),
/// then Mar 31 again, as Stripe's billing cycle does.
/// </summary>
public static class UsagePeriods
{
    public static DateTimeOffset Boundary(DateTimeOffset anchor, int months) => anchor.AddMonths(months);

    /// <summary>The monthly period, anchored on <paramref name="anchor"/>, that contains <paramref name="instant"/>.</summary>
    public static UsagePeriod MonthlyContaining(DateTimeOffset anchor, DateTimeOffset instant)
    {
        if (instant < anchor)
        {
            return new UsagePeriod(anchor, Boundary(anchor, 1));
        }
        // An estimate from the calendar, corrected by at most a step either way.
        var months = ((instant.Year - anchor.Year) * 12) + instant.Month - anchor.Month;
        while (months > 0 && Boundary(anchor, months) > instant)
        {
            months--;
        }
        while (Boundary(anchor, months + 1) <= instant)
        {
            months++;
        }
        return new UsagePeriod(Boundary(anchor, months), Boundary(anchor, months + 1));
    }
}
