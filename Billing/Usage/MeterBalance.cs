namespace Yapit.Billing.Usage;

/// <summary>How a meter is spent.</summary>
public enum MeterKind
{
    /// <summary>Period allowance, then positive rollover, then purchased credits, then debt (tokens, voice_chars).</summary>
    Waterfall,
    /// <summary>The period allowance only: no rollover, packs or debt (kokoro_chars).</summary>
    AllowanceOnly,
}

/// <summary>
/// One user's balance of one meter. <see cref="PeriodUsed"/> is what the current period's allowance has given;
/// <see cref="Rollover"/> is negative when it is debt; <see cref="Purchased"/> is never negative.
/// </summary>
public readonly record struct MeterBalance(long PeriodUsed, long Rollover, long Purchased)
{
    public long Debt => Rollover < 0 ? -Rollover : 0;
}

/// <summary>Where one record's amount came from. The parts add up to the amount.</summary>
public readonly record struct Breakdown(long FromAllowance, long FromRollover, long FromPurchased, long ToDebt)
{
    public long Total => FromAllowance + FromRollover + FromPurchased + ToDebt;
}

/// <summary>What a period's end did to a meter.</summary>
public readonly record struct RenewalResult(MeterBalance Balance, long Unused, long DebtRepaid, long RolledOver);

/// <summary>What a credit pack did: the part that repaid debt and the part added to purchased credits.</summary>
public readonly record struct PackResult(MeterBalance Balance, long DebtRepaid, long AddedToPurchased);
