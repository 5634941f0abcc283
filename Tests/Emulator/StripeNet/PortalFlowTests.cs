using System.Net;
using System.Text.RegularExpressions;
using Stripe;
using Stripe.BillingPortal;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// The customer portal's hosted page driven over plain HTTP, as a browser would post its forms: switching plan with
/// the configuration's proration, cancelling with a reason, replacing the card, deep links and where they end.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class PortalFlowTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTime Start = new(2027, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private const string ReturnUrl = "https://yapit.example/account";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed record World(StripeClient Stripe, StripeNetHarness.Catalog Catalog, Stripe.TestHelpers.TestClock Clock, Customer Customer, Subscription Subscription, HttpClient Browser);

    /// <summary>A Plus monthly subscriber on a clock, ten days into the period, with a portal configured by <paramref name="configure"/>.</summary>
    private async Task<World> WorldAsync(Action<ConfigurationCreateOptions, StripeNetHarness.Catalog>? configure = null, long? trialDays = null)
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var clock = await stripe.ClockAsync(Start, _ct);
        var customer = await stripe.ClockCustomerAsync(clock, "pm_card_visa", _ct);
        var subscription = await stripe.SubscribeAsync(customer, catalog.PlusMonthly, _ct, o => o.TrialPeriodDays = trialDays);
        var options = new ConfigurationCreateOptions
        {
            BusinessProfile = new ConfigurationBusinessProfileOptions { Headline = "Yapit billing" },
            DefaultReturnUrl = ReturnUrl,
            Features = new ConfigurationFeaturesOptions
            {
                InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = true },
                PaymentMethodUpdate = new ConfigurationFeaturesPaymentMethodUpdateOptions { Enabled = true },
                SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions
                {
                    Enabled = true,
                    Mode = "at_period_end",
                    CancellationReason = new ConfigurationFeaturesSubscriptionCancelCancellationReasonOptions { Enabled = true, Options = ["too_expensive", "unused"] },
                },
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Enabled = true,
                    DefaultAllowedUpdates = ["price"],
                    ProrationBehavior = "always_invoice",
                    Products =
                    [
                        new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = catalog.PlusMonthly.ProductId, Prices = [catalog.PlusMonthly.Id, catalog.PlusYearly.Id] },
                        new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = catalog.MaxMonthly.ProductId, Prices = [catalog.MaxMonthly.Id] },
                    ],
                },
            },
        };
        configure?.Invoke(options, catalog);
        await stripe.V1.BillingPortal.Configurations.CreateAsync(options, cancellationToken: _ct);
        if (trialDays is null)
        {
            await stripe.AdvanceAsync(clock, Start.AddDays(10), _ct);
        }
        return new World(stripe, catalog, clock, customer, subscription, emulator.Browser());
    }

    private Task<Session> SessionAsync(World world, SessionFlowDataOptions? flow = null) =>
        world.Stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions { Customer = world.Customer.Id, FlowData = flow }, cancellationToken: _ct);

    private async Task<(HttpStatusCode Status, string? Location, string Body)> GetAsync(HttpClient browser, string url)
    {
        using var response = await browser.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute).IsAbsoluteUri ? new Uri(url).PathAndQuery : url, _ct);
        return (response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync(_ct));
    }

    private async Task<int> EventCountAsync(StripeClient stripe) => (await StripeNetHarness.EventsAsync(stripe, _ct)).Count;

    private async Task<List<Event>> EventsSinceAsync(StripeClient stripe, int count) => [.. (await StripeNetHarness.EventsAsync(stripe, _ct)).Skip(count)];

    [GeneratedRegex("<form method=\"(?:post|get)\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    private static string Action(string page, string containing) =>
        FormAction().Matches(page).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Single(a => a.Contains(containing, StringComparison.Ordinal));

    [Fact]
    public async Task The_home_page_shows_the_subscription_the_card_and_invoices_linking_their_hosted_pages()
    {
        var world = await WorldAsync();
        var session = await SessionAsync(world);

        var home = await GetAsync(world.Browser, session.Url);
        var invoice = (await world.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = world.Customer.Id }, cancellationToken: _ct)).Single();

        Assert.Equal(HttpStatusCode.OK, home.Status);
        Assert.Contains($"id=\"subscription-{world.Subscription.Id}\" data-status=\"active\"", home.Body);
        Assert.Contains("Yapit Plus", home.Body);
        Assert.Contains("$9.00 / month", home.Body);
        Assert.Contains("Renews on 1 Apr 2027", home.Body);
        Assert.Contains("Visa •••• 4242", home.Body);
        Assert.Contains($"href=\"{invoice.HostedInvoiceUrl}\"", home.Body);
        Assert.Contains($"href=\"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/update\"", home.Body);
        Assert.Contains($"href=\"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/cancel\"", home.Body);
        Assert.Contains($"href=\"{ReturnUrl}\"", home.Body);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(world.Browser, invoice.HostedInvoiceUrl)).Status);
    }

    [Fact]
    public async Task Under_create_prorations_the_confirm_page_shows_each_proration_once_and_the_next_invoice_it_announces_is_the_renewal()
    {
        var world = await WorldAsync((o, _) => o.Features.SubscriptionUpdate.ProrationBehavior = "create_prorations");
        var session = await SessionAsync(world);

        var confirm = await GetAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/update/confirm?price={world.Catalog.MaxMonthly.Id}");
        var posted = await StripeNetHarness.PostFormAsync(world.Browser, Action(confirm.Body, "/update"), ("price", world.Catalog.MaxMonthly.Id), ("quantity", "1"));
        await world.Stripe.AdvanceAsync(world.Clock, Start.AddMonths(1).AddHours(1), _ct);

        var renewal = await world.Stripe.V1.Invoices.GetAsync((await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct)).LatestInvoiceId, cancellationToken: _ct);
        Assert.Equal(HttpStatusCode.Redirect, posted.Status);
        Assert.Equal(("subscription_cycle", 3), (renewal.BillingReason, renewal.Lines.Data.Count));
        Assert.Equal(3, Regex.Matches(confirm.Body, "<td class=\"amount\">").Count);
        Assert.Contains($"<strong id=\"next_total\">${renewal.AmountDue / 100m:0.00}</strong>", confirm.Body);
    }

    [Fact]
    public async Task An_upgrade_shows_the_prorated_amount_then_invoices_it_at_once_with_always_invoice_and_stripes_events()
    {
        var world = await WorldAsync();
        var session = await SessionAsync(world);
        var home = await GetAsync(world.Browser, session.Url);
        var plans = await GetAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/update");
        var confirm = await GetAsync(world.Browser, $"{Action(plans.Body, "/update/confirm")}?price={world.Catalog.MaxMonthly.Id}");
        var before = await EventCountAsync(world.Stripe);

        var posted = await StripeNetHarness.PostFormAsync(world.Browser, Action(confirm.Body, "/update"), ("price", world.Catalog.MaxMonthly.Id), ("quantity", "1"));

        var due = StripeNetHarness.Prorated(1900, Start.AddDays(10), Start, Start.AddMonths(1)) - StripeNetHarness.Prorated(900, Start.AddDays(10), Start, Start.AddMonths(1));
        Assert.Contains("Update plan", home.Body);
        Assert.Contains($"value=\"{world.Catalog.MaxMonthly.Id}\"", plans.Body);
        Assert.Contains($"value=\"{world.Catalog.PlusMonthly.Id}\" disabled", plans.Body);
        Assert.Contains($"Amount due today: <span id=\"due_today\">${due / 100m:0.00}</span>", confirm.Body);
        Assert.Equal((HttpStatusCode.Redirect, $"/p/session/{session.Id}"), (posted.Status, posted.Location));
        var subscription = await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);
        Assert.Equal((world.Catalog.MaxMonthly.Id, "active"), (subscription.Items.Data[0].Price.Id, subscription.Status));
        Assert.Equal(("subscription_update", "paid", due), (subscription.LatestInvoice.BillingReason, subscription.LatestInvoice.Status, subscription.LatestInvoice.AmountPaid));
        Assert.All(subscription.LatestInvoice.Lines.Data, l => Assert.True(l.Parent.SubscriptionItemDetails.Proration));
        var events = await EventsSinceAsync(world.Stripe, before);
        Assert.Equal(["customer.subscription.updated", "invoice.created", "invoice.finalized", "payment_intent.created", "payment_intent.succeeded",
            "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded"], events.Select(e => e.Type));
        Assert.Equal(world.Catalog.PlusMonthly.Id, events[0].PreviousAttributesJson!.Value.GetProperty("items").GetProperty("data")[0].GetProperty("price").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_downgrade_with_create_prorations_leaves_pending_credit_and_one_meeting_a_schedule_condition_is_refused()
    {
        var world = await WorldAsync((o, _) => o.Features.SubscriptionUpdate.ProrationBehavior = "create_prorations");
        await world.Stripe.V1.Subscriptions.UpdateAsync(world.Subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = world.Subscription.Items.Data[0].Id, Price = world.Catalog.MaxMonthly.Id }],
            ProrationBehavior = "none",
        }, cancellationToken: _ct);
        var session = await SessionAsync(world);
        var before = await EventCountAsync(world.Stripe);

        var posted = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/update", ("price", world.Catalog.PlusMonthly.Id));

        Assert.Equal(HttpStatusCode.Redirect, posted.Status);
        var events = await EventsSinceAsync(world.Stripe, before);
        Assert.Equal(["invoiceitem.created", "invoiceitem.created", "customer.subscription.updated"], events.Select(e => e.Type));
        var pending = events.Take(2).Select(e => (InvoiceItem)e.Data.Object).ToList();
        Assert.All(pending, i => Assert.Null(i.InvoiceId));
        Assert.Equal(StripeNetHarness.Prorated(900, Start.AddDays(10), Start, Start.AddMonths(1)) - StripeNetHarness.Prorated(1900, Start.AddDays(10), Start, Start.AddMonths(1)),
            pending.Sum(i => i.Amount));

        // The same downgrade under a configuration that schedules decreases at period end: refused, nothing written.
        var scheduling = await world.Stripe.V1.BillingPortal.Configurations.CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions
            {
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Enabled = true,
                    DefaultAllowedUpdates = ["price"],
                    Products =
                    [
                        new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = world.Catalog.PlusMonthly.ProductId, Prices = [world.Catalog.PlusMonthly.Id] },
                        new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = world.Catalog.MaxMonthly.ProductId, Prices = [world.Catalog.MaxMonthly.Id] },
                    ],
                    ScheduleAtPeriodEnd = new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndOptions
                    {
                        Conditions = [new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndConditionOptions { Type = "decreasing_item_amount" }],
                    },
                },
            },
        }, cancellationToken: _ct);
        await world.Stripe.V1.Subscriptions.UpdateAsync(world.Subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = world.Subscription.Items.Data[0].Id, Price = world.Catalog.MaxMonthly.Id }],
            ProrationBehavior = "none",
        }, cancellationToken: _ct);
        var strict = await world.Stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions { Customer = world.Customer.Id, Configuration = scheduling.Id }, cancellationToken: _ct);
        var beforeRefusal = await EventCountAsync(world.Stripe);
        var confirm = await GetAsync(world.Browser, $"/p/session/{strict.Id}/subscriptions/{world.Subscription.Id}/update/confirm?price={world.Catalog.PlusMonthly.Id}");
        var refused = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{strict.Id}/subscriptions/{world.Subscription.Id}/update", ("price", world.Catalog.PlusMonthly.Id));
        var notOffered = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{strict.Id}/subscriptions/{world.Subscription.Id}/update", ("price", world.Catalog.PlusYearly.Id));

        Assert.Equal(HttpStatusCode.BadRequest, confirm.Status);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("schedule_at_period_end condition decreasing_item_amount", refused.Body);
        Assert.Equal(HttpStatusCode.BadRequest, notOffered.Status);
        Assert.Contains($"The price {world.Catalog.PlusYearly.Id} is not among the prices this portal offers", notOffered.Body);
        Assert.Equal(beforeRefusal, await EventCountAsync(world.Stripe));
        Assert.Equal(world.Catalog.MaxMonthly.Id, (await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct)).Items.Data[0].Price.Id);
    }

    [Fact]
    public async Task Cancel_at_period_end_stores_the_reason_and_refuses_a_second_cancel()
    {
        var world = await WorldAsync();
        var session = await SessionAsync(world);
        var page = await GetAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/cancel");
        var before = await EventCountAsync(world.Stripe);

        var badReason = await StripeNetHarness.PostFormAsync(world.Browser, Action(page.Body, "/cancel"), ("feedback", "low_quality"));
        var posted = await StripeNetHarness.PostFormAsync(world.Browser, Action(page.Body, "/cancel"), ("feedback", "too_expensive"), ("comment", "Max is too much for me"));
        var again = await StripeNetHarness.PostFormAsync(world.Browser, Action(page.Body, "/cancel"));

        Assert.Contains("<option value=\"unused\">", page.Body);
        Assert.Contains("stays available until 1 Apr 2027", page.Body);
        Assert.Equal(HttpStatusCode.BadRequest, badReason.Status);
        Assert.Contains("low_quality is not among the cancellation reasons this portal offers (too_expensive, unused)", badReason.Body);
        Assert.Equal((HttpStatusCode.Redirect, $"/p/session/{session.Id}"), (posted.Status, posted.Location));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        var canceling = await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct);
        Assert.Equal(("active", true, Start.AddMonths(1)), (canceling.Status, canceling.CancelAtPeriodEnd, canceling.CancelAt));
        Assert.Equal(("cancellation_requested", "too_expensive", "Max is too much for me"),
            (canceling.CancellationDetails.Reason, canceling.CancellationDetails.Feedback, canceling.CancellationDetails.Comment));
        var updated = Assert.Single(await EventsSinceAsync(world.Stripe, before));
        Assert.Equal("customer.subscription.updated", updated.Type);
        Assert.False(updated.PreviousAttributesJson!.Value.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Contains("Cancels on 1 Apr 2027", (await GetAsync(world.Browser, session.Url)).Body);
    }

    [Fact]
    public async Task A_trial_canceled_in_the_portal_cancels_at_the_trials_end_without_a_first_paid_invoice()
    {
        var trial = await WorldAsync(trialDays: 3);
        var trialSession = await SessionAsync(trial);
        await StripeNetHarness.PostFormAsync(trial.Browser, $"/p/session/{trialSession.Id}/subscriptions/{trial.Subscription.Id}/cancel");
        var trialCanceling = await trial.Stripe.V1.Subscriptions.GetAsync(trial.Subscription.Id, cancellationToken: _ct);
        Assert.Equal(("trialing", false, trial.Subscription.TrialEnd), (trialCanceling.Status, trialCanceling.CancelAtPeriodEnd, trialCanceling.CancelAt));

        await trial.Stripe.AdvanceAsync(trial.Clock, Start.AddDays(4), _ct);
        Assert.Equal(["customer.subscription.deleted"], await trial.Stripe.LastAdvanceEventsAsync(_ct));
        var trialEnded = await trial.Stripe.V1.Subscriptions.GetAsync(trial.Subscription.Id, cancellationToken: _ct);
        Assert.Equal(("canceled", trial.Subscription.TrialEnd), (trialEnded.Status, trialEnded.EndedAt));
        Assert.Single((await trial.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = trial.Subscription.Id }, cancellationToken: _ct)).Data);
    }

    [Fact]
    public async Task Cancel_immediately_ends_the_subscription_and_invoices_the_prorated_credit_when_configured()
    {
        var world = await WorldAsync((o, _) =>
        {
            o.Features.SubscriptionCancel.Mode = "immediately";
            o.Features.SubscriptionCancel.ProrationBehavior = "always_invoice";
        });
        var session = await SessionAsync(world);
        var before = await EventCountAsync(world.Stripe);

        var posted = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/cancel", ("feedback", "unused"));

        Assert.Equal(HttpStatusCode.Redirect, posted.Status);
        var canceled = await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);
        Assert.Equal(("canceled", Start.AddDays(10), "unused"), (canceled.Status, canceled.EndedAt, canceled.CancellationDetails.Feedback));
        Assert.Equal(-StripeNetHarness.Prorated(900, Start.AddDays(10), Start, Start.AddMonths(1)), canceled.LatestInvoice.Total);
        // The negative total becomes the customer's credit balance when the invoice is finalized, as Stripe does
        // (https://docs.stripe.com/billing/customer/balance), hence customer.updated.
        Assert.Equal(-StripeNetHarness.Prorated(900, Start.AddDays(10), Start, Start.AddMonths(1)), canceled.LatestInvoice.EndingBalance);
        Assert.Equal(["invoiceitem.created", "customer.subscription.deleted", "invoice.created", "invoice.finalized", "customer.updated", "invoice.paid", "invoice.payment_succeeded"],
            (await EventsSinceAsync(world.Stripe, before)).Select(e => e.Type));
        Assert.Contains("No current subscription.", (await GetAsync(world.Browser, session.Url)).Body);
    }

    [Fact]
    public async Task A_new_card_becomes_the_default_and_pays_the_open_invoice_of_a_past_due_subscription()
    {
        var world = await WorldAsync();
        await emulator.OperatorPostAsync($"/_emulator/customers/{world.Customer.Id}/cards?outcome=decline", _ct);
        await world.Stripe.AdvanceAsync(world.Clock, Start.AddMonths(1).AddHours(1), _ct);
        Assert.Equal("past_due", (await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct)).Status);
        var session = await SessionAsync(world);
        var page = await GetAsync(world.Browser, $"/p/session/{session.Id}/payment_method");
        var before = await EventCountAsync(world.Stripe);

        var declined = await StripeNetHarness.PostFormAsync(world.Browser, Action(page.Body, "/payment_method"), ("card", "pm_card_chargeDeclinedInsufficientFunds"));
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.Status);
        Assert.Contains("Your card has insufficient funds.", declined.Body);
        Assert.Equal(before, await EventCountAsync(world.Stripe));

        var posted = await StripeNetHarness.PostFormAsync(world.Browser, Action(page.Body, "/payment_method"), ("card", "pm_card_mastercard"));

        Assert.Contains("pm_card_mastercard", page.Body);
        Assert.Equal((HttpStatusCode.Redirect, $"/p/session/{session.Id}"), (posted.Status, posted.Location));
        var customer = await world.Stripe.V1.Customers.GetAsync(world.Customer.Id, new CustomerGetOptions { Expand = ["invoice_settings.default_payment_method"] }, cancellationToken: _ct);
        Assert.Equal("4444", customer.InvoiceSettings.DefaultPaymentMethod.Card.Last4);
        var subscription = await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);
        Assert.Equal(("active", "paid", 900L), (subscription.Status, subscription.LatestInvoice.Status, subscription.LatestInvoice.AmountPaid));
        Assert.Equal(["payment_method.attached", "customer.updated", "payment_intent.created", "payment_intent.succeeded", "invoice_payment.paid",
            "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"], (await EventsSinceAsync(world.Stripe, before)).Select(e => e.Type));
        Assert.Contains("Mastercard •••• 4444", (await GetAsync(world.Browser, session.Url)).Body);
    }

    [Fact]
    public async Task Deep_links_open_at_their_step_and_end_where_after_completion_says()
    {
        var world = await WorldAsync();
        var item = world.Subscription.Items.Data[0].Id;
        var confirmFlow = await SessionAsync(world, new SessionFlowDataOptions
        {
            Type = "subscription_update_confirm",
            SubscriptionUpdateConfirm = new SessionFlowDataSubscriptionUpdateConfirmOptions
            {
                Subscription = world.Subscription.Id,
                Items = [new SessionFlowDataSubscriptionUpdateConfirmItemOptions { Id = item, Price = world.Catalog.MaxMonthly.Id, Quantity = 1 }],
            },
            AfterCompletion = new SessionFlowDataAfterCompletionOptions
            {
                Type = "redirect",
                Redirect = new SessionFlowDataAfterCompletionRedirectOptions { ReturnUrl = "https://yapit.example/upgraded" },
            },
        });
        var opened = await GetAsync(world.Browser, confirmFlow.Url);
        var confirm = await GetAsync(world.Browser, opened.Location!);
        var confirmed = await StripeNetHarness.PostFormAsync(world.Browser, Action(confirm.Body, "/update"));
        var afterwards = await GetAsync(world.Browser, confirmFlow.Url);

        Assert.Equal((HttpStatusCode.Redirect, $"/p/session/{confirmFlow.Id}/subscriptions/{world.Subscription.Id}/update/confirm"), (opened.Status, opened.Location));
        Assert.Contains($"data-price=\"{world.Catalog.MaxMonthly.Id}\"", confirm.Body);
        Assert.Equal((HttpStatusCode.Redirect, "https://yapit.example/upgraded"), (confirmed.Status, confirmed.Location));
        Assert.Equal(world.Catalog.MaxMonthly.Id, (await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct)).Items.Data[0].Price.Id);
        Assert.Equal(HttpStatusCode.OK, afterwards.Status); // the flow is done: the link now opens the portal's home page

        var updateFlow = await SessionAsync(world, new SessionFlowDataOptions
        {
            Type = "subscription_update",
            SubscriptionUpdate = new SessionFlowDataSubscriptionUpdateOptions { Subscription = world.Subscription.Id },
        });
        Assert.Equal($"/p/session/{updateFlow.Id}/subscriptions/{world.Subscription.Id}/update", (await GetAsync(world.Browser, updateFlow.Url)).Location);

        var cancelFlow = await SessionAsync(world, new SessionFlowDataOptions
        {
            Type = "subscription_cancel",
            SubscriptionCancel = new SessionFlowDataSubscriptionCancelOptions { Subscription = world.Subscription.Id },
            AfterCompletion = new SessionFlowDataAfterCompletionOptions
            {
                Type = "hosted_confirmation",
                HostedConfirmation = new SessionFlowDataAfterCompletionHostedConfirmationOptions { CustomMessage = "Sorry to see you go." },
            },
        });
        var cancelStep = (await GetAsync(world.Browser, cancelFlow.Url)).Location!;
        var canceled = await StripeNetHarness.PostFormAsync(world.Browser, cancelStep);
        var done = await GetAsync(world.Browser, canceled.Location!);
        Assert.Equal($"/p/session/{cancelFlow.Id}/subscriptions/{world.Subscription.Id}/cancel", cancelStep);
        Assert.Equal($"/p/session/{cancelFlow.Id}/done", canceled.Location);
        Assert.Contains("Sorry to see you go.", done.Body);
        Assert.Contains($"href=\"{ReturnUrl}\"", done.Body);
        Assert.True((await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct)).CancelAtPeriodEnd);

        var cardFlow = await SessionAsync(world, new SessionFlowDataOptions
        {
            Type = "payment_method_update",
            AfterCompletion = new SessionFlowDataAfterCompletionOptions { Type = "portal_homepage" },
        });
        var cardStep = (await GetAsync(world.Browser, cardFlow.Url)).Location!;
        var saved = await StripeNetHarness.PostFormAsync(world.Browser, cardStep, ("card", "pm_card_amex"));
        Assert.Equal($"/p/session/{cardFlow.Id}/payment_method", cardStep);
        Assert.Equal($"/p/session/{cardFlow.Id}", saved.Location);
        Assert.Contains("American Express •••• 8431", (await GetAsync(world.Browser, saved.Location!)).Body);
    }

    [Fact]
    public async Task What_the_configuration_disables_is_refused_on_the_page_and_when_the_session_is_created()
    {
        var world = await WorldAsync((o, _) =>
        {
            o.Features.SubscriptionCancel.Enabled = false;
            o.Features.PaymentMethodUpdate.Enabled = false;
            o.Features.InvoiceHistory.Enabled = false;
        });
        var session = await SessionAsync(world);
        var before = await EventCountAsync(world.Stripe);

        var home = await GetAsync(world.Browser, session.Url);
        var cancelPage = await GetAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/cancel");
        var cancelPost = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{session.Id}/subscriptions/{world.Subscription.Id}/cancel");
        var cardPost = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{session.Id}/payment_method", ("card", "pm_card_visa"));
        var otherCustomer = await world.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), cancellationToken: _ct);
        var otherSession = await world.Stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions { Customer = otherCustomer.Id }, cancellationToken: _ct);
        var notTheirs = await StripeNetHarness.PostFormAsync(world.Browser, $"/p/session/{otherSession.Id}/subscriptions/{world.Subscription.Id}/update", ("price", world.Catalog.MaxMonthly.Id));
        var flowRefused = await Assert.ThrowsAsync<StripeException>(() => SessionAsync(world, new SessionFlowDataOptions
        {
            Type = "subscription_cancel",
            SubscriptionCancel = new SessionFlowDataSubscriptionCancelOptions { Subscription = world.Subscription.Id },
        }));
        var missing = await GetAsync(world.Browser, "/p/session/bps_missing");

        Assert.DoesNotContain("Cancel subscription", home.Body);
        Assert.DoesNotContain("update-payment-method", home.Body);
        Assert.DoesNotContain("Invoice history", home.Body);
        Assert.Equal(HttpStatusCode.Forbidden, cancelPage.Status);
        Assert.Contains("does not enable subscription_cancel", cancelPage.Body);
        Assert.Equal(HttpStatusCode.Forbidden, cancelPost.Status);
        Assert.Equal(HttpStatusCode.Forbidden, cardPost.Status);
        Assert.Contains("does not enable payment_method_update", cardPost.Body);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.Status);
        Assert.Equal(("flow_data[type]", 400), (flowRefused.StripeError.Param, (int)flowRefused.HttpStatusCode));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(before + 2, await EventCountAsync(world.Stripe)); // only the other customer and its session were created
        Assert.False((await world.Stripe.V1.Subscriptions.GetAsync(world.Subscription.Id, cancellationToken: _ct)).CancelAtPeriodEnd);
    }
}
