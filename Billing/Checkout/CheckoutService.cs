using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;
using Yapit.Billing.Plans;
using Yapit.Billing.Subscriptions;

namespace Yapit.Billing.Checkout;

/// <summary>
/// Starts Stripe Checkout for a plan (subscription mode) or a credit pack (payment mode) for a signed-in user. The
/// worker's <c>checkout.session.completed</c> handler reads the metadata written here (<c>user_id</c>, and for packs
/// <c>meter</c> and <c>quantity</c>); redirect URLs are built from <see cref="BillingOptions.AppOrigin"/> only.
/// </summary>
public sealed class CheckoutService(
    IStripeClient stripe,
    PlanCatalogReader plans,
    CreditPackReader packs,
    SubscriptionStore store,
    SubscriptionSync sync,
    StripeCustomers customers,
    IOptionsMonitor<BillingOptions> options,
    ILogger<CheckoutService> logger)
{
    /// <summary>The product's page a subscription Checkout returns to; Stripe fills in the session id.</summary>
    public const string SubscriptionReturnPath = "/subscription";

    /// <summary>The product's page a credit pack Checkout returns to.</summary>
    public const string CreditsReturnPath = "/credits";

    /// <summary>Session metadata naming the request that made it (its Idempotency-Key), so a retry keeps its own session open.</summary>
    public const string RequestKeyMetadata = "checkout_request";

    private readonly SessionService _sessions = new(stripe);
    private readonly SubscriptionService _subscriptions = new(stripe);

    public async Task<CheckoutResult> StartSubscriptionAsync(string userId, string tier, string interval, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var activity = SubscriptionTelemetry.Start("checkout subscription", userId);
        activity?.SetTag("yapit.tier", tier);
        activity?.SetTag("yapit.interval", interval);
        var sellable = await plans.FindSellableAsync(tier, interval, cancellationToken).ConfigureAwait(false);
        if (sellable is null)
        {
            SubscriptionTelemetry.CheckoutsRefused.Add(1, new KeyValuePair<string, object?>("reason", "not_for_sale"));
            return await NotForSaleAsync(tier, interval, cancellationToken).ConfigureAwait(false);
        }
        var reason = ChangeReason.Request(idempotencyKey, "checkout");

        // Point-of-decision sync: what Stripe says now decides, not what the webhooks have told us so far.
        if (await LiveSubscriptionAsync(userId, customerId: null, reason, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return Refused(stored);
        }
        var customerId = await customers.EnsureAsync(userId, idempotencyKey, reason, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.customer_id", customerId);
        if (await LiveSubscriptionAsync(userId, customerId, reason, cancellationToken).ConfigureAwait(false) is { } live)
        {
            return Refused(live);
        }

        // A tier's trial only for users who never held that tier or a higher one.
        var highest = await store.HighestRankSubscribedAsync(userId, cancellationToken).ConfigureAwait(false);
        var trialDays = EntitlementRules.IsTrialAllowed(new PlanRef(sellable.Tier, sellable.Rank), sellable.TrialDays, highest) ? sellable.TrialDays : 0;
        var metadata = new Dictionary<string, string> { ["user_id"] = userId, ["tier"] = tier, ["interval"] = interval };
        await ExpireOtherOpenSessionsAsync(customerId, idempotencyKey, cancellationToken).ConfigureAwait(false);
        var session = await _sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            Customer = customerId,
            ClientReferenceId = userId,
            LineItems = [new SessionLineItemOptions { Price = sellable.PriceId, Quantity = 1 }],
            AllowPromotionCodes = true,
            Metadata = new Dictionary<string, string>(metadata) { [RequestKeyMetadata] = idempotencyKey },
            SubscriptionData = new SessionSubscriptionDataOptions
            {
                Metadata = new Dictionary<string, string>(metadata),
                TrialPeriodDays = trialDays > 0 ? trialDays : null,
            },
            SuccessUrl = AppUrl(SubscriptionReturnPath + "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
            CancelUrl = AppUrl(SubscriptionReturnPath + "?checkout=canceled"),
        }, new RequestOptions { IdempotencyKey = $"checkout-{userId}-{idempotencyKey}" }, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.checkout_session_id", session.Id);
        activity?.SetTag("yapit.trial_days", trialDays);
        SubscriptionTelemetry.CheckoutsStarted.Add(1, new KeyValuePair<string, object?>("kind", "subscription"), new("tier", tier), new("interval", interval), new("trial", trialDays > 0));
        logger.LogInformation("Checkout Session {SessionId} for user {UserId}: {Tier} {Interval}, {TrialDays} trial days", session.Id, userId, tier, interval, trialDays);
        return new CheckoutCreated(session.Url, session.Id, customerId, trialDays);

        CheckoutAlreadySubscribed Refused(StoredSubscription s)
        {
            SubscriptionTelemetry.CheckoutsRefused.Add(1, new KeyValuePair<string, object?>("reason", "already_subscribed"));
            activity?.SetTag("stripe.subscription_id", s.Stripe.SubscriptionId);
            return new CheckoutAlreadySubscribed(s.Stripe.SubscriptionId, s.Stripe.Status, s.Stripe.Tier.Tier);
        }
    }

    public async Task<CheckoutResult> StartCreditPackAsync(string userId, string packKey, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var activity = SubscriptionTelemetry.Start("checkout credit pack", userId);
        activity?.SetTag("yapit.pack", packKey);
        var forSale = await packs.ForSaleAsync(cancellationToken).ConfigureAwait(false);
        var pack = forSale.FirstOrDefault(p => p.Key == packKey);
        if (pack is null)
        {
            SubscriptionTelemetry.CheckoutsRefused.Add(1, new KeyValuePair<string, object?>("reason", "not_for_sale"));
            return new CheckoutNotForSale("pack", $"pack '{packKey}' is not for sale; packs for sale: {Names(forSale.Select(p => p.Key))}.");
        }
        var reason = ChangeReason.Request(idempotencyKey, "credit pack checkout");
        var customerId = await customers.EnsureAsync(userId, idempotencyKey, reason, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.customer_id", customerId);
        // The worker grants meter x quantity once per session from this metadata (UsageLedger.GrantCreditsAsync, keyed by the session).
        var metadata = new Dictionary<string, string>
        {
            ["user_id"] = userId,
            ["pack"] = pack.Key,
            ["meter"] = pack.Meter,
            ["quantity"] = pack.Quantity.ToString(CultureInfo.InvariantCulture),
        };
        var session = await _sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            Customer = customerId,
            ClientReferenceId = userId,
            LineItems = [new SessionLineItemOptions { Price = pack.PriceId, Quantity = 1 }],
            Metadata = metadata,
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new Dictionary<string, string>(metadata) },
            // A receipt the user can find in the portal's invoice history.
            InvoiceCreation = new SessionInvoiceCreationOptions { Enabled = true },
            SuccessUrl = AppUrl(CreditsReturnPath + "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
            CancelUrl = AppUrl(CreditsReturnPath + "?checkout=canceled"),
        }, new RequestOptions { IdempotencyKey = $"credits-{userId}-{idempotencyKey}" }, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("stripe.checkout_session_id", session.Id);
        SubscriptionTelemetry.CheckoutsStarted.Add(1, new KeyValuePair<string, object?>("kind", "credit_pack"), new("pack", pack.Key));
        logger.LogInformation("Checkout Session {SessionId} for user {UserId}: credit pack {Pack}", session.Id, userId, pack.Key);
        return new CheckoutCreated(session.Url, session.Id, customerId, 0);
    }

    /// <summary>
    /// One open plan checkout per user: older open sessions (another tab, an earlier click) are expired, so two paid
    /// sessions can never make two subscriptions. The session of this very request (a retry with the same
    /// Idempotency-Key, which Stripe answers with the same session) is kept.
    /// </summary>
    private async Task ExpireOtherOpenSessionsAsync(string customerId, string idempotencyKey, CancellationToken cancellationToken)
    {
        var open = await _sessions.ListAsync(new SessionListOptions { Customer = customerId, Status = "open", Limit = 20 }, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var session in open.Data.Where(s => s.Mode == "subscription" && s.Metadata?.GetValueOrDefault(RequestKeyMetadata) != idempotencyKey))
        {
            try
            {
                await _sessions.ExpireAsync(session.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Expired the older open Checkout Session {SessionId} of customer {CustomerId}", session.Id, customerId);
            }
            catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.BadRequest)
            {
                // Completed or expired meanwhile: a completed one shows up in the next point-of-decision sync.
                logger.LogInformation("Open Checkout Session {SessionId} could not be expired: {Reason}", session.Id, e.StripeError?.Message);
            }
        }
    }

    /// <summary>
    /// The user's subscription that is not over, as Stripe says now: the stored one re-read (when
    /// <paramref name="customerId"/> is null), or any the customer has in Stripe that we may not have heard of yet
    /// (a Checkout just paid whose events are still on their way). Each one found is synced into the store.
    /// </summary>
    private async Task<StoredSubscription?> LiveSubscriptionAsync(string userId, string? customerId, ChangeReason reason, CancellationToken cancellationToken)
    {
        if (customerId is null)
        {
            var stored = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
            if (stored is null || SubscriptionStatus.IsEnded(stored.Stripe.Status))
            {
                return null;
            }
            await SyncAsync(stored.Stripe.SubscriptionId, reason, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Stripe's list leaves out canceled subscriptions by default.
            var listed = await _subscriptions.ListAsync(new SubscriptionListOptions { Customer = customerId, Limit = 10 }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var open = listed.Data.Where(s => !SubscriptionStatus.IsEnded(s.Status)).ToList();
            if (open.Count == 0)
            {
                return null;
            }
            foreach (var subscription in open)
            {
                await SyncAsync(subscription.Id, reason, cancellationToken).ConfigureAwait(false);
            }
            // Not linked to this user (metadata or customer): still refused, a second subscription would bill twice.
            var first = open[0];
            var synced = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
            return synced is not null && !SubscriptionStatus.IsEnded(synced.Stripe.Status)
                ? synced
                : new StoredSubscription(userId, new StripeSubscriptionState
                {
                    SubscriptionId = first.Id, CustomerId = customerId, Tier = PlanRef.Free, Status = first.Status,
                    StripeCreated = first.Created, ReadAt = DateTimeOffset.UtcNow,
                }, null, null, null, null);
        }
        var now = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        return now is not null && !SubscriptionStatus.IsEnded(now.Stripe.Status) ? now : null;
    }

    private async Task SyncAsync(string subscriptionId, ChangeReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await sync.SyncAsync(subscriptionId, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            logger.LogWarning("Subscription {SubscriptionId} is gone from Stripe; the point-of-decision sync skips it", subscriptionId);
        }
    }

    private async Task<CheckoutNotForSale> NotForSaleAsync(string tier, string interval, CancellationToken cancellationToken)
    {
        var forSale = (await plans.ForSaleAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.Prices.Count > 0).ToList();
        var plan = forSale.FirstOrDefault(p => p.Tier == tier);
        return plan is null
            ? new CheckoutNotForSale("tier", $"tier '{tier}' is not for sale; tiers for sale: {Names(forSale.Select(p => p.Tier))}.")
            : new CheckoutNotForSale("interval", $"tier '{tier}' is not sold {interval}; intervals for sale: {Names(plan.Prices.Select(p => p.Interval))}.");
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names) is { Length: > 0 } list ? list : "none";

    /// <summary>An absolute URL of the product's app; kept as text so Stripe's <c>{CHECKOUT_SESSION_ID}</c> stays unescaped.</summary>
    internal string AppUrl(string pathAndQuery) => options.CurrentValue.AppOrigin.ToString().TrimEnd('/') + pathAndQuery;
}
