using Stripe;
using Yapit.Billing.Stripe;
using Yapit.StripeSetup.Catalog;
using Yapit.StripeSetup.Planning;
using Catalog = Yapit.StripeSetup.Catalog.Catalog;
using Plan = Yapit.StripeSetup.Planning.Plan;

namespace Yapit.Tests.Setup;

/// <summary>The planner is a pure function of the catalog and Stripe's state.</summary>
[Trait("Category", "Unit")]
public sealed class PlannerTests
{
    private const string Yaml = """
        version: 1
        currency: eur
        meters:
          tokens: { rollover_cap: 0 }
        products:
          - id: basic
            name: Basic
            prices:
              - { lookup_key: basic_monthly, amount: 1000, interval: month }
        plans:
          - { tier: basic, name: Basic, rank: 1, product: basic, prices: { monthly: basic_monthly }, limits: { tokens: 5 } }
        coupons:
          - { id: ten_off, name: Ten off, amount_off: 1000 }
        promotion_codes:
          - { code: TEN, coupon: ten_off, active: false }
        """;

    private static readonly Dictionary<string, string> Managed = new() { ["managed_by"] = "yapit-stripe-setup" };

    private static Catalog Catalog() => CatalogLoader.Load(Yaml, "test").Catalog!;

    private static Plan PlanFor(StripeState state, bool replace = false) =>
        Planner.Create(Catalog(), state, new PlannerOptions { Mode = StripeMode.Test, CatalogPath = "catalog.yaml", Replace = replace });

    private static Product BasicProduct(Dictionary<string, string>? metadata = null, bool active = true) =>
        new() { Id = "basic", Name = "Basic", Active = active, Metadata = metadata ?? new(Managed) };

    private static Price BasicMonthly(long amount = 1000) => new()
    {
        Id = "price_1",
        Active = true,
        Currency = "eur",
        LookupKey = "basic_monthly",
        ProductId = "basic",
        Recurring = new PriceRecurring { Interval = "month", IntervalCount = 1 },
        Type = "recurring",
        UnitAmount = amount,
        TaxBehavior = "unspecified",
        Metadata = new(Managed),
    };

    private static Coupon TenOff() => new() { Id = "ten_off", Name = "Ten off", AmountOff = 1000, Currency = "eur", Duration = "once", Valid = true, Metadata = new(Managed) };

    private static PromotionCode Ten(bool active) => new()
    {
        Id = "promo_1",
        Code = "TEN",
        Active = active,
        Promotion = new PromotionCodePromotion { Type = "coupon", CouponId = "ten_off" },
        Metadata = new(Managed),
    };

    private static StripeState State(IEnumerable<Product>? products = null, IEnumerable<Price>? prices = null, IEnumerable<Coupon>? coupons = null, IEnumerable<PromotionCode>? codes = null) =>
        new([.. products ?? [BasicProduct()]], [.. prices ?? [BasicMonthly()]], [.. coupons ?? [TenOff()]], [.. codes ?? [Ten(active: false)]], [], []);

    [Fact]
    public void Against_an_empty_account_everything_is_created_in_dependency_order()
    {
        var plan = PlanFor(new StripeState([], [], [], [], [], []));

        Assert.Equal(["product basic", "price basic_monthly", "coupon ten_off", "promotion_code TEN"], plan.Changes.Select(c => $"{c.Kind} {c.Key}"));
        Assert.All(plan.Changes, c => Assert.Equal(ChangeAction.Create, c.Action));
        Assert.Contains(plan.Changes[1].Fields, f => f is { Field: "unit_amount", After: "1000" });
        Assert.Contains(plan.Changes[0].Fields, f => f is { Field: "metadata.managed_by", After: "\"yapit-stripe-setup\"" });
    }

    [Fact]
    public void A_state_equal_to_the_catalog_is_a_no_op()
    {
        var plan = PlanFor(State());

        Assert.Empty(plan.Changes);
        Assert.Empty(plan.Drift);
        Assert.Contains("No changes.", PlanRenderer.Render(plan));
    }

