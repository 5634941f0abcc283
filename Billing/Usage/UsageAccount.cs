namespace Yapit.Billing.Usage;

/// <summary>One ended period's renewal of one meter.</summary>
public sealed record MeterRenewal(DateTimeOffset PeriodStart, string Meter, string Tier, bool WasTrial, RenewalResult Result);

/// <summary>A paid period as it stood when the ledger left it for the free tier (rule 1's undo).</summary>
public sealed record UsageSnapshot(string Tier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, bool PeriodIsTrial, bool PeriodUnpaid,
    DateTimeOffset? Anchor, DateTimeOffset? PaidThrough, IReadOnlyDictionary<string, MeterBalance> Balances);

/// <summary>
/// A user's usage account in memory: the period in force and the balances per meter. Holds the period rules
/// (monthly periods, renewal once per period, plan changes) so the ledger's SQL only loads and saves it, and the
/// property tests' model can use the same rules. Not thread-safe: the ledger works on it under the user's row lock.
/// </summary>
public sealed class UsageAccount
{
    /// <summary>Most periods one call may renew (a free account idle for a century stops here).</summary>
    private const int MaxRenewals = 1_200;

    private readonly Dictionary<string, MeterBalance> _balances = new(StringComparer.Ordinal);

    public UsageAccount(string userId, string tier, DateTimeOffset periodStart, DateTimeOffset periodEnd, bool periodIsTrial, DateTimeOffset? anchor, DateTimeOffset? paidThrough, bool periodUnpaid = false)
    {
        PeriodUnpaid = periodUnpaid;
        UserId = userId;
        Tier = tier;
        PeriodStart = periodStart;
        PeriodEnd = periodEnd;
        PeriodIsTrial = periodIsTrial;
        Anchor = anchor;
        PaidThrough = paidThrough;
    }

    /// <summary>A user never seen: the free tier, in months from now.</summary>
    public static UsageAccount NewFree(string userId, DateTimeOffset now) => new(userId, "free", now, UsagePeriods.Boundary(now, 1), false, now, null);

    public string UserId { get; }
    public string Tier { get; private set; }
    public DateTimeOffset PeriodStart { get; private set; }
    public DateTimeOffset PeriodEnd { get; private set; }
    public bool PeriodIsTrial { get; private set; }
    /// <summary>The period's invoice is not paid (dunning, or the subscription ended on it): its allowance never rolls over.</summary>
    public bool PeriodUnpaid { get; private set; }
    public DateTimeOffset? Anchor { get; private set; }
    public DateTimeOffset? PaidThrough { get; private set; }
    public bool PeriodChanged { get; private set; }

    /// <summary>The Stripe test clock the user's customer lives on (test mode), or null.</summary>
    public string? TestClockId { get; set; }

    /// <summary>That clock's time as last seen, the account's "now" for its periods; null without a clock.</summary>
    public DateTimeOffset? ClockTime { get; init; }

    public IReadOnlyDictionary<string, MeterBalance> Balances => _balances;

    public MeterBalance Balance(string meter) => _balances.GetValueOrDefault(meter);

    public void SetBalance(string meter, MeterBalance balance) => _balances[meter] = balance;

    /// <summary>
    /// Moves to the period that contains <paramref name="now"/> where periods follow by themselves (the months of a
    /// yearly plan, the free tier's months), renewing each ended period once. A period that ends at
    /// <see cref="PaidThrough"/> stays until the subscription's paid cycle invoice starts the next one.
    /// </summary>
    public IReadOnlyList<MeterRenewal> AdvanceTo(DateTimeOffset now, MeterCatalog catalog)
    {
        var renewals = new List<MeterRenewal>();
        for (var i = 0; i < MaxRenewals && now >= PeriodEnd && Anchor is { } anchor && (PaidThrough is not { } paid || PeriodEnd < paid); i++)
        {
            renewals.AddRange(RenewAll(catalog));
            var next = UsagePeriods.MonthlyContaining(anchor, PeriodEnd);
            var start = PeriodEnd;
            var end = PaidThrough is { } limit && next.End > limit ? limit : next.End;
            StartPeriod(Tier, start, end, isTrial: false);
        }
        return renewals;
    }

