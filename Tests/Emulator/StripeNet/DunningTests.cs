using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>Failed renewals on a test clock: retries on the dunning schedule, recovery, and what the last failure leads to.</summary>
[Trait("Category", "Integration")]
public sealed class DunningTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Renewal = Start.AddMonths(1);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A paid monthly subscription on a clock whose customer's card fails from now on.</summary>
    private async Task<(StripeClient Stripe, Stripe.TestHelpers.TestClock Clock, Customer Customer, Subscription Subscription)> FailingRenewalAsync(string outcome = "decline")
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct);
        Assert.Equal("active", subscription.Status);
        await emulator.OperatorPostAsync($"/_emulator/customers/{customer.Id}/cards?outcome={outcome}", _ct);
        return (stripe, clock, customer, subscription);
    }

    private async Task<Invoice> RenewalInvoiceAsync(StripeClient stripe, Subscription subscription) =>
        (await stripe.V1.Subscriptions.GetAsync(subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct)).LatestInvoice;

    [Fact]
    public async Task A_failed_renewal_is_past_due_then_a_scheduled_retry_with_a_working_card_recovers_it()
    {
        var (stripe, clock, customer, subscription) = await FailingRenewalAsync();

        await stripe.AdvanceAsync(clock, Renewal.AddHours(1), _ct);
        Assert.Equal(["customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created", "payment_intent.payment_failed",
            "invoice.payment_failed", "customer.subscription.updated"], await stripe.LastAdvanceEventsAsync(_ct));
        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal(("subscription_cycle", "open", 1L, 900L), (open.BillingReason, open.Status, open.AttemptCount, open.AmountRemaining));
        Assert.Equal(Renewal.AddDays(3), open.NextPaymentAttempt);
        Assert.Equal("past_due", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);

        await emulator.OperatorPostAsync($"/_emulator/customers/{customer.Id}/cards?outcome=succeed", _ct);
        await stripe.AdvanceAsync(clock, Renewal.AddDays(4), _ct);
        Assert.Equal(["payment_intent.created", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded",
            "customer.subscription.updated"], await stripe.LastAdvanceEventsAsync(_ct));
        var paid = await stripe.V1.Invoices.GetAsync(open.Id, cancellationToken: _ct);
        Assert.Equal(("paid", 2L, 900L, (DateTime?)null), (paid.Status, paid.AttemptCount, paid.AmountPaid, paid.NextPaymentAttempt));
        Assert.Equal(Renewal.AddDays(3), paid.StatusTransitions.PaidAt);
        Assert.Equal("active", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);
    }

    [Fact]
    public async Task Paying_the_open_invoice_with_a_new_card_recovers_the_subscription_at_once()
    {
        var (stripe, clock, customer, subscription) = await FailingRenewalAsync("insufficient_funds");
        await stripe.AdvanceAsync(clock, Renewal.AddHours(1), _ct);
        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal("insufficient_funds", (await stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customer.Id }, cancellationToken: _ct))
            .Data.First().LastPaymentError.DeclineCode);

        var card = await stripe.V1.PaymentMethods.AttachAsync("pm_card_mastercard", new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: _ct);
        var paid = await stripe.V1.Invoices.PayAsync(open.Id, new InvoicePayOptions { PaymentMethod = card.Id }, cancellationToken: _ct);

        Assert.Equal(("paid", 2L), (paid.Status, paid.AttemptCount));
        Assert.Equal(Renewal.AddHours(1), paid.StatusTransitions.PaidAt);
        Assert.Equal("active", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);
    }

    [Fact]
    public async Task Retries_run_on_the_operators_schedule_and_the_last_failure_marks_the_subscription_unpaid()
    {
        await emulator.OperatorPostAsync("/_emulator/dunning?retry_days=1,2&after=unpaid", _ct);
        var (stripe, clock, _, subscription) = await FailingRenewalAsync();

        await stripe.AdvanceAsync(clock, Renewal.AddDays(5), _ct);

        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal(("open", 3L, (DateTime?)null), (open.Status, open.AttemptCount, open.NextPaymentAttempt));
        Assert.Equal("unpaid", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);
        var steps = (await emulator.AdvancesAsync(clock.Id, _ct))[0].GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("action").GetString(), DateTimeOffset.FromUnixTimeSeconds(s.GetProperty("at").GetInt64()).UtcDateTime)).ToList();
        Assert.Equal([("renew", Renewal), ("retry_payment", Renewal.AddDays(1)), ("retry_payment", Renewal.AddDays(2))], steps);
    }

    [Theory]
    [InlineData("cancel", "canceled")]
    [InlineData("unpaid", "unpaid")]
    [InlineData("past_due", "past_due")]
    public async Task After_the_last_failed_retry_the_accounts_choice_applies(string after, string status)
    {
        await emulator.OperatorPostAsync($"/_emulator/dunning?retry_days=2,4&after={after}", _ct);
        var (stripe, clock, _, subscription) = await FailingRenewalAsync();

        await stripe.AdvanceAsync(clock, Renewal.AddDays(10), _ct);

        var ended = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        Assert.Equal(status, ended.Status);
        var expected = after == "cancel" ? ("payment_failed", (DateTime?)Renewal.AddDays(4)) : ((string?)null, (DateTime?)null);
        Assert.Equal(expected, (ended.CancellationDetails?.Reason, ended.EndedAt));
        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal(("open", 3L, (DateTime?)null), (open.Status, open.AttemptCount, open.NextPaymentAttempt));
        var failures = (await StripeNetHarness.EventsAsync(stripe, _ct)).Where(e => e.Type == "invoice.payment_failed").Select(e => e.Created).ToList();
        Assert.Equal([Renewal, Renewal.AddDays(2), Renewal.AddDays(4)], failures);
    }

    [Fact]
    public async Task An_empty_schedule_retries_nothing_and_the_setting_is_read_back_and_cleared_by_a_reset()
    {
        using var operators = emulator.CreateHttpClient(authenticated: false);
        static (string Days, string? After) Setting(string json)
        {
            var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
            return (string.Join(",", root.GetProperty("retry_days").EnumerateArray().Select(d => d.GetInt32())), root.GetProperty("after").GetString());
        }
        Assert.Equal(("3,5,7", "cancel"), Setting(await operators.GetStringAsync("/_emulator/dunning", _ct)));
        Assert.Equal(("", "past_due"), Setting(await emulator.OperatorPostAsync("/_emulator/dunning?retry_days=&after=past_due", _ct)));
        var (stripe, clock, _, subscription) = await FailingRenewalAsync();

        await stripe.AdvanceAsync(clock, Renewal.AddDays(20), _ct);

        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal(("open", 1L, (DateTime?)null), (open.Status, open.AttemptCount, open.NextPaymentAttempt));
        Assert.Equal("past_due", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);
        await emulator.ResetAsync(_ct);
        Assert.Equal(("3,5,7", "cancel"), Setting(await operators.GetStringAsync("/_emulator/dunning", _ct)));
    }

    [Fact]
    public async Task By_default_the_last_failed_retry_cancels_the_subscription_for_failed_payment()
    {
        var (stripe, clock, _, subscription) = await FailingRenewalAsync();

        await stripe.AdvanceAsync(clock, Renewal.AddDays(8), _ct);

        var canceled = await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct);
        Assert.Equal(("canceled", "payment_failed", Renewal.AddDays(7)), (canceled.Status, canceled.CancellationDetails.Reason, canceled.EndedAt));
        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal(4L, open.AttemptCount);
        var failures = (await StripeNetHarness.EventsAsync(stripe, _ct)).Where(e => e.Type == "invoice.payment_failed").Select(e => e.Created).ToList();
        Assert.Equal([Renewal, Renewal.AddDays(3), Renewal.AddDays(5), Renewal.AddDays(7)], failures);
    }

    [Fact]
    public async Task A_renewal_needing_authentication_waits_for_the_hosted_invoice_page()
    {
        var (stripe, clock, _, subscription) = await FailingRenewalAsync("authentication_required");
        await stripe.AdvanceAsync(clock, Renewal.AddHours(1), _ct);
        Assert.Contains("invoice.payment_action_required", await stripe.LastAdvanceEventsAsync(_ct));
        var open = await RenewalInvoiceAsync(stripe, subscription);
        Assert.Equal(("open", (DateTime?)null), (open.Status, open.NextPaymentAttempt));
        Assert.Equal("past_due", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);

        using var browser = emulator.Browser();
        var authenticated = await StripeNetHarness.PostFormAsync(browser, new Uri(open.HostedInvoiceUrl).AbsolutePath + "/authenticate", ("action", "complete"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, authenticated.Status);

        Assert.Equal("paid", (await stripe.V1.Invoices.GetAsync(open.Id, cancellationToken: _ct)).Status);
        Assert.Equal("active", (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).Status);
    }
}
