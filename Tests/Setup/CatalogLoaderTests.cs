using System.Text.Json;
using Yapit.StripeSetup.Catalog;

namespace Yapit.Tests.Setup;

[Trait("Category", "Unit")]
public sealed class CatalogLoaderTests
{
    private const string Minimal = """
        version: 1
        currency: eur
        meters:
          tokens: { rollover_cap: 100 }
        products:
          - id: basic
            name: Basic
            prices:
              - { lookup_key: basic_monthly, amount: 1000, interval: month }
              - { lookup_key: basic_yearly, amount: 9000, interval: year }
        plans:
          - { tier: free, name: Free, rank: 0, limits: { tokens: 0 } }
          - tier: basic
            name: Basic
            rank: 1
            product: basic
            prices: { monthly: basic_monthly, yearly: basic_yearly }
            trial_days: 3
            limits: { tokens: null }
        coupons:
          - { id: ten_off, name: Ten off, amount_off: 1000 }
        promotion_codes:
          - { code: TEN, coupon: ten_off }
        """;

    private static CatalogLoadResult Load(string yaml, string environment = "test") => CatalogLoader.Load(yaml, environment);

    private static string RepositoryFile(params string[] parts) =>
        Path.Combine([Yapit.Tests.Infrastructure.ProjectMetadata.RepositoryRoot, .. parts]);

