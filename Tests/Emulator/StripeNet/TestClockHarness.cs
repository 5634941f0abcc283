using System.Text.Json;
using Stripe;
using Stripe.TestHelpers;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Test clocks through Stripe.net: a clock, customers living on it, advancing it, and what each advance emitted.</summary>
public static class TestClockHarness
{
    public static Task<TestClock> ClockAsync(this StripeClient stripe, DateTime frozen, CancellationToken ct, string? name = null) =>
        stripe.V1.TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = frozen, Name = name }, cancellationToken: ct);

    /// <summary>Advances and waits until the clock is ready again (as a Stripe client must); returns the ready clock.</summary>
    public static async Task<TestClock> AdvanceAsync(this StripeClient stripe, TestClock clock, DateTime to, CancellationToken ct)
    {
        var advancing = await stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new TestClockAdvanceOptions { FrozenTime = to }, cancellationToken: ct);
        Assert.Equal("advancing", advancing.Status);
        for (var i = 0; i < 100; i++)
        {
            var current = await stripe.V1.TestHelpers.TestClocks.GetAsync(clock.Id, cancellationToken: ct);
            if (current.Status == "ready")
            {
                Assert.Equal(to, current.FrozenTime);
                return current;
            }
            await Task.Delay(20, ct);
        }
        throw new TimeoutException($"Test clock {clock.Id} did not become ready.");
    }

    /// <summary>A customer on the clock with a card as its default payment method (or none).</summary>
    public static async Task<Customer> ClockCustomerAsync(this StripeClient stripe, TestClock clock, string? card, CancellationToken ct)
    {
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "clock@example.com", TestClock = clock.Id }, cancellationToken: ct);
        if (card is null)
        {
            return customer;
        }
        var pm = await stripe.V1.PaymentMethods.AttachAsync(card, new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: ct);
        return await stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = pm.Id },
        }, cancellationToken: ct);
    }

    /// <summary>A subscription of the customer to one price, charged automatically; <paramref name="configure"/> adds the rest.</summary>
    public static Task<Subscription> SubscribeAsync(this StripeClient stripe, Customer customer, Price price, CancellationToken ct, Action<SubscriptionCreateOptions>? configure = null)
    {
        var options = new SubscriptionCreateOptions { Customer = customer.Id, Items = [new SubscriptionItemOptions { Price = price.Id }] };
        configure?.Invoke(options);
        return stripe.V1.Subscriptions.CreateAsync(options, cancellationToken: ct);
    }

    /// <summary>The types of the events the clock's last advance emitted between its <c>advancing</c> and <c>ready</c>, in order.</summary>
    public static async Task<List<string>> LastAdvanceEventsAsync(this StripeClient stripe, CancellationToken ct)
    {
        var types = (await StripeNetHarness.EventsAsync(stripe, ct)).Select(e => e.Type).ToList();
        var start = types.LastIndexOf("test_helpers.test_clock.advancing");
        var end = types.LastIndexOf("test_helpers.test_clock.ready");
        Assert.True(start >= 0 && end > start, "an advance's events are framed by advancing and ready");
        return types[(start + 1)..end];
    }

    /// <summary>The clock's advances as the operator endpoint tells them.</summary>
    public static async Task<JsonElement> AdvancesAsync(this StripeEmulatorFixture emulator, string clockId, CancellationToken ct)
    {
        using var client = emulator.CreateHttpClient(authenticated: false);
        var text = await client.GetStringAsync($"/_emulator/test_clocks/{clockId}/advances", ct);
        return JsonDocument.Parse(text).RootElement.GetProperty("advances").Clone();
    }

    public static async Task<string> OperatorPostAsync(this StripeEmulatorFixture emulator, string pathAndQuery, CancellationToken ct)
    {
        using var client = emulator.CreateHttpClient(authenticated: false);
        using var response = await client.PostAsync(pathAndQuery, null, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery}: {(int)response.StatusCode} {body}");
        return body;
    }
}
