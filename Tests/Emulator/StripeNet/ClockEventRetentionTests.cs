using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// Events of a customer on a test clock carry the clock's time, which can be long before today; they are kept, listed
/// and retrievable for 30 days from when they really happened, as Stripe keeps them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClockEventRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_of_a_clock_a_year_back_are_listed_and_retrievable()
    {
        await using var emulator = await StripeEmulatorFixture.StartAsync();
        var stripe = emulator.StripeNet();
        var clock = await stripe.ClockAsync(DateTime.UtcNow.AddYears(-1), Ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", Ct);

        var events = await StripeNetHarness.EventsAsync(stripe, Ct);
        var created = Assert.Single(events, e => e.Type == "customer.created");
        var retrieved = await stripe.V1.Events.GetAsync(created.Id, cancellationToken: Ct);

        Assert.Equal(customer.Id, ((Customer)retrieved.Data.Object).Id);
        Assert.True(retrieved.Created < DateTime.UtcNow.AddDays(-300), "the event carries the clock's time");
    }
}