    [Theory]
    [InlineData("local")]
    [InlineData("test")]
    [InlineData("live")]
    public void The_default_catalog_is_valid_in_every_environment(string environment)
    {
        var result = CatalogLoader.LoadFile(RepositoryFile("StripeSetup", "catalog.yaml"), environment);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        var catalog = result.Catalog!;
        Assert.Equal(["yapit_basic", "yapit_plus", "yapit_max", "yapit_credits"], catalog.Products.Select(p => p.Id));
        Assert.Equal([3, 3, 0], catalog.Plans.Where(p => p.Product is not null).Select(p => p.TrialDays));
        Assert.Equal(["beta_100", "launch_basic_100", "launch_plus_30"], catalog.Coupons.Select(c => c.Id));
        Assert.Equal(["BETA", "LAUNCH", "LAUNCHPLUS"], catalog.PromotionCodes.Select(c => c.Code));
        Assert.Equal(10_000_000, catalog.Meters.Single(m => m.Name == "tokens").RolloverCap);
        Assert.Equal(1_000_000, catalog.Meters.Single(m => m.Name == "voice_chars").RolloverCap);
        Assert.Null(catalog.Plans.Single(p => p.Tier == "basic").Limits["kokoro_chars"]);
        Assert.Equal(0, catalog.Plans.Single(p => p.Tier == "basic").Limits["voice_chars"]);
        Assert.Equal(environment == "local" ? 0 : 1, catalog.WebhookEndpoints.Count);
        Assert.All(catalog.Prices.Where(p => p.Grants is not null), p => Assert.Null(p.Interval));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Per_environment_values_resolve_to_the_chosen_environment()
    {
        var yaml = Minimal.Replace("    name: Basic\n    prices:", "    name: { test: Basic (staging), live: Basic }\n    prices:", StringComparison.Ordinal);

        Assert.Equal("Basic (staging)", Load(yaml, "test").Catalog!.Products[0].Name);
        Assert.Equal("Basic", Load(yaml, "live").Catalog!.Products[0].Name);
    }

    [Fact]
    public void A_yaml_syntax_error_names_its_line()
    {
        var result = Load("version: 1\ncurrency: eur\nproducts:\n  - id: [unclosed\n");

        var error = Assert.Single(result.Errors);
        Assert.Contains("YAML syntax error", error.Message);
        Assert.True(error.Location.Line >= 4, $"line {error.Location.Line}");
    }

    [Fact]
    public void Every_error_is_reported_at_once_with_path_and_line()
    {
        var yaml = """
            version: 1
            currency: eur
            meters:
              tokens: { rollover_cap: 0 }
            products:
              - id: basic
                name: Basic
                colour: blue
                prices:
                  - { lookup_key: basic_monthly, amount: -5, interval: month }
                  - { lookup_key: basic_monthly, interval: month }
                  - { lookup_key: basic_eur_usd, amount: 100, currency: usd, interval: fortnight }
            plans:
              - { tier: basic, name: Basic, rank: 1, product: premium, limits: { tokens: 1, widgets: 2 } }
            coupons:
              - { id: half, name: Half, percent_off: 50, amount_off: 100 }
            promotion_codes:
              - { code: HALF, coupon: nonexistent }
              - { code: half, coupon: half }
            """;

        var result = Load(yaml);

        Assert.False(result.IsValid);
        string Find(string text) => Assert.Single(result.Errors, e => e.ToString().Contains(text, StringComparison.Ordinal)).ToString();
        Assert.Contains("line 8", Find("unknown field 'colour'"));
        Assert.Contains("line 10", Find("-5 is below the minimum 0"));
        Assert.Contains("line 11", Find("'amount' is required"));
        Assert.Contains("products[0].prices[1]", Find("'amount' is required"));
        // Once the file reads, the semantic checks run; structural errors come first.
        Assert.True(result.Errors.Count >= 3);
    }

    [Fact]
    public void Semantic_errors_name_duplicates_references_and_currencies()
    {
        var yaml = """
            version: 1
            currency: eur
            meters:
              tokens: { rollover_cap: 0 }
            products:
              - id: basic
                name: Basic
                prices:
                  - { lookup_key: basic_monthly, amount: 1000, interval: month }
                  - { lookup_key: basic_monthly, amount: 1200, interval: month }
                  - { lookup_key: basic_usd, amount: 100, currency: usd, interval: month }
                  - { lookup_key: basic_weird, amount: 100, interval: fortnight }
            plans:
              - { tier: basic, name: Basic, rank: 1, product: premium, limits: { tokens: 1, widgets: 2 } }
              - { tier: more, name: More, rank: 1, product: basic, prices: { monthly: basic_yearly }, limits: { tokens: 1 } }
            coupons:
              - { id: half, name: Half, percent_off: 50, amount_off: 100 }
              - { id: usd_off, name: USD off, amount_off: 100, currency: usd, applies_to: [basic] }
            promotion_codes:
              - { code: HALF, coupon: nonexistent }
              - { code: half, coupon: half }
            """;

        var errors = Load(yaml).Errors.Select(e => e.ToString()).ToList();

        void Has(string text) => Assert.Contains(errors, e => e.Contains(text, StringComparison.Ordinal));
        Has("duplicate lookup key 'basic_monthly' (first at line 9)");
        Has("'usd' differs from the catalog currency 'eur'");
        Has("'fortnight' is not one of");
        Has("unknown product 'premium'");
        Has("unknown meter 'widgets'");
        Has("duplicate rank '1'");
        Has("unknown price lookup key 'basic_yearly'");
        Has("give exactly one of amount_off and percent_off");
        Has("amount_off is in usd but price 'basic_monthly' of 'basic' is in eur");
        Has("unknown coupon 'nonexistent'");
        Has("duplicate code 'half'");
        Assert.All(errors, e => Assert.StartsWith("line ", e));
    }

    [Fact]
    public void A_percent_coupon_on_yearly_prices_is_warned_about()
    {
        var yaml = Minimal.Replace("{ id: ten_off, name: Ten off, amount_off: 1000 }", "{ id: ten_off, name: Ten off, percent_off: 100 }", StringComparison.Ordinal);

        var result = Load(yaml);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        Assert.Contains(result.Warnings, w => w.Contains("basic_yearly", StringComparison.Ordinal) && w.Contains("whole year", StringComparison.Ordinal));
    }

    [Fact]
    public void An_undeclared_environment_is_refused()
    {
        var result = Load(Minimal, "staging");
        Assert.Contains(result.Errors, e => e.Message.Contains("environment 'staging' is not declared", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_missing_for_the_chosen_environment_is_an_error()
    {
        var yaml = Minimal.Replace("    name: Basic\n    prices:", "    name: { live: Basic }\n    prices:", StringComparison.Ordinal);
        Assert.Contains(Load(yaml, "test").Errors, e => e.Message.Contains("no value for environment 'test'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_json_schema_describes_exactly_the_fields_the_loader_reads()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(RepositoryFile("StripeSetup", "catalog.schema.json")));
        var root = schema.RootElement;
        var defs = root.GetProperty("$defs");
        string[] Properties(JsonElement element) => element.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToArray();
        string[] Sorted(string[] fields) => fields.Order().ToArray();

        Assert.Equal(Sorted(CatalogLoader.Fields.Root), Properties(root));
        Assert.Equal(Sorted(CatalogLoader.Fields.Product), Properties(defs.GetProperty("product")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Price), Properties(defs.GetProperty("price")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Grants), Properties(defs.GetProperty("price").GetProperty("properties").GetProperty("grants")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Plan), Properties(defs.GetProperty("plan")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Coupon), Properties(defs.GetProperty("coupon")));
        Assert.Equal(Sorted(CatalogLoader.Fields.PromotionCode), Properties(defs.GetProperty("promotion_code")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Restrictions), Properties(defs.GetProperty("promotion_code").GetProperty("properties").GetProperty("restrictions")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Portal), Properties(defs.GetProperty("portal_configuration")));
        var features = defs.GetProperty("portal_configuration").GetProperty("properties").GetProperty("features");
        Assert.Equal(Sorted(CatalogLoader.Fields.PortalFeatures), Properties(features));
        Assert.Equal(Sorted(CatalogLoader.Fields.SubscriptionCancel), Properties(features.GetProperty("properties").GetProperty("subscription_cancel")));
        Assert.Equal(Sorted(CatalogLoader.Fields.SubscriptionUpdate), Properties(features.GetProperty("properties").GetProperty("subscription_update")));
        Assert.Equal(Sorted(CatalogLoader.Fields.WebhookEndpoint), Properties(defs.GetProperty("webhook_endpoint")));
        Assert.Equal(Sorted(CatalogLoader.Fields.Meter), Properties(root.GetProperty("properties").GetProperty("meters").GetProperty("additionalProperties")));
    }
}
