using Stripe;
using Stripe.BillingPortal;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Yapit.StripeEmulator.Store;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Customer portal configurations (the whole features tree) and sessions (a link into the emulator's portal page).</summary>
[Trait("Category", "Integration")]
public sealed class BillingPortalTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private string _basicMonthly = string.Empty;
    private string _plusMonthly = string.Empty;

    public async ValueTask InitializeAsync()
    {
        await emulator.ResetAsync(TestContext.Current.CancellationToken);
        var stripe = emulator.CreateClient();
        foreach (var id in new[] { "basic", "plus" })
        {
            await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = id, Name = id }, cancellationToken: TestContext.Current.CancellationToken);
        }
        _basicMonthly = (await stripe.V1.Prices.CreateAsync(Monthly("basic", 900), cancellationToken: TestContext.Current.CancellationToken)).Id;
        _plusMonthly = (await stripe.V1.Prices.CreateAsync(Monthly("plus", 1900), cancellationToken: TestContext.Current.CancellationToken)).Id;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static PriceCreateOptions Monthly(string product, long amount) =>
        new() { Product = product, Currency = "usd", UnitAmount = amount, Recurring = new PriceRecurringOptions { Interval = "month" } };

    private ConfigurationCreateOptions Full() => new()
    {
        BusinessProfile = new ConfigurationBusinessProfileOptions { Headline = "Yapit", PrivacyPolicyUrl = "https://yapit.example/privacy" },
        DefaultReturnUrl = "https://yapit.example/account",
        Metadata = new() { ["key"] = "default" },
        Features = new ConfigurationFeaturesOptions
        {
            CustomerUpdate = new ConfigurationFeaturesCustomerUpdateOptions { Enabled = true, AllowedUpdates = ["email", "name"] },
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
                ProrationBehavior = "create_prorations",
                Products =
                [
                    new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = "basic", Prices = [_basicMonthly] },
                    new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = "plus", Prices = [_plusMonthly] },
                ],
                ScheduleAtPeriodEnd = new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndOptions { Conditions = [new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndConditionOptions { Type = "decreasing_item_amount" }] },
            },
        },
    };

    [Fact]
    public async Task A_configuration_keeps_the_whole_features_tree_and_returns_products_only_when_expanded()
    {
        var stripe = emulator.CreateClient();

        var created = await stripe.V1.BillingPortal.Configurations.CreateAsync(Full(), cancellationToken: _ct);
        var expanded = await stripe.V1.BillingPortal.Configurations.GetAsync(created.Id, new ConfigurationGetOptions { Expand = ["features.subscription_update.products"] }, cancellationToken: _ct);
        var second = await stripe.V1.BillingPortal.Configurations.CreateAsync(new ConfigurationCreateOptions { Features = new ConfigurationFeaturesOptions { InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = true } } }, cancellationToken: _ct);

        Assert.Matches("^bpc_[A-Za-z0-9]{24}$", created.Id);
        Assert.Equal(("billing_portal.configuration", true, true), (created.Object, created.Active, created.IsDefault));
        Assert.Equal(("Yapit", "https://yapit.example/account"), (created.BusinessProfile.Headline, created.DefaultReturnUrl));
        var features = created.Features;
        Assert.Equal(["email", "name"], features.CustomerUpdate!.AllowedUpdates!);
        Assert.Equal(("at_period_end", "none"), (features.SubscriptionCancel!.Mode, features.SubscriptionCancel.ProrationBehavior));
        Assert.Equal(["too_expensive", "unused"], features.SubscriptionCancel.CancellationReason!.Options!);
        Assert.False(features.SubscriptionPause!.Enabled);
        Assert.Equal(("create_prorations", "end_trial"), (features.SubscriptionUpdate!.ProrationBehavior, features.SubscriptionUpdate.TrialUpdateBehavior));
        Assert.Null(features.SubscriptionUpdate.Products);
        Assert.Equal("decreasing_item_amount", Assert.Single(features.SubscriptionUpdate.ScheduleAtPeriodEnd!.Conditions!).Type);
        var products = expanded.Features.SubscriptionUpdate!.Products!;
        Assert.Equal(["basic", "plus"], products.Select(p => p.Product));
        Assert.Equal([_basicMonthly], products[0].Prices);
        Assert.False(products[0].AdjustableQuantity!.Enabled);
        Assert.False(second.IsDefault);
    }

    [Fact]
    public async Task An_update_merges_nested_features_clears_arrays_and_emits_the_old_values()
    {
        var stripe = emulator.CreateClient();
        var created = await stripe.V1.BillingPortal.Configurations.CreateAsync(Full(), cancellationToken: _ct);

        var updated = await stripe.V1.BillingPortal.Configurations.UpdateAsync(created.Id, new ConfigurationUpdateOptions
        {
            Features = new ConfigurationFeaturesOptions
            {
                SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = false, Mode = "immediately" },
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions { Enabled = true, ScheduleAtPeriodEnd = new ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndOptions { Conditions = [] } },
                CustomerUpdate = new ConfigurationFeaturesCustomerUpdateOptions { Enabled = true, AllowedUpdates = [] },
            },
            DefaultReturnUrl = string.Empty,
        }, cancellationToken: _ct);
        var change = Assert.Single((await stripe.V1.Events.ListAsync(new EventListOptions { Type = "billing_portal.configuration.updated" }, cancellationToken: _ct)).Data);

        Assert.False(updated.Features.SubscriptionCancel!.Enabled);
        Assert.Equal("immediately", updated.Features.SubscriptionCancel.Mode);
        Assert.True(updated.Features.SubscriptionCancel.CancellationReason!.Enabled);
        Assert.Empty(updated.Features.SubscriptionUpdate!.ScheduleAtPeriodEnd!.Conditions!);
        Assert.Equal(["price"], updated.Features.SubscriptionUpdate.DefaultAllowedUpdates!);
        Assert.Empty(updated.Features.CustomerUpdate!.AllowedUpdates!);
        Assert.Null(updated.DefaultReturnUrl);
        var previous = change.PreviousAttributesJson!.Value;
        Assert.True(previous.GetProperty("features").GetProperty("subscription_cancel").GetProperty("enabled").GetBoolean());
        Assert.Equal("https://yapit.example/account", previous.GetProperty("default_return_url").GetString());
        Assert.False(change.RawJsonElement!.Value.GetProperty("data").GetProperty("object").GetProperty("features").GetProperty("subscription_update").TryGetProperty("products", out _));
    }

    [Fact]
    public async Task Products_offered_must_exist_and_prices_must_be_recurring_prices_of_them()
    {
        var stripe = emulator.CreateClient();
        var oneTime = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = "plus", Currency = "usd", UnitAmount = 500 }, cancellationToken: _ct);
        ConfigurationCreateOptions With(params ConfigurationFeaturesSubscriptionUpdateProductOptions[] products) => new()
        {
            Features = new ConfigurationFeaturesOptions { SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions { Enabled = true, DefaultAllowedUpdates = ["price"], Products = [.. products] } },
        };

        var missing = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Configurations.CreateAsync(With(new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = "nope", Prices = [_basicMonthly] }), cancellationToken: _ct));
        var foreign = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Configurations.CreateAsync(With(new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = "basic", Prices = [_plusMonthly] }), cancellationToken: _ct));
        var notRecurring = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Configurations.CreateAsync(With(new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = "plus", Prices = [oneTime.Id] }), cancellationToken: _ct));
        var none = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Configurations.CreateAsync(With(), cancellationToken: _ct));

        Assert.Equal(("resource_missing", "features[subscription_update][products][0][product]"), (missing.Code, missing.StripeError.Param));
        Assert.Equal((400, "features[subscription_update][products][0][prices][0]"), ((int)foreign.HttpStatusCode, foreign.StripeError.Param));
        Assert.Contains("not a recurring price", notRecurring.Message, StringComparison.Ordinal);
        Assert.Equal(("parameter_missing", "features[subscription_update][products]"), (none.Code, none.StripeError.Param));
    }

    [Fact]
    public async Task Configurations_are_listed_by_default_and_active_and_the_default_stays_active()
    {
        var stripe = emulator.CreateClient();
        var first = await stripe.V1.BillingPortal.Configurations.CreateAsync(Full(), cancellationToken: _ct);
        var second = await stripe.V1.BillingPortal.Configurations.CreateAsync(new ConfigurationCreateOptions { Features = new ConfigurationFeaturesOptions { InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = false } } }, cancellationToken: _ct);
        await stripe.V1.BillingPortal.Configurations.UpdateAsync(second.Id, new ConfigurationUpdateOptions { Active = false }, cancellationToken: _ct);

        var defaults = await stripe.V1.BillingPortal.Configurations.ListAsync(new ConfigurationListOptions { IsDefault = true }, cancellationToken: _ct);
        var inactive = await stripe.V1.BillingPortal.Configurations.ListAsync(new ConfigurationListOptions { Active = false }, cancellationToken: _ct);
        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Configurations.UpdateAsync(first.Id, new ConfigurationUpdateOptions { Active = false }, cancellationToken: _ct));
        using var http = emulator.CreateHttpClient();
        var listExpanded = await http.StripeGetAsync("/v1/billing_portal/configurations", "is_default=true&expand[]=data.features.subscription_update.products");

        Assert.Equal([first.Id], defaults.Data.Select(c => c.Id));
        Assert.Equal([second.Id], inactive.Data.Select(c => c.Id));
        Assert.Equal(("active", 400), (refused.StripeError.Param, (int)refused.HttpStatusCode));
        Assert.Equal(2, listExpanded.Body.GetProperty("data")[0].GetProperty("features").GetProperty("subscription_update").GetProperty("products").GetArrayLength());
    }

    [Fact]
    public async Task A_session_links_a_customer_into_the_emulators_portal_page()
    {
        var stripe = emulator.CreateClient();
        SeedCustomer("cus_portal");
        var configuration = await stripe.V1.BillingPortal.Configurations.CreateAsync(Full(), cancellationToken: _ct);

        var session = await stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions { Customer = "cus_portal", Locale = "de" }, cancellationToken: _ct);
        using var browser = emulator.CreateHttpClient(authenticated: false);
        var page = await browser.GetStringAsync(session.Url, _ct);
        var created = Assert.Single((await stripe.V1.Events.ListAsync(new EventListOptions { Type = "billing_portal.session.created" }, cancellationToken: _ct)).Data);

        Assert.Matches("^bps_[A-Za-z0-9]{24}$", session.Id);
        Assert.Equal((configuration.Id, "cus_portal", "de", "https://yapit.example/account"), (session.ConfigurationId, session.Customer, session.Locale, session.ReturnUrl));
        Assert.StartsWith(emulator.BaseAddress.ToString(), session.Url, StringComparison.Ordinal);
        Assert.Contains("cus_portal", page, StringComparison.Ordinal);
        Assert.Contains("href=\"https://yapit.example/account\"", page, StringComparison.Ordinal);
        Assert.Equal(session.Id, created.ObjectId);
    }

    [Fact]
    public async Task A_session_needs_an_existing_customer_a_configuration_and_existing_subscriptions_in_its_flow()
    {
        var stripe = emulator.CreateClient();
        SeedCustomer("cus_flow");

        var noConfiguration = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions { Customer = "cus_flow" }, cancellationToken: _ct));
        await stripe.V1.BillingPortal.Configurations.CreateAsync(Full(), cancellationToken: _ct);
        var noCustomer = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions { Customer = "cus_nobody" }, cancellationToken: _ct));
        var noSubscription = await Assert.ThrowsAsync<StripeException>(() => stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions
        {
            Customer = "cus_flow",
            FlowData = new SessionFlowDataOptions { Type = "subscription_update", SubscriptionUpdate = new SessionFlowDataSubscriptionUpdateOptions { Subscription = "sub_missing" } },
        }, cancellationToken: _ct));
        var paymentMethod = await stripe.V1.BillingPortal.Sessions.CreateAsync(new SessionCreateOptions
        {
            Customer = "cus_flow",
            ReturnUrl = "https://yapit.example/back",
            FlowData = new SessionFlowDataOptions { Type = "payment_method_update" },
        }, cancellationToken: _ct);

        Assert.Equal(("configuration", 400), (noConfiguration.StripeError.Param, (int)noConfiguration.HttpStatusCode));
        Assert.Equal(("resource_missing", "customer"), (noCustomer.Code, noCustomer.StripeError.Param));
        Assert.Equal(("resource_missing", "flow_data[subscription_update][subscription]"), (noSubscription.Code, noSubscription.StripeError.Param));
        Assert.Equal("https://yapit.example/back", paymentMethod.ReturnUrl);
    }

    /// <summary>Customers get their API in part 2 of the emulator; until then a test puts one in the store directly.</summary>
    private void SeedCustomer(string id) =>
        emulator.Services.GetRequiredService<StripeStore>().Write(RequestInfo.None, tx =>
        {
            tx.Insert(new JsonObject { ["id"] = id, ["object"] = "customer", ["created"] = tx.NowUnix, ["livemode"] = false });
            return id;
        });
}
