using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Test clocks and what happens as their time passes: trials ending, renewals, cancellations, through Stripe.net.</summary>
[Trait("Category", "Integration")]
public sealed class TestClockTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<List<Invoice>> InvoicesAsync(StripeClient stripe, Subscription subscription)
    {
        var invoices = await stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription.Id, Limit = 100 }, cancellationToken: _ct);
        return [.. invoices.Data.OrderBy(i => i.Created).ThenBy(i => i.Number)];
    }

    [Fact]
    public async Task A_clock_is_created_listed_advanced_and_deleted_with_its_customers_objects()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct, "lifecycle");

        Assert.Matches("^clock_", clock.Id);
        Assert.Equal(("ready", Start, "lifecycle"), (clock.Status, clock.FrozenTime, clock.Name));
        Assert.Contains(clock.Id, (await stripe.V1.TestHelpers.TestClocks.ListAsync(cancellationToken: _ct)).Data.Select(c => c.Id));

        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        Assert.Equal((clock.Id, Start), (customer.TestClockId, customer.Created));
        Assert.Equal(Start, subscription.StartDate);
        Assert.Equal(Start.AddMonths(1), subscription.Items.Data[0].CurrentPeriodEnd);

        var past = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id,
            new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Start.AddDays(-1) }, cancellationToken: _ct));
        Assert.Equal(("invalid_request_error", "frozen_time"), (past.StripeError.Type, past.StripeError.Param));

        var ready = await stripe.AdvanceAsync(clock, Start.AddDays(1), _ct);
        Assert.Equal(Start.AddDays(1), ready.FrozenTime);
        Assert.Empty(await stripe.LastAdvanceEventsAsync(_ct));

        var deleted = await stripe.V1.TestHelpers.TestClocks.DeleteAsync(clock.Id, cancellationToken: _ct);
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct));
        Assert.Equal(404, (int)gone.HttpStatusCode);
        await Assert.ThrowsAsync<StripeException>(() => stripe.V1.TestHelpers.TestClocks.GetAsync(clock.Id, cancellationToken: _ct));
        var types = (await StripeNetHarness.EventsAsync(stripe, _ct)).Select(e => e.Type).ToList();
        Assert.Equal(["test_helpers.test_clock.created", "test_helpers.test_clock.advancing", "test_helpers.test_clock.ready",
            "customer.subscription.deleted", "customer.deleted", "test_helpers.test_clock.deleted"],
            types.Where(t => t.StartsWith("test_helpers", StringComparison.Ordinal) || t is "customer.subscription.deleted" or "customer.deleted"));
    }

    [Fact]
    public async Task A_trial_warns_three_days_before_and_converts_into_a_paid_cycle_invoice()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o => o.TrialPeriodDays = 7);
        var trialEnd = Start.AddDays(7);
        Assert.Equal(("trialing", trialEnd), (subscription.Status, subscription.TrialEnd));

        await stripe.AdvanceAsync(clock, Start.AddDays(5), _ct);
        Assert.Equal(["customer.subscription.trial_will_end"], await stripe.LastAdvanceEventsAsync(_ct));
        var notice = (await StripeNetHarness.EventsAsync(stripe, _ct)).Single(e => e.Type == "customer.subscription.trial_will_end");
        Assert.Equal(Start.AddDays(4), notice.Created);

        await stripe.AdvanceAsync(clock, trialEnd.AddHours(1), _ct);
        Assert.Equal(["customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created", "payment_intent.succeeded",
            "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"], await stripe.LastAdvanceEventsAsync(_ct));
        var active = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        var item = Assert.Single(active.Items.Data);
        Assert.Equal("active", active.Status);
        Assert.Equal((trialEnd, trialEnd.AddMonths(1)), (item.CurrentPeriodStart, item.CurrentPeriodEnd));
        var cycle = (await InvoicesAsync(stripe, subscription)).Last();
        Assert.Equal(("subscription_cycle", "paid", 900L, 900L), (cycle.BillingReason, cycle.Status, cycle.AmountDue, cycle.AmountPaid));
        Assert.Equal((Start, trialEnd, trialEnd), (cycle.PeriodStart, cycle.PeriodEnd, cycle.Created));
        Assert.Equal((trialEnd, trialEnd.AddMonths(1)), (cycle.Lines.Data[0].Period.Start, cycle.Lines.Data[0].Period.End));
        Assert.Equal(active.LatestInvoiceId, cycle.Id);
    }

    [Fact]
    public async Task A_trial_without_a_card_ends_past_due_by_default_or_canceled_when_its_settings_say_so()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, card: null, _ct);
        var invoiced = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o => o.TrialPeriodDays = 3);
        var canceling = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o =>
        {
            o.TrialPeriodDays = 3;
            o.TrialSettings = new SubscriptionTrialSettingsOptions { EndBehavior = new SubscriptionTrialSettingsEndBehaviorOptions { MissingPaymentMethod = "cancel" } };
        });
        // A trial of three days gets its notice at once.
        Assert.Equal(2, (await StripeNetHarness.EventsAsync(stripe, _ct)).Count(e => e.Type == "customer.subscription.trial_will_end"));

        await stripe.AdvanceAsync(clock, Start.AddDays(3).AddMinutes(5), _ct);

        var pastDue = await stripe.V1.Subscriptions.GetAsync(invoiced.Id, cancellationToken: _ct);
        Assert.Equal("past_due", pastDue.Status);
        var open = (await InvoicesAsync(stripe, invoiced)).Last();
        Assert.Equal(("subscription_cycle", "open", 900L, 1L), (open.BillingReason, open.Status, open.AmountRemaining, open.AttemptCount));
        Assert.Equal(Start.AddDays(3 + 3), open.NextPaymentAttempt);
        var canceled = await stripe.V1.Subscriptions.GetAsync(canceling.Id, cancellationToken: _ct);
        Assert.Equal(("canceled", Start.AddDays(3)), (canceled.Status, canceled.EndedAt));
        Assert.Single(await InvoicesAsync(stripe, canceling)); // only the trial's $0 invoice
        var events = await stripe.LastAdvanceEventsAsync(_ct);
        Assert.Contains("invoice.payment_failed", events);
        Assert.Contains("customer.subscription.deleted", events);
    }

    [Fact]
    public async Task Monthly_and_yearly_subscriptions_renew_every_period_an_advance_crosses_with_exact_amounts()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var monthly = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o => o.Items[0].Quantity = 2);
        var yearly = await stripe.SubscribeAsync(customer, catalog.PlusYearly, _ct);

        await stripe.AdvanceAsync(clock, Start.AddMonths(3).AddDays(1), _ct);
        var monthlyInvoices = await InvoicesAsync(stripe, monthly);
        Assert.Equal(["subscription_create", "subscription_cycle", "subscription_cycle", "subscription_cycle"], monthlyInvoices.Select(i => i.BillingReason));
        Assert.All(monthlyInvoices, i => Assert.Equal(("paid", 1800L), (i.Status, i.AmountPaid)));
        Assert.Equal([Start.AddMonths(1), Start.AddMonths(2), Start.AddMonths(3)], monthlyInvoices.Skip(1).Select(i => i.Created));
        Assert.Equal([Start.AddMonths(2), Start.AddMonths(3), Start.AddMonths(4)], monthlyInvoices.Skip(1).Select(i => i.Lines.Data[0].Period.End));
        var renewed = await stripe.V1.Subscriptions.GetAsync(monthly.Id, cancellationToken: _ct);
        Assert.Equal(("active", Start.AddMonths(3), Start.AddMonths(4)), (renewed.Status, renewed.Items.Data[0].CurrentPeriodStart, renewed.Items.Data[0].CurrentPeriodEnd));
        Assert.Single(await InvoicesAsync(stripe, yearly));

        await stripe.AdvanceAsync(clock, Start.AddYears(2).AddDays(1), _ct);
        var yearlyInvoices = await InvoicesAsync(stripe, yearly);
        Assert.Equal([9000L, 9000L, 9000L], yearlyInvoices.Select(i => i.AmountPaid));
        Assert.Equal([Start.AddYears(1), Start.AddYears(2)], yearlyInvoices.Skip(1).Select(i => i.Created));
        Assert.Equal(1 + 24, (await InvoicesAsync(stripe, monthly)).Count); // the first invoice and 24 monthly cycles in two years

        var advances = await emulator.AdvancesAsync(clock.Id, _ct);
        Assert.Equal(2, advances.GetArrayLength());
        Assert.Equal(3, advances[0].GetProperty("steps").EnumerateArray().Count(s => s.GetProperty("action").GetString() == "renew"));
    }

    [Fact]
    public async Task A_January_31_anchor_renews_on_the_last_day_of_shorter_months_and_back_on_the_31st()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var jan31 = new DateTime(2027, 1, 31, 10, 0, 0, DateTimeKind.Utc);
        var clock = await stripe.ClockAsync(jan31, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        Assert.Equal(new DateTime(2027, 2, 28, 10, 0, 0, DateTimeKind.Utc), subscription.Items.Data[0].CurrentPeriodEnd);

        await stripe.AdvanceAsync(clock, new DateTime(2027, 4, 1, 0, 0, 0, DateTimeKind.Utc), _ct);

        var cycles = (await InvoicesAsync(stripe, subscription)).Skip(1).ToList();
        Assert.Equal([new DateTime(2027, 2, 28, 10, 0, 0, DateTimeKind.Utc), new DateTime(2027, 3, 31, 10, 0, 0, DateTimeKind.Utc)], cycles.Select(i => i.Created));
        Assert.All(cycles, i => Assert.Equal(900L, i.AmountPaid));
        var item = (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Items.Data[0];
        Assert.Equal((new DateTime(2027, 3, 31, 10, 0, 0, DateTimeKind.Utc), new DateTime(2027, 4, 30, 10, 0, 0, DateTimeKind.Utc)), (item.CurrentPeriodStart, item.CurrentPeriodEnd));
    }

    [Fact]
    public async Task Pending_prorations_are_billed_on_the_next_renewal_invoice()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        var change = Start.AddDays(10);
        await stripe.AdvanceAsync(clock, change, _ct);

        await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = catalog.MaxMonthly.Id }],
            ProrationBehavior = "create_prorations",
        }, cancellationToken: _ct);
        await stripe.AdvanceAsync(clock, Start.AddMonths(1).AddHours(1), _ct);

        var cycle = (await InvoicesAsync(stripe, subscription)).Last();
        var end = Start.AddMonths(1);
        var expected = -StripeNetHarness.Prorated(900, change, Start, end) + StripeNetHarness.Prorated(1900, change, Start, end) + 1900;
        Assert.Equal(("subscription_cycle", "paid", expected), (cycle.BillingReason, cycle.Status, cycle.AmountPaid));
        Assert.Equal([true, true, false], cycle.Lines.Data.Select(l => l.Parent.SubscriptionItemDetails.Proration));
    }

    [Fact]
    public async Task Cancel_at_period_end_and_cancel_at_a_date_take_effect_when_the_clock_reaches_them()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var atPeriodEnd = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        var atDate = await stripe.SubscribeAsync(customer, catalog.MaxMonthly, _ct);
        await stripe.V1.Subscriptions.UpdateAsync(atPeriodEnd.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }, cancellationToken: _ct);
        await stripe.V1.Subscriptions.UpdateAsync(atDate.Id, new SubscriptionUpdateOptions { CancelAt = Start.AddDays(10) }, cancellationToken: _ct);

        await stripe.AdvanceAsync(clock, Start.AddDays(11), _ct);
        Assert.Equal(["customer.subscription.deleted"], await stripe.LastAdvanceEventsAsync(_ct));
        var first = await stripe.V1.Subscriptions.GetAsync(atDate.Id, cancellationToken: _ct);
        Assert.Equal(("canceled", Start.AddDays(10), Start), (first.Status, first.EndedAt, first.CanceledAt));

        await stripe.AdvanceAsync(clock, Start.AddMonths(1).AddDays(1), _ct);
        Assert.Equal(["customer.subscription.deleted"], await stripe.LastAdvanceEventsAsync(_ct));
        var second = await stripe.V1.Subscriptions.GetAsync(atPeriodEnd.Id, cancellationToken: _ct);
        Assert.Equal(("canceled", Start.AddMonths(1)), (second.Status, second.EndedAt));
        Assert.Single(await InvoicesAsync(stripe, atPeriodEnd)); // nothing billed for a period that never starts
    }

    [Fact]
    public async Task Every_field_of_a_test_clock_exists_in_the_StripeNet_model_and_advancing_names_its_target()
    {
        var stripe = emulator.StripeNet();
        var clock = await stripe.ClockAsync(Start, _ct, "fields");
        using var http = emulator.CreateHttpClient();

        var advancing = await http.StripePostAsync($"/v1/test_helpers/test_clocks/{clock.Id}/advance", $"frozen_time={new DateTimeOffset(Start.AddDays(1)).ToUnixTimeSeconds()}");
        var ready = await http.StripeGetAsync($"/v1/test_helpers/test_clocks/{clock.Id}");

        Assert.Equal(new DateTimeOffset(Start.AddDays(1)).ToUnixTimeSeconds(), advancing.Body.GetProperty("status_details").GetProperty("advancing").GetProperty("target_frozen_time").GetInt64());
        var names = typeof(Stripe.TestHelpers.TestClock).GetProperties()
            .SelectMany(p => p.GetCustomAttributes(inherit: true))
            .Select(a => a.GetType().GetProperty("PropertyName")?.GetValue(a) as string ?? (a.GetType().Name == "JsonPropertyNameAttribute" ? a.GetType().GetProperty("Name")?.GetValue(a) as string : null))
            .OfType<string>().ToHashSet();
        Assert.All(ready.Body.EnumerateObject(), p => Assert.Contains(p.Name, names));
        Assert.Equal(["created", "deletes_after", "frozen_time", "id", "livemode", "name", "object", "status", "status_details"],
            ready.Body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }
}
