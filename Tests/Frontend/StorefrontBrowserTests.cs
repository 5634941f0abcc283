using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Yapit.Tests.Emulator.Browser;
using Yapit.Tests.Orchestration;

namespace Yapit.Tests.Frontend;

/// <summary>The real AppHost (started once for the class), with the storefront on a free port that the gateway's AppOrigin follows.</summary>
public sealed class StorefrontStack : IAsyncLifetime
{
    public string DataDirectory { get; } = AppHostFactory.NewDataDirectory();

    public DistributedApplication App { get; private set; } = null!;

    public string Storefront { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await AppHostFactory.CreateAsync(DataDirectory, output: null);
        App = await builder.BuildAsync(ct);
        await App.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        foreach (var resource in new[] { "gateway", "billing-worker", "storefront" })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        }
        Storefront = App.GetEndpoint("storefront", "http").ToString().TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>
/// The whole product through the storefront in headless chromium: the AppHost's gateway, worker, emulator (Checkout,
/// the portal, the invoice pages) and the storefront, with Stripe's webhooks between them. Assertions are on what the
/// pages show from the gateway's answers, never on how long the services take: where a webhook must land first, the
/// test reloads the page as a person would (the pages that wait for Checkout reload themselves).
/// </summary>
[Trait("Category", "Browser")]
[Collection(nameof(BrowserCollection))]
public sealed class StorefrontBrowserTests(StorefrontStack stack, ChromiumFixture chromium)
    : IClassFixture<StorefrontStack>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private IBrowserContext? _context;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }

    private async Task<IPage> SignInAsync(string userId, ViewportSize? viewport = null)
    {
        _context = await chromium.Browser.NewContextAsync(new() { ViewportSize = viewport });
        // Webhooks and the worker share two cores with the browser and the test: generous, never a timing assertion.
        _context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        var page = await _context.NewPageAsync();
        await page.GotoAsync($"{stack.Storefront}/signin");
        await page.FillAsync("#user-id", userId);
        await page.ClickAsync("#sign-in-submit");
        await Assertions.Expect(page.Locator("#signed-in-as")).ToContainTextAsync(userId);
        return page;
    }

    /// <summary>Stripe's Checkout page: a name and a test card, then back to the storefront's return page.</summary>
    private async Task PayOnCheckoutAsync(IPage page, string card, string returnPath)
    {
        await page.WaitForURLAsync(new Regex("/checkout/cs_"));
        await page.FillAsync("#name", "Ada Lovelace");
        await page.SelectOptionAsync("#card", card);
        await page.ClickAsync("#pay");
        await page.WaitForURLAsync(new Regex($"^{Regex.Escape(stack.Storefront + returnPath)}\\?checkout=success"));
    }

    /// <summary>Reloads (as a person would) until the page shows what the webhook's processing leads to.</summary>
    private static async Task ReloadUntilAsync(IPage page, string selector, string text)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var locator = page.Locator(selector);
            if (await locator.CountAsync() > 0 && (await locator.InnerTextAsync()).Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(500);
            await page.ReloadAsync();
        }
        Assert.Fail($"{selector} never showed '{text}'. The page says:\n{await page.InnerTextAsync("main")}");
    }

    [Fact]
    public async Task A_user_subscribes_upgrades_cancels_in_the_portal_and_buys_credits()
    {
        var page = await SignInAsync("user_" + Guid.NewGuid().ToString("N")[..8]);

        // Plans, then Checkout with a test card; back on /subscription?checkout=success, which waits for the webhook.
        await Assertions.Expect(page.Locator("#plan-plus .price")).ToContainTextAsync("€20.00");
        await Assertions.Expect(page.Locator("#plan-plus .trial")).ToHaveTextAsync("3-day free trial");
        await page.ClickAsync("#subscribe-plus");
        await PayOnCheckoutAsync(page, "pm_card_visa", "/subscription");
        await Assertions.Expect(page.Locator("#tier")).ToHaveTextAsync("Plus");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("trialing");
        await Assertions.Expect(page.Locator("#trial-end")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("#confirmed")).ToBeVisibleAsync();

        // Preview, then upgrade to Max: what was charged is what the preview said.
        await page.ClickAsync("#change-plan");
        await page.ClickAsync("#change-to-max");
        await Assertions.Expect(page.Locator("#classification")).ToHaveTextAsync("upgrade");
        var dueNow = await page.InnerTextAsync("#due-now");
        Assert.Matches(@"^€\d+\.\d\d$", dueNow);
        await page.ClickAsync("#confirm-change");
        await Assertions.Expect(page.Locator("#charged")).ToHaveTextAsync(dueNow);
        await ReloadUntilAsync(page, "#tier", "Max");

        // The portal: cancel at the end of the period, come back, see it canceling; then keep it after all.
        await page.ClickAsync("#manage-billing");
        await page.Locator(".cancel-subscription").First.ClickAsync();
        await page.SelectOptionAsync("#feedback", "too_expensive");
        await page.ClickAsync("#confirm-cancel");
        await page.ClickAsync("#return");
        await page.WaitForURLAsync($"{stack.Storefront}/subscription");
        await ReloadUntilAsync(page, "#canceling", "canceling");
        await page.ClickAsync("#reactivate");
        await Assertions.Expect(page.Locator("#canceling")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#cancel-at-period-end")).ToBeVisibleAsync();

        // A credit pack: Checkout in payment mode, back on /credits, which waits until the credits are granted.
        await page.GotoAsync($"{stack.Storefront}/usage");
        await Assertions.Expect(page.Locator("#purchased-tokens")).ToHaveTextAsync("0");
        await page.ClickAsync("#buy-yapit_tokens_5m_v1");
        await PayOnCheckoutAsync(page, "pm_card_visa", "/credits");
        await Assertions.Expect(page.Locator("#purchased-tokens")).ToHaveTextAsync("5,000,000");
        await Assertions.Expect(page.Locator("#confirmed")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_declined_card_shows_the_payment_problem_and_another_card_fixes_it()
    {
        var page = await SignInAsync("user_" + Guid.NewGuid().ToString("N")[..8]);
        await page.ClickAsync("#subscribe-max");
        await PayOnCheckoutAsync(page, "pm_card_visa", "/subscription");
        await Assertions.Expect(page.Locator("#tier")).ToHaveTextAsync("Max");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("active");

        // The card on file becomes one that every charge declines (changed in the portal).
        await page.ClickAsync("#manage-billing");
        await page.ClickAsync("#update-payment-method");
        await page.SelectOptionAsync("#card", "pm_card_chargeCustomerFail");
        await page.ClickAsync("#save-card");
        await page.ClickAsync("#return");
        await page.WaitForURLAsync($"{stack.Storefront}/subscription");

        // Monthly to yearly is charged at once: the charge is declined and the page says so, with the way out.
        await page.GotoAsync($"{stack.Storefront}/?interval=yearly");
        await page.ClickAsync("#change-to-max");
        var dueNow = await page.InnerTextAsync("#due-now");
        Assert.Matches(@"^€[1-9][\d,]*\.\d\d$", dueNow);
        await page.ClickAsync("#confirm-change");
        await Assertions.Expect(page.Locator("#change-payment-problem")).ToContainTextAsync($"The payment of {dueNow} did not go through");

        // The fix: another card in the portal's payment-method step, which pays the open invoice.
        await page.ClickAsync("#fix-change-payment");
        await page.SelectOptionAsync("#card", "pm_card_visa");
        await page.ClickAsync("#save-card");
        if (!page.Url.StartsWith(stack.Storefront, StringComparison.Ordinal))
        {
            await page.ClickAsync("#return");
        }
        await page.WaitForURLAsync(new Regex($"^{Regex.Escape(stack.Storefront)}/subscription"));
        await ReloadUntilAsync(page, "#interval", "yearly");
        await ReloadUntilAsync(page, "#payment-state", "up to date");
        await Assertions.Expect(page.Locator("#tier")).ToHaveTextAsync("Max");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("active");
    }

    [Fact]
    public async Task Each_plan_price_and_its_interval_stay_on_one_line()
    {
        // The README's screenshot size: "/ month" once wrapped under the amount at this width.
        var page = await SignInAsync("ada", new ViewportSize { Width = 1200, Height = 820 });
        foreach (var tier in new[] { "basic", "plus", "max" })
        {
            var price = page.Locator($"#plan-{tier} .price");
            await Assertions.Expect(price).ToContainTextAsync("/ month");
            var lines = await price.EvaluateAsync<double>("e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)");
            Assert.True(lines < 1.5, $"{tier}'s price takes {lines:0.0} lines: '{await price.InnerTextAsync()}'");
        }
        // YAPIT_SCREENSHOTS=<dir> keeps the page as docs/storefront-plans.png shows it.
        if (Environment.GetEnvironmentVariable("YAPIT_SCREENSHOTS") is { Length: > 0 } directory)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "storefront-plans.png") });
        }
    }

    [Fact]
    public async Task A_payment_not_confirmed_in_time_is_said_in_words_with_a_reload_instead_of_waiting_forever()
    {
        // A user back from Checkout whose webhook has not arrived: no subscription and no credits yet.
        var page = await SignInAsync("user_" + Guid.NewGuid().ToString("N")[..8]);
        var refresh = page.Locator("meta[http-equiv='refresh']");

        // Just back: the page says it is confirming and reloads itself, remembering when it began.
        await page.GotoAsync($"{stack.Storefront}/subscription?checkout=success&session_id=cs_late");
        await Assertions.Expect(page.Locator("#confirming")).ToBeVisibleAsync();
        await Assertions.Expect(refresh).ToHaveAttributeAsync("content", new Regex(@"^2;url=/subscription\?checkout=success&session_id=cs_late&since=\d+$"));

        // Past the timeout (30 s): no more reloading, the words, and a reload that begins a new wait.
        var longAgo = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds();
        await page.GotoAsync($"{stack.Storefront}/subscription?checkout=success&session_id=cs_late&since={longAgo}");
        await Assertions.Expect(page.Locator("#still-confirming")).ToContainTextAsync("Your payment is still being confirmed");
        await Assertions.Expect(page.Locator("#confirming")).ToHaveCountAsync(0);
        await Assertions.Expect(refresh).ToHaveCountAsync(0);
        await page.ClickAsync("#reload");
        await Assertions.Expect(page.Locator("#confirming")).ToBeVisibleAsync();

        // The same on /credits for a pack whose grant has not arrived (the page remembers the balance before Checkout).
        await _context!.AddCookiesAsync([new Cookie { Name = "storefront_pending_pack", Value = "tokens:0", Url = stack.Storefront }]);
        await page.GotoAsync($"{stack.Storefront}/credits?checkout=success&since={longAgo}");
        await Assertions.Expect(page.Locator("#still-confirming")).ToContainTextAsync("Your payment is still being confirmed");
        await Assertions.Expect(refresh).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_gateway_lets_the_storefront_origin_call_user_endpoints_with_no_cors_setting_from_the_app_host()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = stack.App.GetEndpoint("gateway", "http") };
        async Task<HttpResponseMessage> PreflightAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", stack.Storefront);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            return await client.SendAsync(request, TestContext.Current.CancellationToken);
        }

        using var user = await PreflightAsync("/v1/billing/checkout");
        using var admin = await PreflightAsync("/v1/admin/events/evt_1/replay");

        Assert.Equal(stack.Storefront, Assert.Single(user.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(admin.Headers.Contains("Access-Control-Allow-Origin"), "the admin API stays closed to browsers");
    }
}