    /// <summary>
    /// Applies the subscription's current facts at <paramref name="now"/>: a later period than the one in force
    /// renews it once and starts the new one; the same period takes the new tier (an upgrade counts at once) and end;
    /// an earlier one is stale and changes nothing. Returns the renewals it made.
    /// </summary>
    public IReadOnlyList<MeterRenewal> Apply(UsagePlan plan, DateTimeOffset now, MeterCatalog catalog)
    {
        var renewals = new List<MeterRenewal>(AdvanceTo(now, catalog));
        var target = TargetPeriod(plan, now);
        // The free tier's months are no subscription's: a subscription takes over from them even when it started
        // before the free month did (an account is created free on first use, which may be a moment after).
        var fromFree = PaidThrough is null && Tier == "free" && plan.Tier != "free";
        if (target.Start < PeriodStart && !fromFree)
        {
            return renewals;
        }
        if (target.Start > PeriodStart && target.Start < PeriodEnd && !fromFree)
        {
            // The billing period restarted before this one ended (monthly to yearly): Stripe credits the unused time,
            // so its allowance is neither rolled over nor kept; the new period starts full (docs/billing-rules.md, rule 4).
            PeriodUnpaid = true;
            renewals.AddRange(RenewAll(catalog));
        }
        else if (target.Start > PeriodStart || fromFree)
        {
            renewals.AddRange(RenewAll(catalog));
            if (!fromFree)
            {
                renewals.AddRange(RenewSkipped(target.Start, catalog, plan.Unpaid));
            }
        }
        else if (Tier == plan.Tier && PeriodEnd == target.End && PeriodIsTrial == plan.IsTrial && Anchor == AnchorOf(plan) && PaidThrough == plan.BillingPeriodEnd
            && PeriodUnpaid == plan.Unpaid)
        {
            return renewals;
        }
        StartPeriod(plan.Tier, target.Start, target.End, plan.IsTrial, resetUsage: target.Start > PeriodStart || fromFree);
        PeriodUnpaid = plan.Unpaid;
        Anchor = AnchorOf(plan);
        PaidThrough = plan.BillingPeriodEnd;
        return renewals;
    }

    /// <summary>
    /// The subscription ended: from now on the free tier, in months from <paramref name="endedAt"/>; the ended period
    /// is renewed, rolling nothing over when it ended unpaid (<paramref name="lastPeriodUnpaid"/>, rule 4).
    /// </summary>
    public IReadOnlyList<MeterRenewal> End(DateTimeOffset endedAt, DateTimeOffset now, MeterCatalog catalog, bool lastPeriodUnpaid = false)
    {
        var renewals = new List<MeterRenewal>(AdvanceTo(now, catalog));
        if (Tier == "free" && PaidThrough is null)
        {
            return renewals;
        }
        PeriodUnpaid |= lastPeriodUnpaid;
        var start = endedAt > PeriodStart ? endedAt : PeriodStart;
        if (start > PeriodStart)
        {
            renewals.AddRange(RenewAll(catalog));
        }
        StartPeriod("free", start, UsagePeriods.Boundary(start, 1), isTrial: false, resetUsage: start > PeriodStart);
        PeriodUnpaid = false;
        Anchor = start;
        PaidThrough = null;
        renewals.AddRange(AdvanceTo(now, catalog));
        return renewals;
    }

    /// <summary>The account holds a subscription's period (not the free tier's months).</summary>
    public bool HoldsPaidPeriod => !(Tier == "free" && PaidThrough is null);

    public UsageSnapshot Capture() => new(Tier, PeriodStart, PeriodEnd, PeriodIsTrial, PeriodUnpaid, Anchor, PaidThrough,
        new Dictionary<string, MeterBalance>(_balances, StringComparer.Ordinal));

    /// <summary>
    /// Whether <paramref name="plan"/> brings back the period <paramref name="interlude"/> was taken from: the account
    /// is on the free tier since, and the plan's usage period at <paramref name="now"/> is that same period. Only the
    /// subscription that held it can have that period, and a subscription that really ended never comes back, so the
    /// free interlude was a wrong write and is undone (docs/billing-rules.md, rule 1).
    /// </summary>
    public bool Restores(UsagePlan plan, DateTimeOffset now, UsageSnapshot interlude) =>
        !HoldsPaidPeriod && plan.Tier != "free" && TargetPeriod(plan, now).Start == interlude.PeriodStart;

