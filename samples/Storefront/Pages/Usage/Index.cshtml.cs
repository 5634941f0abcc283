using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Yapit.Storefront.Gateway;
using Yapit.Storefront.Pages.Shared;

namespace Yapit.Storefront.Pages.Usage;

/// <summary>
/// Balances per meter (<c>GET /v1/usage</c>) and credit packs (<c>POST /v1/billing/credits/checkout</c>); Checkout
/// returns to <c>/credits</c>. Until the webhook granted the pack, the page says it is confirming: it remembers the
/// meter's balance from before Checkout (a pack repays debt first, so the balance is purchased credits less debt).
/// </summary>
public sealed class UsageModel(GatewayClient gateway, UserToken token, IConfiguration configuration) : PageModel
{
    private const string PendingPackCookie = "storefront_pending_pack";

    public Gateway.Usage? Usage { get; private set; }

    public IReadOnlyList<CreditPack> Packs { get; private set; } = [];

    public string? Checkout { get; private set; }

    public bool Confirming { get; private set; }

    /// <summary>While confirming: reload by itself, or (after the timeout) say it is still being confirmed.</summary>
    public ConfirmationWait Wait { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string? checkout, CancellationToken cancellationToken)
    {
        if (!token.IsSignedIn)
        {
            return Redirect("/signin?returnUrl=/usage");
        }
        Checkout = checkout;
        Wait = ConfirmationWait.For(Request, configuration, DateTimeOffset.UtcNow);
        Usage = await gateway.GetUsageAsync(cancellationToken);
        Packs = (await gateway.GetPlansAsync(cancellationToken)).CreditPacks;
        if (Request.Cookies[PendingPackCookie] is { } pending && pending.Split(':') is [var meter, var before] && long.TryParse(before, out var balanceBefore))
        {
            Confirming = checkout == "success" && Usage.Meters.FirstOrDefault(m => m.Meter == meter) is { } now && Balance(now) <= balanceBefore;
            if (!Confirming)
            {
                Response.Cookies.Delete(PendingPackCookie);
            }
        }
        return Page();
    }

    public async Task<IActionResult> OnPostBuyAsync(string pack, string idempotencyKey, CancellationToken cancellationToken)
    {
        var packs = (await gateway.GetPlansAsync(cancellationToken)).CreditPacks;
        var usage = await gateway.GetUsageAsync(cancellationToken);
        var checkout = await gateway.StartCreditPackCheckoutAsync(pack, idempotencyKey, cancellationToken);
        if (packs.FirstOrDefault(p => p.Pack == pack) is { } chosen && usage.Meters.FirstOrDefault(m => m.Meter == chosen.Meter) is { } meter)
        {
            Response.Cookies.Append(PendingPackCookie, $"{chosen.Meter}:{Balance(meter)}",
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromHours(1), IsEssential = true });
        }
        return Redirect(checkout.CheckoutUrl);
    }

    private static long Balance(MeterUsage meter) => meter.Purchased - meter.Debt;
}
