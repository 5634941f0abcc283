using Stripe;
using Yapit.StripeSetup.Cli;
using Yapit.Tests.Infrastructure;
using File = System.IO.File;

namespace Yapit.Tests.Setup;

/// <summary>stripe-setup against the emulator and real Postgres: the catalog's whole life.</summary>
[Trait("Category", "Integration")]
public sealed class StripeSetupTests(StripeEmulatorFixture stripe, PostgresServerFixture postgres) : IClassFixture<StripeEmulatorFixture>
{
    private async Task<SetupHarness> FreshAsync(string? catalog = null)
    {
        await stripe.ResetAsync(TestContext.Current.CancellationToken);
        return new SetupHarness(stripe, await postgres.CreateDatabaseAsync("setup", migrated: false), catalog ?? SetupHarness.DefaultCatalog);
    }

    private async Task<long> WritesAsync() => (await stripe.GetStatsAsync(TestContext.Current.CancellationToken)).Requests.Where(r => r.Method != "GET").Sum(r => r.Count);

    [Fact]
    public async Task The_first_apply_creates_everything_and_writes_the_plans_table()
    {
        var setup = await FreshAsync();

        var result = await setup.ApplyAsync();

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.StartsWith("Stripe catalog plan: TEST mode, environment 'local'", result.Output);
        Assert.Contains("Plan: 20 to create, 0 to update, 0 to deactivate, 0 to replace", result.Output);
        var client = stripe.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(4, (await client.V1.Products.ListAsync(new ProductListOptions { Limit = 100 }, cancellationToken: ct)).Data.Count);
        var prices = (await client.V1.Prices.ListAsync(new PriceListOptions { Limit = 100 }, cancellationToken: ct)).Data;
        Assert.Equal(8, prices.Count);
        Assert.Equal(3, (await client.V1.Coupons.ListAsync(cancellationToken: ct)).Data.Count);
        var codes = (await client.V1.PromotionCodes.ListAsync(cancellationToken: ct)).Data;
        Assert.Equal([("BETA", true), ("LAUNCH", false), ("LAUNCHPLUS", true)], codes.OrderBy(c => c.Code).Select(c => (c.Code, c.Active)));
        Assert.Equal(2, (await client.V1.BillingPortal.Configurations.ListAsync(cancellationToken: ct)).Data.Count);

        var basicMonthly = prices.Single(p => p.LookupKey == "yapit_basic_monthly_v2");
        Assert.Equal(basicMonthly.Id, await setup.ScalarAsync<string>("SELECT monthly_price_id FROM billing.plans WHERE tier = 'basic'"));
        Assert.Equal(3, await setup.ScalarAsync<int>("SELECT trial_days FROM billing.plans WHERE tier = 'plus'"));
        Assert.Equal(0, await setup.ScalarAsync<int>("SELECT trial_days FROM billing.plans WHERE tier = 'max'"));
        Assert.Equal(4L, await setup.ScalarAsync<long>("SELECT count(*) FROM billing.plans WHERE active"));
        Assert.True(await setup.ScalarAsync<bool>("SELECT monthly_available AND yearly_available FROM billing.plans WHERE tier = 'max'"));
        Assert.Null(await setup.ScalarAsync<long?>("SELECT period_limit FROM billing.plan_limits WHERE tier = 'basic' AND meter = 'kokoro_chars'"));
        Assert.Equal(1_000_000L, await setup.ScalarAsync<long>("SELECT period_limit FROM billing.plan_limits WHERE tier = 'plus' AND meter = 'voice_chars'"));
        Assert.Equal(10_000_000L, await setup.ScalarAsync<long>("SELECT rollover_cap FROM billing.meters WHERE name = 'tokens'"));
        Assert.Equal(2L, await setup.ScalarAsync<long>("SELECT count(*) FROM billing.credit_packs WHERE active AND stripe_price_id IS NOT NULL"));
    }

