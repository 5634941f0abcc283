using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Stripe;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;
using PortalConfigurationCreateOptions = Stripe.BillingPortal.ConfigurationCreateOptions;
using PortalSessionCreateOptions = Stripe.BillingPortal.SessionCreateOptions;

namespace Yapit.Tests.Emulator.Browser;

/// <summary>A browser runs alone: it is heavy for the two cores the suite shares.</summary>
[CollectionDefinition(nameof(BrowserCollection), DisableParallelization = true)]
public sealed class BrowserCollection;

/// <summary>
/// Headless Debian chromium (never a downloaded browser) driven by Microsoft.Playwright, whose own node driver ships
/// in the package and is copied next to the tests. One browser for the class; a fresh context per test.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!System.IO.File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does).");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

/// <summary>The hosted Checkout and portal pages walked in a real browser, from the first render to the app's URL.</summary>
[Collection(nameof(BrowserCollection))]
[Trait("Category", "Browser")]
public sealed class HostedPagesBrowserTests(StripeEmulatorFixture emulator, ChromiumFixture chromium)
    : IClassFixture<StripeEmulatorFixture>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string App = "https://yapit.example";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }

    /// <summary>A page whose requests to the app's host are answered locally (there is no network), so redirects to it can land.</summary>
    private async Task<IPage> PageAsync()
    {
        _context = await chromium.Browser.NewContextAsync();
        _context.SetDefaultTimeout(15_000);
        await _context.RouteAsync($"{App}/**", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<!doctype html><title>Yapit</title><h1>Back in Yapit</h1>" }));
        return await _context.NewPageAsync();
    }

    [Fact]
    public async Task The_checkout_page_takes_a_promotion_code_and_a_card_and_lands_on_success_url_with_the_session_id()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var coupon = await stripe.V1.Coupons.CreateAsync(new CouponCreateOptions { PercentOff = 20, Duration = "forever" }, cancellationToken: _ct);
        await stripe.V1.PromotionCodes.CreateAsync(new PromotionCodeCreateOptions
        {
            Code = "SPRING",
            Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = coupon.Id },
        }, cancellationToken: _ct);
        var session = await stripe.V1.Checkout.Sessions.CreateAsync(new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "subscription",
            LineItems = [new Stripe.Checkout.SessionLineItemOptions { Price = catalog.PlusMonthly.Id, Quantity = 1 }],
            SuccessUrl = App + "/billing/success?session={CHECKOUT_SESSION_ID}",
            CancelUrl = App + "/billing/cancel",
            CustomerEmail = "ada@example.com",
            AllowPromotionCodes = true,
        }, cancellationToken: _ct);
        var page = await PageAsync();

        await page.GotoAsync(session.Url);
        await Assertions.Expect(page.Locator("#email")).ToHaveTextAsync("ada@example.com");
        await Assertions.Expect(page.Locator("#total")).ToHaveTextAsync("$9.00");
        await page.FillAsync("#promotion_code", "spring");
        await page.ClickAsync("#apply");
        await Assertions.Expect(page.Locator("#discount")).ToHaveTextAsync("−$1.80");
        await Assertions.Expect(page.Locator("#total")).ToHaveTextAsync("$7.20");
        await page.FillAsync("#name", "Ada Lovelace");
        await page.SelectOptionAsync("#card", "pm_card_mastercard");
        await page.ClickAsync("#pay");
        await page.WaitForURLAsync($"{App}/billing/success?session={session.Id}");

        Assert.Equal("Back in Yapit", await page.TextContentAsync("h1"));
        var completed = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, new Stripe.Checkout.SessionGetOptions { Expand = ["subscription.latest_invoice", "customer"] }, cancellationToken: _ct);
        Assert.Equal(("complete", "paid", 720L), (completed.Status, completed.PaymentStatus, completed.AmountTotal));
        Assert.Equal(("active", 720L), (completed.Subscription.Status, completed.Subscription.LatestInvoice.AmountPaid));
        Assert.Equal("Ada Lovelace", completed.Customer.Name);
        Assert.Equal("4444", (await stripe.V1.PaymentMethods.GetAsync(completed.Subscription.DefaultPaymentMethodId, cancellationToken: _ct)).Card.Last4);

        // The portal shows the card the new subscription pays with.
        await stripe.V1.BillingPortal.Configurations.CreateAsync(new PortalConfigurationCreateOptions
        {
            Features = new() { PaymentMethodUpdate = new() { Enabled = true } },
        }, cancellationToken: _ct);
        var portal = await stripe.V1.BillingPortal.Sessions.CreateAsync(new PortalSessionCreateOptions { Customer = completed.CustomerId, ReturnUrl = App + "/account" }, cancellationToken: _ct);
        await page.GotoAsync(portal.Url);
        await Assertions.Expect(page.Locator("#payment-method")).ToContainTextAsync("Mastercard •••• 4444");
        await Assertions.Expect(page.Locator($"#subscription-{completed.SubscriptionId} .payment-method")).ToHaveTextAsync("Mastercard •••• 4444");
    }

    [Fact]
    public async Task The_portal_page_switches_plan_then_cancels_and_returns_to_the_app()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var customer = await StripeNetHarness.CustomerWithCardAsync(stripe, "pm_card_visa", _ct);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.PlusMonthly.Id }],
        }, cancellationToken: _ct);
        await stripe.V1.BillingPortal.Configurations.CreateAsync(new PortalConfigurationCreateOptions
        {
            Features = new()
            {
                InvoiceHistory = new() { Enabled = true },
                SubscriptionCancel = new()
                {
                    Enabled = true,
                    Mode = "at_period_end",
                    CancellationReason = new() { Enabled = true, Options = ["too_expensive", "unused"] },
                },
                SubscriptionUpdate = new()
                {
                    Enabled = true,
                    DefaultAllowedUpdates = ["price"],
                    ProrationBehavior = "always_invoice",
                    Products =
                    [
                        new() { Product = catalog.PlusMonthly.ProductId, Prices = [catalog.PlusMonthly.Id] },
                        new() { Product = catalog.MaxMonthly.ProductId, Prices = [catalog.MaxMonthly.Id] },
                    ],
                },
            },
        }, cancellationToken: _ct);
        var session = await stripe.V1.BillingPortal.Sessions.CreateAsync(new PortalSessionCreateOptions { Customer = customer.Id, ReturnUrl = App + "/account" }, cancellationToken: _ct);
        var page = await PageAsync();
        var card = page.Locator($"#subscription-{subscription.Id}");

        await page.GotoAsync(session.Url);
        await Assertions.Expect(card.Locator(".plan")).ToHaveTextAsync("Yapit Plus");
        await card.Locator(".update-plan").ClickAsync();
        await page.CheckAsync($"input[name=price][value={catalog.MaxMonthly.Id}]");
        await page.ClickAsync("#continue");
        await Assertions.Expect(page.Locator("#due_today")).ToHaveTextAsync(new Regex(@"^\$\d+\.\d\d$"));
        await page.ClickAsync("#confirm");
        await Assertions.Expect(card.Locator(".plan")).ToHaveTextAsync("Yapit Max");
        await Assertions.Expect(page.Locator("#invoices tr.invoice")).ToHaveCountAsync(2);

        await card.Locator(".cancel-subscription").ClickAsync();
        await page.SelectOptionAsync("#feedback", "too_expensive");
        await page.FillAsync("#comment", "Clicked through in a browser");
        await page.ClickAsync("#confirm-cancel");
        await Assertions.Expect(card.Locator(".canceling")).ToContainTextAsync("Cancels on");
        await page.ClickAsync("#return");
        await page.WaitForURLAsync(App + "/account");

        var after = await stripe.V1.Subscriptions.GetAsync(subscription.Id, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: _ct);
        Assert.Equal((catalog.MaxMonthly.Id, "active", true), (after.Items.Data[0].Price.Id, after.Status, after.CancelAtPeriodEnd));
        Assert.Equal(("too_expensive", "Clicked through in a browser"), (after.CancellationDetails.Feedback, after.CancellationDetails.Comment));
        Assert.Equal(("subscription_update", "paid"), (after.LatestInvoice.BillingReason, after.LatestInvoice.Status));
        Assert.True(after.LatestInvoice.AmountPaid > 0);
    }
}
