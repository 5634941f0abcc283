using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Yapit.Storefront.Gateway;

namespace Yapit.Storefront.Pages.Subscription;

/// <summary>
/// A plan change in two steps: the preview's amounts (<c>POST /v1/billing/subscription/preview</c>), then, once the
/// person confirms, the change (<c>POST /v1/billing/subscription/change</c>), whose answer (what was charged, or the
/// payment still to finish) the subscription page shows.
/// </summary>
public sealed class ChangeModel(GatewayClient gateway, UserToken token) : PageModel
{
    public ChangePreview? Preview { get; private set; }

    public async Task<IActionResult> OnGetAsync(string tier, string interval, CancellationToken cancellationToken)
    {
        if (!token.IsSignedIn)
        {
            return Redirect("/signin?returnUrl=/subscription");
        }
        Preview = await gateway.PreviewChangeAsync(tier, interval, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string tier, string interval, string currency, string idempotencyKey, CancellationToken cancellationToken)
    {
        var result = await gateway.ChangePlanAsync(tier, interval, idempotencyKey, cancellationToken);
        TempData[SubscriptionModel.OutcomeKey] = JsonSerializer.Serialize(new ChangeOutcome(result.Classification, result.Timing, tier, interval, result.EffectiveAt,
            result.Payment?.State, result.Payment?.AmountDue ?? 0, currency, result.Payment?.ActionUrl));
        return Redirect("/subscription");
    }
}
