using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Objects on no test clock keep real time: when the emulator's clock passes a trial's end, the trial converts on its own.</summary>
[Trait("Category", "Integration")]
public sealed class RealTimeBillingTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_trial_on_no_clock_converts_when_the_emulators_own_time_passes_its_end()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { Clock = clock });
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_visa", _ct);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
            TrialPeriodDays = 7,
        }, cancellationToken: _ct);

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var converted = subscription;
        for (var i = 0; i < 50 && converted.Status == "trialing"; i++)
        {
            await Task.Delay(100, _ct);
            converted = await stripe.V1.Subscriptions.GetAsync(subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);
        }

        Assert.Equal("active", converted.Status);
        Assert.Equal(("subscription_cycle", 900L), (converted.LatestInvoice.BillingReason, converted.LatestInvoice.AmountPaid));
        Assert.Equal(subscription.TrialEnd, converted.Items.Data[0].CurrentPeriodStart);
    }

    [Theory]
    [InlineData("/_emulator/customers/cus_x/cards?outcome=explode")]
    [InlineData("/_emulator/dunning?after=forgive")]
    [InlineData("/_emulator/dunning?retry_days=5,3")]
    public async Task Operator_levers_refuse_bad_input_with_a_400_naming_the_parameter(string pathAndQuery)
    {
        await using var emulator = await StripeEmulatorFixture.StartAsync();
        using var client = emulator.CreateHttpClient(authenticated: false);
        using var response = await client.PostAsync(pathAndQuery, null, _ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'", await response.Content.ReadAsStringAsync(_ct));
    }
}
