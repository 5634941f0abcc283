namespace Yapit.Billing.Subscriptions;

/// <summary>A tier as the rules need it: its name and its rank (free &lt; basic &lt; plus &lt; max, from billing.plans).</summary>
public sealed record PlanRef(string Tier, int Rank)
{
    public static PlanRef Free { get; } = new("free", 0);

    public bool IsHigherThan(PlanRef other) => Rank > other.Rank;
}

/// <summary>How often a subscription is billed.</summary>
public enum BillingInterval
{
    Monthly,
    Yearly,
}
