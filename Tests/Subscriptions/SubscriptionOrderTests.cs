using Yapit.Billing.Subscriptions;

namespace Yapit.Tests.Subscriptions;

/// <summary>Rule 1 (docs/billing-rules.md): which of two subscriptions of a user is theirs, as a total order.</summary>
[Trait("Category", "Unit")]
public sealed class SubscriptionOrderTests
{
    private static readonly DateTimeOffset T0 = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static StripeSubscriptionState State(string id, string status, int createdSeconds) => new()
    {
        SubscriptionId = id,
        CustomerId = "cus_1",
        Tier = new PlanRef("basic", 1),
        Status = status,
        StripeCreated = T0.AddSeconds(createdSeconds),
        ReadAt = T0,
    };

    [Theory]
    // Live before ended, whatever the ages.
    [InlineData("sub_a", "canceled", 5, "sub_b", "active", 0, false)]
    [InlineData("sub_a", "active", 0, "sub_b", "canceled", 5, true)]
    [InlineData("sub_a", "incomplete_expired", 9, "sub_b", "past_due", 0, false)]
    // Then the later created.
    [InlineData("sub_a", "active", 1, "sub_b", "trialing", 0, true)]
    [InlineData("sub_a", "canceled", 0, "sub_b", "canceled", 1, false)]
    // Then, within one second, the greater id (ordinal): a rule every worker agrees on.
    [InlineData("sub_B", "active", 0, "sub_A", "active", 0, true)]
    [InlineData("sub_A", "active", 0, "sub_B", "active", 0, false)]
    [InlineData("sub_b", "canceled", 0, "sub_a", "canceled", 0, true)]
    public void Another_subscription_replaces_the_stored_one_only_when_it_outranks_it(string id, string status, int created, string storedId, string storedStatus, int storedCreated, bool outranks)
    {
        var incoming = State(id, status, created);
        var stored = State(storedId, storedStatus, storedCreated);

        Assert.Equal(outranks, SubscriptionStore.Outranks(incoming, stored));
        Assert.Equal(!outranks, SubscriptionStore.Outranks(stored, incoming)); // total: exactly one of two outranks
    }
}
