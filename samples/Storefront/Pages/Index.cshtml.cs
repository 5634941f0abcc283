using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Yapit.Storefront.Gateway;

namespace Yapit.Storefront.Pages;

/// <summary>The plans for sale (<c>GET /v1/billing/plans</c>) and subscribing through Stripe Checkout (<c>POST /v1/billing/checkout</c>).</summary>
public sealed class PlansModel(GatewayClient gateway, UserToken token) : PageModel
{
    public IReadOnlyList<Plan> Plans { get; private set; } = [];

    public UserSubscription? Subscription { get; private set; }

    public string Interval { get; private set; } = "monthly";

    public bool SignedIn => token.IsSignedIn;

    public async Task OnGetAsync(string? interval, CancellationToken cancellationToken)
    {
        Interval = interval == "yearly" ? "yearly" : "monthly";
        Plans = (await gateway.GetPlansAsync(cancellationToken)).Plans;
        if (token.IsSignedIn)
        {
            Subscription = await gateway.GetSubscriptionAsync(cancellationToken);
        }
    }

    /// <summary>The browser goes to Stripe's Checkout page; Stripe sends it back to /subscription?checkout=success.</summary>
    public async Task<IActionResult> OnPostSubscribeAsync(string tier, string interval, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (!token.IsSignedIn)
        {
            return Redirect("/signin?returnUrl=/");
        }
        var checkout = await gateway.StartCheckoutAsync(tier, interval, idempotencyKey, cancellationToken);
        return Redirect(checkout.CheckoutUrl);
    }
}