    /// <summary>Goes back to <paramref name="snapshot"/>: its period and balances, as if the interlude had not been.</summary>
    public void Restore(UsageSnapshot snapshot)
    {
        _balances.Clear();
        foreach (var (meter, balance) in snapshot.Balances)
        {
            _balances[meter] = balance;
        }
        StartPeriod(snapshot.Tier, snapshot.PeriodStart, snapshot.PeriodEnd, snapshot.PeriodIsTrial, resetUsage: false);
        PeriodUnpaid = snapshot.PeriodUnpaid;
        Anchor = snapshot.Anchor;
        PaidThrough = snapshot.PaidThrough;
    }

    /// <summary>Charges a record again at the tier in force (an interlude's record, after <see cref="Restore"/>); its new breakdown.</summary>
    public Breakdown Recharge(MeterDefinition meter, long amount, MeterCatalog catalog)
    {
        var (balance, breakdown) = MeterRules.Consume(meter.Kind, catalog.Limit(Tier, meter.Name), Balance(meter.Name), amount);
        _balances[meter.Name] = balance;
        return breakdown;
    }

    /// <summary>Adds a credit pack again (an interlude's, after <see cref="Restore"/>); the debt it repaid this time.</summary>
    public long Regrant(string meter, long quantity)
    {
        var pack = MeterRules.AddPack(Balance(meter), quantity);
        _balances[meter] = pack.Balance;
        return pack.DebtRepaid;
    }

    private static DateTimeOffset? AnchorOf(UsagePlan plan) => plan.Yearly && !plan.IsTrial ? plan.BillingPeriodStart : null;

    private static UsagePeriod TargetPeriod(UsagePlan plan, DateTimeOffset now)
    {
        if (!plan.Yearly || plan.IsTrial)
        {
            return new UsagePeriod(plan.BillingPeriodStart, plan.BillingPeriodEnd);
        }
        var at = now < plan.BillingPeriodStart ? plan.BillingPeriodStart : now >= plan.BillingPeriodEnd ? plan.BillingPeriodEnd.AddTicks(-1) : now;
        var month = UsagePeriods.MonthlyContaining(plan.BillingPeriodStart, at);
        return month with { End = month.End > plan.BillingPeriodEnd ? plan.BillingPeriodEnd : month.End };
    }

    /// <summary>
    /// The worker learns of a billing period that starts after the period in force ended (a clock advanced past a
    /// whole period, a worker that fell behind): each month in between is started and renewed once, at the tier in
    /// force, as paid when the subscription is paid now (a live subscription in good standing has had those invoices
    /// paid), as unpaid when it is in dunning now: which of the skipped invoices failed is not known here, and rule 4
    /// never rolls over what may not have been paid (docs/billing-rules.md, "Every period is renewed once").
    /// Call after the period in force was renewed.
    /// </summary>
    private List<MeterRenewal> RenewSkipped(DateTimeOffset nextStart, MeterCatalog catalog, bool unpaidNow)
    {
        var renewals = new List<MeterRenewal>();
        var anchor = PeriodEnd;
        for (var months = 0; months < MaxRenewals && UsagePeriods.Boundary(anchor, months) < nextStart; months++)
        {
            var start = UsagePeriods.Boundary(anchor, months);
            var end = UsagePeriods.Boundary(anchor, months + 1);
            StartPeriod(Tier, start, end < nextStart ? end : nextStart, isTrial: false);
            PeriodUnpaid = unpaidNow;
            renewals.AddRange(RenewAll(catalog));
        }
        return renewals;
    }

    private List<MeterRenewal> RenewAll(MeterCatalog catalog)
    {
        var renewals = new List<MeterRenewal>();
        foreach (var meter in catalog.Meters)
        {
            var result = MeterRules.Renew(meter.Kind, catalog.Limit(Tier, meter.Name), Balance(meter.Name), meter.RolloverCap, endingUnpaid: PeriodIsTrial || PeriodUnpaid);
            _balances[meter.Name] = result.Balance;
            renewals.Add(new MeterRenewal(PeriodStart, meter.Name, Tier, PeriodIsTrial, result));
        }
        return renewals;
    }

    private void StartPeriod(string tier, DateTimeOffset start, DateTimeOffset end, bool isTrial, bool resetUsage = true)
    {
        if (resetUsage)
        {
            foreach (var meter in _balances.Keys.ToList())
            {
                _balances[meter] = _balances[meter] with { PeriodUsed = 0 };
            }
        }
        Tier = tier;
        PeriodStart = start;
        PeriodEnd = end > start ? end : UsagePeriods.Boundary(start, 1);
        PeriodIsTrial = isTrial;
        PeriodChanged = true;
    }
}
