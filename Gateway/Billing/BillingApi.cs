using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Yapit.Billing.Checkout;
using Yapit.Billing.Plans;
using Yapit.Billing.Subscriptions;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Cors;

namespace Yapit.Gateway.Billing;

/// <summary>The product's billing reads: the plans for sale (public) and the signed-in user's subscription.</summary>
public static class BillingApi
{
    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        var billing = app.MapGroup("/v1/billing").WithTags("Billing").RequireFrontendCors();
        billing.MapGet("/plans", GetPlansAsync).WithName("GetPlans").AllowAnonymous()
            .WithSummary("The plans for sale: tiers, prices per interval, trial days and limits per meter (null is unlimited); and the credit packs for sale.");
        billing.MapGet("/subscription", GetSubscriptionAsync).WithName("GetSubscription").RequireAuthorization(AuthenticationSetup.UserPolicy)
            .WithSummary("The signed-in user's tier in effect, Stripe status, period, trial, cancellation, pending downgrade and payment state.");
        return app;
    }

    /// <summary>A credit pack for sale: <see cref="Pack"/> is what <c>POST /v1/billing/credits/checkout</c> takes.</summary>
    public sealed record CreditPackForSale(string Pack, string Meter, long Quantity, long Amount, string Currency);

    public sealed record PlansResponse(IReadOnlyList<PlanForSale> Plans, IReadOnlyList<CreditPackForSale> CreditPacks);

    public static async Task<Ok<PlansResponse>> GetPlansAsync(PlanCatalogReader plans, CreditPackReader packs, CancellationToken cancellationToken) =>
        TypedResults.Ok(new PlansResponse(await plans.ForSaleAsync(cancellationToken),
            [.. (await packs.ForSaleAsync(cancellationToken)).Select(p => new CreditPackForSale(p.Key, p.Meter, p.Quantity, p.Amount, p.Currency))]));

    public sealed record PendingChange(string Tier, string? Interval, DateTimeOffset? EffectiveAt);

    public sealed record SubscriptionResponse(
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
        string? ActionUrl);

    public static async Task<Ok<SubscriptionResponse>> GetSubscriptionAsync(ClaimsPrincipal user, SubscriptionStore subscriptions, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await subscriptions.GetAsync(user.UserId()!, cancellationToken);
        var entitlement = EntitlementRules.Evaluate(stored?.ToSnapshot(), time.GetUtcNow());
        var payment = entitlement.PaymentState switch
        {
            PaymentState.PastDue => "past_due",
            PaymentState.RequiresAction => "requires_action",
            _ => "ok",
        };
        if (stored is null)
        {
            return TypedResults.Ok(new SubscriptionResponse(entitlement.TierInEffect.Tier, null, null, null, null, null, null, false, false, null, null, null, payment, null));
        }
        var s = stored.Stripe;
        return TypedResults.Ok(new SubscriptionResponse(
            entitlement.TierInEffect.Tier, s.Tier.Tier, s.Status, SubscriptionStore.IntervalName(s.Interval), s.CurrentPeriodStart, s.CurrentPeriodEnd, s.TrialEnd,
            entitlement.IsCanceling, s.CancelAtPeriodEnd, s.CancelAt,
            entitlement.TierInEffect == stored.GraceTier ? stored.GraceUntil : null,
            stored.PendingTier is { } pending ? new PendingChange(pending.Tier, SubscriptionStore.IntervalName(stored.PendingInterval), s.CurrentPeriodEnd) : null,
            payment, entitlement.PaymentState == PaymentState.RequiresAction ? s.ActionUrl : null));
    }
}
