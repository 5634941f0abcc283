using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;
using Yapit.Billing.Plans;

namespace Yapit.Billing.Subscriptions;

/// <summary>A change the user may not make now; the API answers it as a problem with this status.</summary>
public sealed class SubscriptionChangeRefusedException(int statusCode, string title, string detail, string? field = null) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
    public string Title { get; } = title;
    /// <summary>The request field at fault, for a validation problem (400), or null.</summary>
    public string? Field { get; } = field;
}

public sealed record PlanSide(string Tier, string? Interval);

public sealed record UpcomingInvoice(long Amount, DateTimeOffset? Date);

/// <param name="ProrationDate">Stripe's time the preview prorated at (the test clock's in test mode): the change passes it
/// back so it charges exactly <see cref="AmountDueNow"/> (docs/billing-rules.md, "The preview's amount").</param>
public sealed record PlanChangePreview(
    PlanChangeKind Kind,
    PlanChangeTiming Timing,
    PlanSide From,
    PlanSide To,
    string Currency,
    long AmountDueNow,
    UpcomingInvoice? NextInvoice,
    DateTimeOffset? EffectiveAt,
    DateTimeOffset ProrationDate);

/// <summary>
/// How the invoice a change made now stands: paid (<c>ok</c>), waiting for the customer's authentication
/// (<c>requires_action</c>) or failed (<c>past_due</c>). <see cref="WaitsForPayment"/>: the change is not made until
/// the invoice is paid on <see cref="ActionUrl"/> (an upgrade, rule 2).
/// </summary>
public sealed record ChangePayment(string State, string? InvoiceId, long AmountDue, string? ActionUrl, bool WaitsForPayment = false);

public sealed record PlanChangeResult(string RequestId, PlanChangeKind Kind, PlanChangeTiming Timing, DateTimeOffset? EffectiveAt, ChangePayment? Payment);