    [Fact]
    public void A_changed_price_amount_is_drift_with_a_fix_and_no_change()
    {
        var plan = PlanFor(State(prices: [BasicMonthly(amount: 1200)]));

        var drift = Assert.Single(plan.Drift);
        Assert.Equal(new FieldChange("unit_amount", "1200", "1000"), drift.Field);
        Assert.Contains("basic_monthly_v2", drift.Fix);
        Assert.Contains("--replace", drift.Fix);
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public void A_changed_price_interval_is_drift_too()
    {
        var yearly = BasicMonthly();
        var plan = PlanFor(State(prices: [new Price
        {
            Id = yearly.Id, Active = true, Currency = "eur", LookupKey = "basic_monthly", ProductId = yearly.ProductId, Type = "recurring",
            Recurring = new PriceRecurring { Interval = "year", IntervalCount = 1 }, UnitAmount = 1000, TaxBehavior = "unspecified", Metadata = yearly.Metadata,
        }]));

        Assert.Equal(new FieldChange("recurring.interval", "year", "month"), Assert.Single(plan.Drift).Field);
    }

    [Fact]
    public void With_replace_a_changed_price_becomes_a_replacement()
    {
        var plan = PlanFor(State(prices: [BasicMonthly(amount: 1200)]), replace: true);

        var change = Assert.Single(plan.Changes);
        Assert.Equal((ChangeAction.Replace, "price", "basic_monthly", "price_1"), (change.Action, change.Kind, change.Key, change.StripeId));
        Assert.Empty(plan.Drift);
        Assert.Contains("-/+ price basic_monthly (price_1)", PlanRenderer.Render(plan));
    }

    [Fact]
    public void A_changed_coupon_discount_is_never_replaced()
    {
        var plan = PlanFor(State(coupons: [new Coupon { Id = "ten_off", Name = "Ten off", AmountOff = 500, Currency = "eur", Duration = "once", Valid = true, Metadata = new(Managed) }]), replace: true);

        var drift = Assert.Single(plan.Drift);
        Assert.Equal("coupon", drift.Kind);
        Assert.Contains("new id", drift.Fix);
    }

    [Fact]
    public void A_dashboard_edit_of_a_mutable_field_is_put_back_and_foreign_metadata_removed()
    {
        var edited = BasicProduct(new Dictionary<string, string>(Managed) { ["note"] = "added in the Dashboard" });
        var plan = PlanFor(State(products: [new Product { Id = "basic", Name = "Basic (edited)", Active = true, Metadata = edited.Metadata }]));

        var change = Assert.Single(plan.Changes);
        Assert.Equal(ChangeAction.Update, change.Action);
        Assert.Contains(new FieldChange("name", "\"Basic (edited)\"", "\"Basic\""), change.Fields);
        Assert.Contains(new FieldChange("metadata.note", "\"added in the Dashboard\"", null), change.Fields);
    }

    [Fact]
    public void Activating_a_promotion_code_is_one_update_and_deactivating_is_an_x()
    {
        var catalog = CatalogLoader.Load(Yaml.Replace("active: false", "active: true", StringComparison.Ordinal), "test").Catalog!;
        var activate = Planner.Create(catalog, State(), new PlannerOptions { Mode = StripeMode.Test, CatalogPath = "c" });
        var deactivate = PlanFor(State(codes: [Ten(active: true)]));

        Assert.Equal((ChangeAction.Update, "TEN"), (Assert.Single(activate.Changes).Action, activate.Changes[0].Key));
        Assert.Equal([new FieldChange("active", "false", "true")], activate.Changes[0].Fields);
        Assert.Equal(ChangeAction.Deactivate, Assert.Single(deactivate.Changes).Action);
        Assert.Contains("x promotion_code TEN (promo_1)", PlanRenderer.Render(deactivate));
    }

    [Fact]
    public void Managed_leftovers_are_deactivated_and_foreign_resources_only_reported()
    {
        var leftover = new Product { Id = "old_plan", Name = "Old plan", Active = true, Metadata = new(Managed) };
        var foreign = new Product { Id = "prod_dashboard", Name = "Made by hand", Active = true, Metadata = [] };

        var plan = PlanFor(State(products: [BasicProduct(), leftover, foreign]));

        var change = Assert.Single(plan.Changes);
        Assert.Equal((ChangeAction.Deactivate, "old_plan"), (change.Action, change.Key));
        Assert.Contains(plan.Unmanaged, u => u.Contains("prod_dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_output_carries_the_same_plan()
    {
        var plan = PlanFor(State(codes: [Ten(active: true)]));

        using var json = System.Text.Json.JsonDocument.Parse(PlanRenderer.RenderJson(plan));

        Assert.Equal("test", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("deactivate").GetInt32());
        var change = json.RootElement.GetProperty("changes")[0];
        Assert.Equal("x", change.GetProperty("symbol").GetString());
        Assert.Equal("promo_1", change.GetProperty("stripe_id").GetString());
    }

    [Theory]
    [InlineData("yapit_basic_monthly_v2", "yapit_basic_monthly_v3")]
    [InlineData("beta_100", "beta_100_v2")]
    public void Fixes_suggest_the_next_version(string key, string next) => Assert.Equal(next, Planner.NextVersion(key));
}
