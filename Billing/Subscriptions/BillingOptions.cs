namespace Yapit.Billing.Subscriptions;

/// <summary>Bound from <c>Billing</c>: the product owner's policies and where the product's pages are.</summary>
public sealed class BillingOptions
{
    public const string SectionName = "Billing";

    /// <summary><c>grace</c> (Yapit) or <c>at_period_end</c> (Numzy): see <see cref="Subscriptions.DowngradePolicy"/>.</summary>
    public string DowngradePolicy { get; set; } = "grace";

    /// <summary>The product's origin: Checkout and the portal return here, never to a URL taken from a request.</summary>
    public Uri AppOrigin { get; set; } = new("http://localhost:5173");

    /// <summary>How long an event about a customer or subscription not linked to a user yet is retried before it is ignored.</summary>
    public TimeSpan LinkWait { get; set; } = TimeSpan.FromMinutes(2);

    public DowngradePolicy Policy => DowngradePolicy.Equals("at_period_end", StringComparison.OrdinalIgnoreCase)
        ? Subscriptions.DowngradePolicy.AtPeriodEnd
        : Subscriptions.DowngradePolicy.Grace;
}