/// <summary>
/// Previews and makes a user's plan changes, cancellations and reactivations in Stripe (through Stripe.net, one
/// idempotency key per request), then stores what Stripe says at once (<see cref="SubscriptionSync"/>, the same path
/// the webhooks take, so the two converge whatever arrives first) and records the request in the history.
/// </summary>
public sealed class PlanChangeService(
    IStripeClient stripe,
    SubscriptionStore store,
    SubscriptionChangesStore changes,
    SubscriptionSync sync,
    PlanCatalogReader plans,
    IOptionsMonitor<BillingOptions> options,
    TimeProvider time,
    ILogger<PlanChangeService> logger)
{
    private readonly SubscriptionService _subscriptions = new(stripe);
    private readonly InvoiceService _invoices = new(stripe);

    /// <summary>How long a preview's proration date may be used, in Stripe's time: a change later than this asks for a new preview.</summary>
    public static readonly TimeSpan PreviewLifetime = TimeSpan.FromMinutes(10);

    /// <param name="PaidTier">The tier already paid for this period above the billed one (a grace after a downgrade),
    /// when the change goes up: going back to it costs nothing, above it only the difference (rule 3).</param>
    private sealed record Decision(StoredSubscription Stored, Subscription Subscription, SubscriptionItem Item, SellableInterval Target, BillingInterval FromInterval, BillingInterval ToInterval, PlanChange Change,
        SellableInterval? PaidTier, DateTimeOffset StripeNow);

    public async Task<PlanChangePreview> PreviewAsync(string userId, string tier, string interval, CancellationToken cancellationToken)
    {
        using var activity = SubscriptionSync.ActivitySource.StartActivity("plan change preview");
        activity?.SetTag("yapit.user_id", userId);
        var d = await DecideAsync(userId, tier, interval, ChangeReason.Request(NewRequestId(), "preview"), cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.subscription_id", d.Subscription.Id);
        var from = new PlanSide(d.Stored.Stripe.Tier.Tier, SubscriptionStore.IntervalName(d.FromInterval));
        var to = new PlanSide(d.Target.Tier, d.Target.Interval);
        var periodEnd = d.Stored.Stripe.CurrentPeriodEnd;
        var at = d.StripeNow;
        switch (d.Change.Timing)
        {
            case PlanChangeTiming.None:
            {
                var upcoming = await PreviewInvoiceAsync(d, null, null, at, cancellationToken).ConfigureAwait(false);
                return new PlanChangePreview(d.Change.Kind, d.Change.Timing, from, to, upcoming.Currency, 0, Next(upcoming), null, at);
            }
            case PlanChangeTiming.AtPeriodEnd:
            {
                // What the renewal bills once the worker has switched the price without proration.
                var after = await PreviewInvoiceAsync(d, d.Target.PriceId, "none", at, cancellationToken).ConfigureAwait(false);
                var amount = IsUpcoming(after) ? after.AmountDue : CycleLines(after).Sum(l => l.Amount);
                return new PlanChangePreview(d.Change.Kind, d.Change.Timing, from, to, after.Currency, 0, new UpcomingInvoice(amount, periodEnd), periodEnd, at);
            }
            default:
            {
                var behavior = d.Change.Timing == PlanChangeTiming.NowWithProration ? "always_invoice" : "none";
                var now = await PreviewInvoiceAsync(d, d.Target.PriceId, behavior, at, cancellationToken).ConfigureAwait(false);
                var amountDue = IsUpcoming(now) ? 0 : now.AmountDue;
                if (d.PaidTier is { } covering && covering.Rank >= d.Target.Rank && d.ToInterval == d.FromInterval)
                {
                    // Up to a tier no higher than the one still held through grace: that time is paid (rule 3).
                    amountDue = 0;
                }
                else if (d.PaidTier is { } paid && !IsUpcoming(now))
                {
                    // Above a tier still held through grace only the difference is owed: what the change to the target
                    // costs from the billed price, less what going back to the paid tier would (which is free).
                    var toPaid = await PreviewInvoiceAsync(d, paid.PriceId, behavior, at, cancellationToken).ConfigureAwait(false);
                    amountDue = Math.Max(0, amountDue - (IsUpcoming(toPaid) ? 0 : toPaid.AmountDue));
                }
                if (IsUpcoming(now))
                {
                    return new PlanChangePreview(d.Change.Kind, d.Change.Timing, from, to, now.Currency, 0, Next(now), time.GetUtcNow(), at);
                }
                var next = CycleLines(now).ToList() is { Count: > 0 } cycle
                    ? new UpcomingInvoice(cycle.Sum(l => l.Amount), Utc(cycle.Max(l => l.Period?.End)))
                    : Next(await PreviewInvoiceAsync(d, d.Target.PriceId, "none", at, cancellationToken).ConfigureAwait(false));
                return new PlanChangePreview(d.Change.Kind, d.Change.Timing, from, to, now.Currency, amountDue, next, time.GetUtcNow(), at);
            }
        }
    }

    /// <param name="prorationDate">The proration date of the preview the user saw (<see cref="PlanChangePreview.ProrationDate"/>):
    /// Stripe prorates at it, so the charge is the preview's amount. Older than <see cref="PreviewLifetime"/> in
    /// Stripe's time, or before the current period, it is refused (409): the preview is stale.</param>
    public async Task<PlanChangeResult> ChangeAsync(string userId, string tier, string interval, string requestId, CancellationToken cancellationToken, DateTimeOffset? prorationDate = null)
    {
        using var activity = SubscriptionSync.ActivitySource.StartActivity("plan change");
        activity?.SetTag("yapit.user_id", userId);
        var reason = ChangeReason.Request(requestId, "plan change");
        var d = await DecideAsync(userId, tier, interval, reason, cancellationToken).ConfigureAwait(false);
        var subscriptionId = d.Subscription.Id;
        activity?.SetTag("stripe.subscription_id", subscriptionId);
        activity?.SetTag("yapit.change", $"{d.Change.Kind} {d.Change.Timing}");
        await changes.RecordRequestAsync(userId, subscriptionId, "plan_change", reason, new
        {
            kind = KindName(d.Change.Kind),
            timing = TimingName(d.Change.Timing),
            from_tier = d.Stored.Stripe.Tier.Tier,
            from_interval = SubscriptionStore.IntervalName(d.FromInterval),
            to_tier = d.Target.Tier,
            to_interval = d.Target.Interval,
            policy = options.CurrentValue.DowngradePolicy,
        }, cancellationToken).ConfigureAwait(false);
        SubscriptionTelemetry.PlanChanges.Add(1, new("direction", KindName(d.Change.Kind)), new("timing", TimingName(d.Change.Timing)));
        var stored = d.Stored;
        switch (d.Change.Timing)
        {
            case PlanChangeTiming.None:
                // Asking for the plan one has drops a pending change: the user changed their mind.
                if (stored.PendingTier is not null)
                {
                    await store.SetPlanDecisionsAsync(userId, subscriptionId, PlanDecisionParts.Pending, null, null, null, null, reason, cancellationToken).ConfigureAwait(false);
                }
                return new PlanChangeResult(requestId, d.Change.Kind, d.Change.Timing, null, null);
            case PlanChangeTiming.AtPeriodEnd:
                // Stripe is not touched: the worker switches the price shortly before the period ends (no subscription schedules).
                await store.SetPlanDecisionsAsync(userId, subscriptionId, PlanDecisionParts.Pending, null, null,
                    new PlanRef(d.Target.Tier, d.Target.Rank), d.ToInterval, reason, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("User {UserId} scheduled {Tier} {Interval} for the end of the period of {SubscriptionId} ({PeriodEnd})",
                    userId, d.Target.Tier, d.Target.Interval, subscriptionId, stored.Stripe.CurrentPeriodEnd);
                return new PlanChangeResult(requestId, d.Change.Kind, d.Change.Timing, stored.Stripe.CurrentPeriodEnd, null);
            default:
            {
                if (prorationDate is { } date && (d.StripeNow - date > PreviewLifetime || date > d.StripeNow + TimeSpan.FromMinutes(1)
                    || (stored.Stripe.CurrentPeriodStart is { } periodStart && date < periodStart)))
                {
                    throw new SubscriptionChangeRefusedException(409, "The preview is stale.",
                        $"The preview was made at {date:O} and Stripe's time is now {d.StripeNow:O}; ask for a new preview (POST /v1/billing/subscription/preview) and change with its preview_token.");
                }
                var behavior = d.Change.Timing == PlanChangeTiming.NowWithProration ? "always_invoice" : "none";
                var subscription = d.Subscription;
                if (d.PaidTier is { } paid)
                {
                    // Rule 3: the time up to the paid tier is paid already. Up to it (or to a tier below it) on the
                    // same interval without proration (no invoice); above it, or onto another interval (which restarts
                    // the period and credits the unused time), back to it first, so the proration runs from the paid
                    // tier's price: only the difference is charged.
                    if (paid.Rank >= d.Target.Rank && d.ToInterval == d.FromInterval)
                    {
                        behavior = "none";
                    }
                    else
                    {
                        subscription = await SwitchPriceAsync(subscription, d.Item, paid, "none", $"plan-change-paid:{userId}:{requestId}", cancellationToken).ConfigureAwait(false);
                    }
                }
                var updated = await SwitchPriceAsync(subscription, d.Item, d.Target, behavior, $"plan-change:{userId}:{requestId}", cancellationToken, prorationDate).ConfigureAwait(false);
                await sync.SyncAsync(updated, time.GetUtcNow(), reason, cancellationToken).ConfigureAwait(false);
                if (await store.GetAsync(userId, cancellationToken).ConfigureAwait(false) is { PendingTier: not null } after && after.Stripe.SubscriptionId == subscriptionId)
                {
                    // A pending change made earlier is overtaken by this one.
                    await store.SetPlanDecisionsAsync(userId, subscriptionId, PlanDecisionParts.Pending, null, null, null, null, reason, cancellationToken).ConfigureAwait(false);
                }
                var payment = await PaymentOfAsync(updated, d.Subscription.LatestInvoiceId, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("User {UserId} changed {SubscriptionId} to {Tier} {Interval} ({Kind}, {Timing}); payment {Payment}{Waiting}",
                    userId, subscriptionId, d.Target.Tier, d.Target.Interval, d.Change.Kind, d.Change.Timing, payment?.State ?? "none",
                    payment?.WaitsForPayment == true ? ", the change waits for it" : "");
                return new PlanChangeResult(requestId, d.Change.Kind, d.Change.Timing, payment?.WaitsForPayment == true ? null : time.GetUtcNow(), payment);
            }
        }
    }

    /// <summary>Cancels at period end, or now (without a refund: the paid period is not prorated).</summary>
    public async Task CancelAsync(string userId, bool atPeriodEnd, string requestId, CancellationToken cancellationToken)
    {
        using var activity = SubscriptionSync.ActivitySource.StartActivity("subscription cancel");
        activity?.SetTag("yapit.user_id", userId);
        var reason = ChangeReason.Request(requestId, atPeriodEnd ? "cancel at period end" : "cancel now");
        var subscription = await CurrentAsync(userId, reason, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.subscription_id", subscription.Id);
        if (SubscriptionStatus.IsEnded(subscription.Status))
        {
            throw new SubscriptionChangeRefusedException(409, "The subscription has already ended.", $"Subscription {subscription.Id} is {subscription.Status}; there is nothing to cancel.");
        }
        await changes.RecordRequestAsync(userId, subscription.Id, "cancel", reason, new { at_period_end = atPeriodEnd }, cancellationToken).ConfigureAwait(false);
        var request = new RequestOptions { IdempotencyKey = $"cancel:{userId}:{requestId}" };
        var updated = atPeriodEnd
            ? await _subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }, request, cancellationToken).ConfigureAwait(false)
            : await _subscriptions.CancelAsync(subscription.Id, new SubscriptionCancelOptions(), request, cancellationToken).ConfigureAwait(false);
        SubscriptionTelemetry.Cancellations.Add(1, new KeyValuePair<string, object?>("when", atPeriodEnd ? "at_period_end" : "now"));
        await sync.SyncAsync(updated, time.GetUtcNow(), reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Clears <c>cancel_at_period_end</c> and <c>cancel_at</c>; a subscription that already ended cannot come back (409).</summary>
    public async Task ReactivateAsync(string userId, string requestId, CancellationToken cancellationToken)
    {
        using var activity = SubscriptionSync.ActivitySource.StartActivity("subscription reactivate");
        activity?.SetTag("yapit.user_id", userId);
        var reason = ChangeReason.Request(requestId, "reactivate");
        var subscription = await CurrentAsync(userId, reason, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.subscription_id", subscription.Id);
        if (SubscriptionStatus.IsEnded(subscription.Status))
        {
            throw new SubscriptionChangeRefusedException(409, "The subscription has already ended.",
                $"Subscription {subscription.Id} is {subscription.Status}: it cannot be reactivated; start a new one with POST /v1/billing/checkout.");
        }
        if (!subscription.CancelAtPeriodEnd && subscription.CancelAt is null)
        {
            return;
        }
        await changes.RecordRequestAsync(userId, subscription.Id, "reactivate", reason, new { cancel_at_period_end = false, cancel_at = (DateTimeOffset?)null }, cancellationToken).ConfigureAwait(false);
        var update = new SubscriptionUpdateOptions { CancelAtPeriodEnd = false };
        // An empty value clears cancel_at (what the portal sets for trials); Stripe.net sends nothing for a null.
        update.AddExtraParam("cancel_at", "");
        var updated = await _subscriptions.UpdateAsync(subscription.Id, update, new RequestOptions { IdempotencyKey = $"reactivate:{userId}:{requestId}" }, cancellationToken).ConfigureAwait(false);
        SubscriptionTelemetry.Cancellations.Add(1, new KeyValuePair<string, object?>("when", "reactivated"));
        await sync.SyncAsync(updated, time.GetUtcNow(), reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Switches the one item's price; the pending plan the worker applies at period end comes through here too.</summary>
    public async Task<Subscription> SwitchPriceAsync(Subscription subscription, SubscriptionItem item, SellableInterval target, string prorationBehavior, string idempotencyKey, CancellationToken cancellationToken, DateTimeOffset? prorationDate = null)
    {
        var update = new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = target.PriceId }],
            ProrationBehavior = prorationBehavior,
            ProrationDate = prorationBehavior == "none" ? null : prorationDate?.UtcDateTime,
            // A change that invoices now is made only once its invoice is paid (rule 2): until then Stripe keeps the
            // old price and carries pending_update, and the user pays on the hosted invoice page. One that invoices
            // nothing (a downgrade, a return to a tier still paid for) is made at once.
            PaymentBehavior = prorationBehavior == "always_invoice" ? "pending_if_incomplete" : "allow_incomplete",
            Metadata = new Dictionary<string, string> { ["tier"] = target.Tier, ["interval"] = target.Interval },
        };
        return await _subscriptions.UpdateAsync(subscription.Id, update, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken).ConfigureAwait(false);
    }

    public static string NewRequestId() => "req_" + Guid.NewGuid().ToString("N");

    /// <summary>Reads the user's subscription from Stripe (point of decision) and stores what it says first.</summary>
    private async Task<Subscription> CurrentAsync(string userId, ChangeReason reason, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false)
            ?? throw new SubscriptionChangeRefusedException(404, "No subscription.", "You have no subscription; start one with POST /v1/billing/checkout.");
        var subscription = await _subscriptions.GetAsync(stored.Stripe.SubscriptionId, cancellationToken: cancellationToken).ConfigureAwait(false);
        await sync.SyncAsync(subscription, time.GetUtcNow(), reason, cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    private async Task<Decision> DecideAsync(string userId, string tier, string interval, ChangeReason reason, CancellationToken cancellationToken)
    {
        var target = await plans.FindSellableAsync(tier, interval, cancellationToken).ConfigureAwait(false)
            ?? throw new SubscriptionChangeRefusedException(400, "The plan is not for sale.", $"There is no plan '{tier}' billed {interval} for sale; GET /v1/billing/plans lists them.", "tier");
        var subscription = await CurrentAsync(userId, reason, cancellationToken).ConfigureAwait(false);
        var stored = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false)
            ?? throw new SubscriptionChangeRefusedException(404, "No subscription.", "You have no subscription; start one with POST /v1/billing/checkout.");
        if (!SubscriptionStatus.KeepsTier(subscription.Status))
        {
            throw new SubscriptionChangeRefusedException(409, "The subscription cannot change now.", SubscriptionStatus.IsEnded(subscription.Status)
                ? $"Subscription {subscription.Id} has ended ({subscription.Status}); start a new one with POST /v1/billing/checkout."
                : $"Subscription {subscription.Id} is {subscription.Status}; pay its open invoice (or resume it) before changing the plan.");
        }
        if (subscription.Items?.Data is not [var item] || stored.Stripe.Interval is not { } fromInterval)
        {
            throw new SubscriptionChangeRefusedException(409, "The subscription cannot change here.",
                $"Subscription {subscription.Id} does not bill exactly one of Yapit's plans; change it in the billing portal.");
        }
        var toInterval = SubscriptionStore.ParseInterval(interval)!.Value;
        var change = PlanChangeRules.Classify(stored.Stripe.Tier, fromInterval, new PlanRef(target.Tier, target.Rank), toInterval,
            options.CurrentValue.Policy, trialing: subscription.Status == SubscriptionStatus.Trialing);
        // A tier still held through grace after a downgrade was paid for until the period ends (rule 3): a change that
        // prorates now runs from that tier's price, not from the lower one billed since the downgrade, because Stripe
        // credits the unused time at the billed price. Onto another interval below the held tier it is a downgrade
        // from what is held, so it waits for the period end like any lower tier on another interval.
        var stripeNow = await StripeNowAsync(subscription, cancellationToken).ConfigureAwait(false);
        SellableInterval? paidTier = null;
        if (change.Kind is PlanChangeKind.Upgrade or PlanChangeKind.IntervalSwitch && change.Timing == PlanChangeTiming.NowWithProration
            && EntitlementRules.Evaluate(stored.ToSnapshot(), stripeNow) is { TierInEffect: var held } && held.IsHigherThan(stored.Stripe.Tier))
        {
            if (toInterval != fromInterval && held.IsHigherThan(new PlanRef(target.Tier, target.Rank)))
            {
                change = new PlanChange(PlanChangeKind.Downgrade, PlanChangeTiming.AtPeriodEnd);
            }
            else
            {
                paidTier = await plans.FindSellableAsync(held.Tier, SubscriptionStore.IntervalName(fromInterval)!, cancellationToken).ConfigureAwait(false);
            }
        }
        return new Decision(stored, subscription, item, target, fromInterval, toInterval, change, paidTier, stripeNow);
    }

    /// <summary>Stripe's "now" for a subscription, to the second: its test clock's time in test mode, else the wall clock.</summary>
    private async Task<DateTimeOffset> StripeNowAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        if (!subscription.Livemode && subscription.TestClockId is { Length: > 0 } clockId)
        {
            var clock = await new global::Stripe.TestHelpers.TestClockService(stripe).GetAsync(clockId, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
        }
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
    }

    private Task<Invoice> PreviewInvoiceAsync(Decision d, string? priceId, string? prorationBehavior, DateTimeOffset at, CancellationToken cancellationToken) =>
        _invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = d.Subscription.CustomerId,
            Subscription = d.Subscription.Id,
            SubscriptionDetails = prorationBehavior is null ? null : new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = d.Item.Id, Price = priceId }],
                ProrationBehavior = prorationBehavior,
                // Stripe's guidance: the proration date the change will pass, so the preview is what is charged.
                ProrationDate = prorationBehavior == "none" ? null : at.UtcDateTime,
            },
        }, cancellationToken: cancellationToken);

    /// <summary>How the invoice the update made stands (none when it invoiced nothing).</summary>
    private async Task<ChangePayment?> PaymentOfAsync(Subscription updated, string? previousInvoiceId, CancellationToken cancellationToken)
    {
        if (updated.LatestInvoiceId is not { } invoiceId || invoiceId == previousInvoiceId)
        {
            return null;
        }
        var invoice = await _invoices.GetAsync(invoiceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (invoice.Status == "paid")
        {
            return new ChangePayment("ok", invoice.Id, invoice.AmountDue, null);
        }
        var waits = updated.PendingUpdate is not null;
        var needsAction = false;
        await foreach (var payment in new InvoicePaymentService(stripe).ListAutoPagingAsync(new InvoicePaymentListOptions { Invoice = invoice.Id }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (payment.Status == "open" && payment.Payment?.PaymentIntentId is { } intentId)
            {
                var intent = await new PaymentIntentService(stripe).GetAsync(intentId, cancellationToken: cancellationToken).ConfigureAwait(false);
                needsAction |= intent.Status == "requires_action";
            }
        }
        return needsAction
            ? new ChangePayment("requires_action", invoice.Id, invoice.AmountDue, invoice.HostedInvoiceUrl, waits)
            : new ChangePayment("past_due", invoice.Id, invoice.AmountDue, invoice.HostedInvoiceUrl, waits);
    }

    /// <summary>The next regular invoice (the change invoices nothing now), not an invoice the change would make now.</summary>
    private static bool IsUpcoming(Invoice invoice) => invoice.BillingReason == "upcoming";

    private static IEnumerable<InvoiceLineItem> CycleLines(Invoice invoice) =>
        invoice.Lines?.Data?.Where(l => l.Parent?.SubscriptionItemDetails is { Proration: false }) ?? [];

    private static UpcomingInvoice Next(Invoice upcoming) => new(upcoming.AmountDue, Utc(upcoming.NextPaymentAttempt) ?? Utc(upcoming.PeriodEnd));

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    public static string KindName(PlanChangeKind kind) => kind switch
    {
        PlanChangeKind.Upgrade => "upgrade",
        PlanChangeKind.Downgrade => "downgrade",
        PlanChangeKind.IntervalSwitch => "interval_switch",
        _ => "no_op",
    };

    public static string TimingName(PlanChangeTiming timing) => timing switch
    {
        PlanChangeTiming.NowWithProration => "now_with_proration",
        PlanChangeTiming.NowWithGrace => "now_with_grace",
        PlanChangeTiming.NowWithoutProration => "now_without_proration",
        PlanChangeTiming.AtPeriodEnd => "at_period_end",
        _ => "none",
    };
}