    [Fact]
    public async Task A_second_apply_writes_nothing_and_stays_within_the_call_budget()
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);
        await stripe.ResetStatsAsync(TestContext.Current.CancellationToken);

        var result = await setup.ApplyAsync();

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("No changes.", result.Output);
        Assert.Contains("0 database row(s) to write", result.Output);
        var stats = await stripe.GetStatsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, stats.Requests.Where(r => r.Method != "GET").Sum(r => r.Count));
        // One list call per resource type: products, prices, coupons, promotion codes, portal configurations, webhook endpoints.
        Assert.Equal(6, stats.Total);
        Assert.All(stats.Requests, r => Assert.Equal(1, r.Count));
    }

    [Fact]
    public async Task Trial_days_three_to_five_to_seven_change_only_the_plans_table()
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);

        foreach (var days in new[] { 5, 7 })
        {
            await stripe.ResetStatsAsync(TestContext.Current.CancellationToken);
            setup.CatalogPath = SetupHarness.CatalogWith(("    trial_days: 3\n    limits: { tokens: 5_000_000", $"    trial_days: {days}\n    limits: {{ tokens: 5_000_000"));

            var plan = await setup.PlanAsync();
            var result = await setup.ApplyAsync();

            Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
            Assert.Contains("No changes.", plan.Output);
            Assert.Contains($"trial_days: {(days == 5 ? 3 : 5)} -> {days}", plan.Output);
            Assert.Equal(0, await WritesAsync());
            Assert.Equal(days, await setup.ScalarAsync<int>("SELECT trial_days FROM billing.plans WHERE tier = 'basic'"));
        }
    }

    [Fact]
    public async Task Promotion_codes_are_deactivated_and_reactivated_with_one_update_each()
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);
        var ct = TestContext.Current.CancellationToken;

        await stripe.ResetStatsAsync(ct);
        setup.CatalogPath = SetupHarness.CatalogWith(("  - code: BETA\n    coupon: beta_100\n    max_redemptions: 100", "  - code: BETA\n    coupon: beta_100\n    max_redemptions: 100\n    active: false"));
        var off = await setup.ApplyAsync();
        Assert.True(off.ExitCode == ExitCodes.Success, off.ToString());
        Assert.Contains("x promotion_code BETA", off.Output);
        Assert.Equal(1, (await stripe.GetStatsAsync(ct)).Count("POST", "/v1/promotion_codes/{id}"));
        Assert.Equal(1, await WritesAsync());

        await stripe.ResetStatsAsync(ct);
        setup.CatalogPath = SetupHarness.DefaultCatalog;
        var on = await setup.ApplyAsync();
        Assert.Contains("~ promotion_code BETA", on.Output);
        Assert.Contains("active: false -> true", on.Output);
        Assert.Equal(1, await WritesAsync());
        var beta = (await stripe.CreateClient().V1.PromotionCodes.ListAsync(new PromotionCodeListOptions { Code = "BETA" }, cancellationToken: ct)).Data.Single();
        Assert.True(beta.Active);
    }

    [Theory]
    [InlineData("        amount: 2000\n        interval: month", "        amount: 2500\n        interval: month", "unit_amount is 2000 in Stripe, 2500 in the catalog")]
    [InlineData("currency: eur", "currency: usd", "currency is eur in Stripe, usd in the catalog")]
    [InlineData("    amount_off: 600", "    amount_off: 700", "amount_off is 600 in Stripe, 700 in the catalog")]
    [InlineData("  - code: BETA\n    coupon: beta_100\n    max_redemptions: 100", "  - code: BETA\n    coupon: beta_100\n    max_redemptions: 200", "max_redemptions is 100 in Stripe, 200 in the catalog")]
    public async Task An_immutable_change_is_refused_before_anything_is_written(string find, string replace, string message)
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);
        await stripe.ResetStatsAsync(TestContext.Current.CancellationToken);
        // A harmless mutable change rides along: it must not be written either.
        setup.CatalogPath = SetupHarness.CatalogWith((find, replace), ("name: Yapit Max", "name: Yapit Max Plus"), ("    trial_days: 0 # high-cost tier: no trial", "    trial_days: 1"));

        var result = await setup.ApplyAsync();

        Assert.Equal(ExitCodes.ImmutableDrift, result.ExitCode);
        Assert.Contains(message, result.Output);
        Assert.Contains("fix:", result.Output);
        Assert.Contains("nothing was written", result.Errors);
        Assert.Equal(0, await WritesAsync());
        Assert.Equal(0, await setup.ScalarAsync<int>("SELECT trial_days FROM billing.plans WHERE tier = 'max'"));
    }

    [Fact]
    public async Task With_replace_a_changed_price_gets_a_new_price_that_takes_the_lookup_key_over()
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);
        var ct = TestContext.Current.CancellationToken;
        var client = stripe.CreateClient();
        var old = (await client.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_plus_monthly_v2"] }, cancellationToken: ct)).Data.Single();
        setup.CatalogPath = SetupHarness.CatalogWith(("        amount: 2000\n        interval: month", "        amount: 2500\n        interval: month"));

        var result = await setup.ApplyAsync("--replace");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains($"-/+ price yapit_plus_monthly_v2 ({old.Id})", result.Output);
        var current = (await client.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["yapit_plus_monthly_v2"] }, cancellationToken: ct)).Data.Single();
        Assert.NotEqual(old.Id, current.Id);
        Assert.Equal((2500L, true), (current.UnitAmount, current.Active));
        var retired = await client.V1.Prices.GetAsync(old.Id, cancellationToken: ct);
        Assert.Equal((false, (string?)null), (retired.Active, retired.LookupKey));
        Assert.Equal(current.Id, await setup.ScalarAsync<string>("SELECT monthly_price_id FROM billing.plans WHERE tier = 'plus'"));
        var again = await setup.PlanAsync();
        Assert.True(again.Output.Contains("No changes.", StringComparison.Ordinal), again.ToString());
    }

    [Fact]
    public async Task A_dashboard_edit_is_put_back_and_an_unmanaged_product_only_reported()
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);
        var ct = TestContext.Current.CancellationToken;
        var client = stripe.CreateClient();
        await client.V1.Products.UpdateAsync("yapit_plus", new ProductUpdateOptions { Name = "Plus (edited in the Dashboard)", Metadata = new() { ["note"] = "x" } }, cancellationToken: ct);
        await client.V1.Products.CreateAsync(new ProductCreateOptions { Id = "hand_made", Name = "Made by hand" }, cancellationToken: ct);

        var result = await setup.ApplyAsync();

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("~ product yapit_plus", result.Output);
        Assert.Contains("name: \"Plus (edited in the Dashboard)\" -> \"Yapit Plus\"", result.Output);
        Assert.Contains("product hand_made \"Made by hand\"", result.Output);
        var plus = await client.V1.Products.GetAsync("yapit_plus", cancellationToken: ct);
        Assert.Equal("Yapit Plus", plus.Name);
        Assert.False(plus.Metadata.ContainsKey("note"));
        Assert.True((await client.V1.Products.GetAsync("hand_made", cancellationToken: ct)).Active);
    }

    [Fact]
    public async Task A_managed_product_removed_from_the_catalog_is_deactivated_with_its_prices()
    {
        var setup = await FreshAsync();
        Assert.Equal(ExitCodes.Success, (await setup.ApplyAsync()).ExitCode);
        var ct = TestContext.Current.CancellationToken;
        var text = File.ReadAllText(SetupHarness.DefaultCatalog);
        var start = text.IndexOf("  # Credit packs", StringComparison.Ordinal);
        var end = text.IndexOf("# Entitlements per tier", StringComparison.Ordinal);
        setup.CatalogPath = SetupHarness.CatalogWith((text[start..end], string.Empty));

        var result = await setup.ApplyAsync();

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("x product yapit_credits", result.Output);
        var client = stripe.CreateClient();
        Assert.False((await client.V1.Products.GetAsync("yapit_credits", cancellationToken: ct)).Active);
        var packPrices = (await client.V1.Prices.ListAsync(new PriceListOptions { Product = "yapit_credits" }, cancellationToken: ct)).Data;
        Assert.All(packPrices, p => Assert.False(p.Active));
        Assert.Equal(0L, await setup.ScalarAsync<long>("SELECT count(*) FROM billing.credit_packs WHERE active"));
    }

    [Fact]
    public async Task An_interrupted_apply_run_again_creates_no_duplicates()
    {
        var setup = await FreshAsync();
        var ct = TestContext.Current.CancellationToken;
        // The run dies after nine writes; and one response on the way is lost after Stripe processed the request.
        setup.Handler = new InterruptingHandler(failAfterPosts: 9, loseResponseOfPost: 4) { InnerHandler = new SocketsHttpHandler() };

        var interrupted = await setup.ApplyAsync();
        setup.Handler = null;
        var resumed = await setup.ApplyAsync();
        var again = await setup.PlanAsync();

        Assert.Equal(ExitCodes.Failure, interrupted.ExitCode);
        Assert.Contains("apply again to finish", interrupted.Errors);
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Contains("No changes.", again.Output);
        var client = stripe.CreateClient();
        Assert.Equal(4, (await client.V1.Products.ListAsync(new ProductListOptions { Limit = 100 }, cancellationToken: ct)).Data.Count);
        Assert.Equal(8, (await client.V1.Prices.ListAsync(new PriceListOptions { Limit = 100 }, cancellationToken: ct)).Data.Count);
        Assert.Equal(3, (await client.V1.PromotionCodes.ListAsync(cancellationToken: ct)).Data.Count);
        Assert.Equal(2, (await client.V1.BillingPortal.Configurations.ListAsync(cancellationToken: ct)).Data.Count);
    }

    [Fact]
    public async Task A_live_key_needs_live_and_live_needs_a_live_key_before_any_call()
    {
        var setup = await FreshAsync();
        await stripe.ResetStatsAsync(TestContext.Current.CancellationToken);

        setup.SecretKey = "sk_live_not_a_real_key_0000";
        var liveWithoutFlag = await setup.PlanAsync();
        setup.SecretKey = StripeEmulatorFixture.TestSecretKey;
        var flagWithTestKey = await setup.PlanAsync("--live");

        Assert.Equal(ExitCodes.Failure, liveWithoutFlag.ExitCode);
        Assert.Contains("LIVE key", liveWithoutFlag.Errors);
        Assert.Equal(ExitCodes.Failure, flagWithTestKey.ExitCode);
        Assert.Contains("test key", flagWithTestKey.Errors);
        Assert.Equal(0, (await stripe.GetStatsAsync(TestContext.Current.CancellationToken)).Total);
    }

    [Fact]
    public async Task A_bad_catalog_is_refused_with_exit_2_before_any_call()
    {
        var setup = await FreshAsync(SetupHarness.CatalogWith(("        amount: 4000", "        amount: -4000"), ("coupon: launch_plus_30", "coupon: launch_plus_31")));
        await stripe.ResetStatsAsync(TestContext.Current.CancellationToken);

        var result = await setup.ApplyAsync();

        Assert.Equal(ExitCodes.InvalidCatalog, result.ExitCode);
        Assert.Contains("-4000 is below the minimum 0", result.Errors);
        Assert.Matches(@"catalog-[0-9a-f]+\.yaml:\d+:\d+: products\[2\]\.prices\[0\]\.amount", result.Errors);
        Assert.Equal(0, (await stripe.GetStatsAsync(TestContext.Current.CancellationToken)).Total);
    }

    [Fact]
    public async Task Webhook_endpoints_are_managed_by_key_and_their_secret_goes_to_a_private_file()
    {
        var setup = await FreshAsync();
        var secrets = Path.Combine(Path.GetTempPath(), $"yapit-whsec-{Guid.NewGuid():N}");
        setup.CatalogPath = SetupHarness.CatalogWith(("      test: https://staging.yapit.md/api/v1/billing/webhook", "      test: http://127.0.0.1:9/v1/billing/webhook"));

        var created = await setup.ApplyAsync("--env", "test", "--webhook-secret-dir", secrets);
        var unchanged = await setup.PlanAsync("--env", "test");
        setup.CatalogPath = SetupHarness.CatalogWith(("      test: https://staging.yapit.md/api/v1/billing/webhook", "      test: http://127.0.0.1:9/v2/hook"));
        var moved = await setup.ApplyAsync("--env", "test", "--webhook-secret-dir", secrets);

        Assert.True(created.ExitCode == ExitCodes.Success, created.ToString());
        Assert.Contains("+ webhook_endpoint billing", created.Output);
        var file = Assert.Single(Directory.GetFiles(secrets));
        Assert.StartsWith("whsec_", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.DoesNotContain("whsec_", created.Output + created.Errors);
        Assert.Contains("No changes.", unchanged.Output);
        Assert.Contains("~ webhook_endpoint billing", moved.Output);
        Assert.Contains("url: \"http://127.0.0.1:9/v1/billing/webhook\" -> \"http://127.0.0.1:9/v2/hook\"", moved.Output);
        var endpoint = Assert.Single((await stripe.CreateClient().V1.WebhookEndpoints.ListAsync(cancellationToken: TestContext.Current.CancellationToken)).Data);
        Assert.Equal(("http://127.0.0.1:9/v2/hook", "2026-10-28.endive"), (endpoint.Url, endpoint.ApiVersion));
        Directory.Delete(secrets, recursive: true);
    }

    [Fact]
    public async Task Json_prints_the_same_plan_for_machines()
    {
        var setup = await FreshAsync();

        var result = await setup.PlanAsync("--json");

        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        Assert.Equal("test", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(20, json.RootElement.GetProperty("summary").GetProperty("create").GetInt32());
        Assert.Contains(json.RootElement.GetProperty("changes").EnumerateArray(),
            c => c.GetProperty("kind").GetString() == "price" && c.GetProperty("key").GetString() == "yapit_max_yearly_v2");
    }

    /// <summary>Lets requests through until the Nth POST, then fails them; can also drop the response of one POST that Stripe processed.</summary>
    private sealed class InterruptingHandler(int failAfterPosts, int loseResponseOfPost) : DelegatingHandler
    {
        private int _posts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return await base.SendAsync(request, cancellationToken);
            }
            var post = Interlocked.Increment(ref _posts);
            if (post > failAfterPosts)
            {
                throw new HttpRequestException("the network went away");
            }
            var response = await base.SendAsync(request, cancellationToken);
            if (post == loseResponseOfPost)
            {
                response.Dispose();
                throw new HttpRequestException("the response was lost on its way back");
            }
            return response;
        }
    }
}
