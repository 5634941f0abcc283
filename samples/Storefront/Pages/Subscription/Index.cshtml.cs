using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Yapit.Storefront.Gateway;
using Yapit.Storefront.Pages.Shared;

namespace Yapit.Storefront.Pages.Subscription;

/// <summary>What a plan change did, carried from the change page to this one.</summary>
public sealed record ChangeOutcome(string Classification, string Timing, string Tier, string Interval, DateTimeOffset? EffectiveAt, string? PaymentState, long AmountDue, string Currency, string? ActionUrl);

/// <summary>
/// The signed-in user's subscription (<c>GET /v1/billing/subscription</c>), where Checkout and the portal return.
/// After Checkout the subscription exists in Stripe before the gateway has processed Stripe's webhook: until it shows
/// here, the page says it is confirming the payment and looks again, rather than showing a stale "free".
/// </summary>
public sealed class SubscriptionModel(GatewayClient gateway, UserToken token, IConfiguration configuration) : PageModel
{
    public const string OutcomeKey = "change-outcome";

    public UserSubscription? Subscription { get; private set; }

    public string? Checkout { get; private set; }

    public bool Confirming => Checkout == "success" && Subscription is { IsLive: false };

    /// <summary>While confirming: reload by itself, or (after the timeout) say it is still being confirmed.</summary>
    public ConfirmationWait Wait { get; private set; } = null!;

    public ChangeOutcome? Outcome { get; private set; }

    public GatewayProblemException? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? checkout, CancellationToken cancellationToken)
    {
        if (!token.IsSignedIn)
        {
            return Redirect("/signin?returnUrl=/subscription");
        }
        Checkout = checkout;
        Subscription = await gateway.GetSubscriptionAsync(cancellationToken);
        Wait = ConfirmationWait.For(Request, configuration, DateTimeOffset.UtcNow);
        if (TempData[OutcomeKey] is string outcome)
        {
            Outcome = JsonSerializer.Deserialize<ChangeOutcome>(outcome);
        }
        return Page();
    }

    /// <summary>"Manage billing": Stripe's portal, which returns here; a flow opens one step (the card, for a failed payment).</summary>
    public async Task<IActionResult> OnPostPortalAsync(string? flow, CancellationToken cancellationToken) =>
        Redirect((await gateway.OpenPortalAsync(flow, cancellationToken)).PortalUrl);

    public async Task<IActionResult> OnPostCancelAsync(bool atPeriodEnd, string idempotencyKey, CancellationToken cancellationToken) =>
        await AfterAsync(() => gateway.CancelAsync(atPeriodEnd, idempotencyKey, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostReactivateAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        await AfterAsync(() => gateway.ReactivateAsync(idempotencyKey, cancellationToken), cancellationToken);

    /// <summary>Runs an action; a refusal (e.g. 409, it already ended) is shown on this page with the subscription as it is.</summary>
    private async Task<IActionResult> AfterAsync(Func<Task<CancelResult>> action, CancellationToken cancellationToken)
    {
        try
        {
            await action();
            return RedirectToPage();
        }
        catch (GatewayProblemException problem) when (problem.Status is >= 400 and < 500 and not 401)
        {
            Problem = problem;
            Subscription = await gateway.GetSubscriptionAsync(cancellationToken);
            return Page();
        }
    }
}
