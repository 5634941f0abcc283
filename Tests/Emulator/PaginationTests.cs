using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Cursor paging as Stripe does it: newest first, limit 1..100 (default 10), starting_after and ending_before.</summary>
[Trait("Category", "Integration")]
public sealed class PaginationTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private const int Count = 25;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private string[] _newestFirst = [];

    public async ValueTask InitializeAsync()
    {
        await emulator.ResetAsync(TestContext.Current.CancellationToken);
        var stripe = emulator.CreateClient();
        var ids = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            // Created within the same second mostly: the order must still be the order of creation.
            ids.Add((await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = $"p{i:00}", Name = $"P{i}" }, cancellationToken: TestContext.Current.CancellationToken)).Id);
        }
        ids.Reverse();
        _newestFirst = [.. ids];
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Pages_follow_starting_after_with_has_more_until_the_last_one()
    {
        var stripe = emulator.CreateClient();

        var first = await stripe.V1.Products.ListAsync(cancellationToken: _ct);
        var second = await stripe.V1.Products.ListAsync(new ProductListOptions { StartingAfter = first.Data[^1].Id }, cancellationToken: _ct);
        var third = await stripe.V1.Products.ListAsync(new ProductListOptions { StartingAfter = second.Data[^1].Id }, cancellationToken: _ct);

        Assert.Equal(_newestFirst[..10], first.Data.Select(p => p.Id));
        Assert.True(first.HasMore);
        Assert.Equal(_newestFirst[10..20], second.Data.Select(p => p.Id));
        Assert.True(second.HasMore);
        Assert.Equal(_newestFirst[20..], third.Data.Select(p => p.Id));
        Assert.False(third.HasMore);
    }

    [Fact]
    public async Task Ending_before_returns_the_newer_page_closest_to_the_cursor()
    {
        var stripe = emulator.CreateClient();

        var page = await stripe.V1.Products.ListAsync(new ProductListOptions { EndingBefore = _newestFirst[15], Limit = 5 }, cancellationToken: _ct);
        var top = await stripe.V1.Products.ListAsync(new ProductListOptions { EndingBefore = _newestFirst[3], Limit = 5 }, cancellationToken: _ct);

        Assert.Equal(_newestFirst[10..15], page.Data.Select(p => p.Id));
        Assert.True(page.HasMore);
        Assert.Equal(_newestFirst[..3], top.Data.Select(p => p.Id));
        Assert.False(top.HasMore);
    }

    [Fact]
    public async Task Auto_paging_with_the_largest_page_reads_everything_once_in_order()
    {
        var stripe = emulator.CreateClient();
        await emulator.ResetStatsAsync(_ct);

        var all = new List<string>();
        await foreach (var product in stripe.V1.Products.ListAutoPagingAsync(new ProductListOptions { Limit = 7 }, cancellationToken: _ct))
        {
            all.Add(product.Id);
        }

        Assert.Equal(_newestFirst, all);
        Assert.Equal(4, (await emulator.GetStatsAsync(_ct)).Count("GET", "/v1/products"));
    }

    [Fact]
    public async Task Bad_cursors_and_limits_are_refused()
    {
        using var http = emulator.CreateHttpClient();

        var unknown = await http.StripeGetAsync("/v1/products", "starting_after=prod_missing");
        var both = await http.StripeGetAsync("/v1/products", $"starting_after={_newestFirst[1]}&ending_before={_newestFirst[0]}");
        var zero = await http.StripeGetAsync("/v1/products", "limit=0");
        var hundred = await http.StripeGetAsync("/v1/products", "limit=100");

        Assert.Equal((400, "resource_missing", "starting_after"), (unknown.Status, unknown.ErrorCode, unknown.ErrorParam));
        Assert.Equal((400, "parameters_exclusive"), (both.Status, both.ErrorCode));
        Assert.Equal((400, "parameter_invalid_integer"), (zero.Status, zero.ErrorCode));
        Assert.Equal(Count, hundred.Body.GetProperty("data").GetArrayLength());
    }
}
