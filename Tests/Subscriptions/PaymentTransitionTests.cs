using Yapit.Billing.Subscriptions;

namespace Yapit.Tests.Subscriptions;

/// <summary>The payment-trouble metrics' rule: which stored-state changes count as dunning or authentication steps.</summary>
[Trait("Category", "Unit")]
public sealed class PaymentTransitionTests
{
    private static StripeSubscriptionState State(string status, PaymentState payment) => new()
    {
        SubscriptionId = "sub_1",
        CustomerId = "cus_1",
        Tier = new PlanRef("plus", 2),
        Status = status,
        PaymentState = payment,
        StripeCreated = DateTimeOffset.UnixEpoch,
        ReadAt = DateTimeOffset.UnixEpoch,
    };

    [Theory]
    [InlineData(null, null, "active", "ok", "")]
    [InlineData("active", "ok", "active", "ok", "")]
    [InlineData("active", "ok", "past_due", "past_due", "dunning:entered")]
    [InlineData("past_due", "past_due", "past_due", "past_due", "")]
    [InlineData("past_due", "past_due", "active", "ok", "dunning:recovered")]
    [InlineData("past_due", "past_due", "unpaid", "past_due", "dunning:exhausted")]
    [InlineData("past_due", "past_due", "canceled", "ok", "dunning:exhausted")]
    [InlineData(null, null, "incomplete", "requires_action", "requires_action:entered")]
    [InlineData("incomplete", "requires_action", "active", "ok", "requires_action:completed")]
    [InlineData("incomplete", "requires_action", "incomplete_expired", "ok", "")]
    [InlineData("active", "ok", "past_due", "requires_action", "requires_action:entered,dunning:entered")]
    [InlineData("past_due", "requires_action", "active", "ok", "requires_action:completed,dunning:recovered")]
    public void Each_change_counts_its_steps_once(string? beforeStatus, string? beforePayment, string afterStatus, string afterPayment, string expected)
    {
        var before = beforeStatus is null ? null : State(beforeStatus, Parse(beforePayment!));
        var steps = SubscriptionTelemetry.PaymentTransitions(before, State(afterStatus, Parse(afterPayment)));

        Assert.Equal(expected, string.Join(",", steps.Select(s => $"{s.Instrument}:{s.Step}")));
    }

    private static PaymentState Parse(string value) => value switch
    {
        "ok" => PaymentState.Ok,
        "past_due" => PaymentState.PastDue,
        "requires_action" => PaymentState.RequiresAction,
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };
}
