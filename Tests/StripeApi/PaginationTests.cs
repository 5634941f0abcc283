using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Invoices;

namespace Yapit.Tests.StripeApi;

/// <summary>Auto-paging: <c>starting_after</c> the last id, at most 100 per page, until <c>has_more</c> is false.</summary>
public sealed class PaginationTests
{
    /// <summary>A list of <paramref name="total"/> customers, paged the way Stripe pages it.</summary>
    private static Func<HttpContext, RecordedRequest, int, Task> CustomerPages(int total) => (context, request, _) =>
    {
        var query = QueryHelpers.ParseQuery(request.Query);
        var limit = int.Parse(query["limit"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var start = query.TryGetValue("starting_after", out var after) ? int.Parse(after.ToString()[4..], System.Globalization.CultureInfo.InvariantCulture) + 1 : 0;
        var ids = Enumerable.Range(start, Math.Max(0, Math.Min(limit, total - start))).Select(i => $"cus_{i:D3}").ToArray();
        var page = new
        {
            @object = "list",
            data = ids.Select(id => new { id, @object = "customer", created = 1700000000 }),
            has_more = start + ids.Length < total,
            url = "/v1/customers",
        };
        return StripeStub.Json(context, 200, JsonSerializer.Serialize(page));
    };

    [Fact]
    public async Task Every_item_is_returned_across_pages_of_100()
    {
        await using var stub = await StripeStub.StartAsync(CustomerPages(250));

        var customers = await stub.Client().Customers.ListAutoPagingAsync(cancellationToken: TestContext.Current.CancellationToken)
            .ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"cus_{i:D3}"), customers.Select(c => c.Id));
        Assert.Equal(
            ["/v1/customers?limit=100", "/v1/customers?limit=100&starting_after=cus_099", "/v1/customers?limit=100&starting_after=cus_199"],
            stub.Requests.Select(r => r.Target));
    }

    [Fact]
    public async Task Filters_and_a_smaller_page_size_are_kept_on_every_page()
    {
        await using var stub = await StripeStub.StartAsync(CustomerPages(5));
        var options = new CustomerListOptions { Email = "a@example.com", Limit = 2 };

        var customers = await stub.Client().Customers.ListAutoPagingAsync(options, cancellationToken: TestContext.Current.CancellationToken)
            .ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(5, customers.Count);
        Assert.Equal(
            [
                "/v1/customers?email=a%40example.com&limit=2",
                "/v1/customers?email=a%40example.com&limit=2&starting_after=cus_001",
                "/v1/customers?email=a%40example.com&limit=2&starting_after=cus_003",
            ],
            stub.Requests.Select(r => r.Target));
        // The caller's options are left as they were given.
        Assert.Equal(2, options.Limit);
        Assert.Null(options.StartingAfter);
    }

    [Fact]
    public async Task The_caller_options_are_not_changed_by_paging()
    {
        await using var stub = await StripeStub.StartAsync(CustomerPages(150));
        var options = new CustomerListOptions();

        await stub.Client().Customers.ListAutoPagingAsync(options, cancellationToken: TestContext.Current.CancellationToken)
            .ToListAsync(TestContext.Current.CancellationToken);

        Assert.Null(options.Limit);
        Assert.Null(options.StartingAfter);
    }

    [Fact]
    public async Task Pages_are_fetched_only_as_the_caller_reads()
    {
        await using var stub = await StripeStub.StartAsync(CustomerPages(1000));

        var first = await stub.Client().Customers.ListAutoPagingAsync(cancellationToken: TestContext.Current.CancellationToken)
            .Take(150).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(150, first.Count);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task An_empty_page_ends_the_enumeration_even_if_it_claims_more()
    {
        await using var stub = await StripeStub.AnsweringAsync("""{"object":"list","data":[],"has_more":true,"url":"/v1/customers"}""");

        var customers = await stub.Client().Customers.ListAutoPagingAsync(cancellationToken: TestContext.Current.CancellationToken)
            .ToListAsync(TestContext.Current.CancellationToken);

        Assert.Empty(customers);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task A_page_size_outside_1_to_100_is_refused_before_any_request(int limit)
    {
        await using var stub = await StripeStub.StartAsync(CustomerPages(5));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await stub.Client().Customers.ListAutoPagingAsync(new CustomerListOptions { Limit = limit }, cancellationToken: TestContext.Current.CancellationToken)
                .ToListAsync(TestContext.Current.CancellationToken));

        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Paging_backwards_is_refused()
    {
        await using var stub = await StripeStub.StartAsync(CustomerPages(5));

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await stub.Client().Customers.ListAutoPagingAsync(new CustomerListOptions { EndingBefore = "cus_003" }, cancellationToken: TestContext.Current.CancellationToken)
                .ToListAsync(TestContext.Current.CancellationToken));

        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task A_nested_list_pages_under_its_parent()
    {
        await using var stub = await StripeStub.StartAsync((context, _, number) => StripeStub.Json(context, 200, number == 1
            ? """{"object":"list","data":[{"id":"il_1","object":"line_item","amount":100}],"has_more":true,"url":"/v1/invoices/in_1/lines"}"""
            : """{"object":"list","data":[{"id":"il_2","object":"line_item","amount":-40}],"has_more":false,"url":"/v1/invoices/in_1/lines"}"""));

        var lines = await stub.Client().Invoices.ListLineItemsAutoPagingAsync("in_1", new InvoiceLineItemListOptions(), cancellationToken: TestContext.Current.CancellationToken)
            .ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal([100L, -40L], lines.Select(l => l.Amount));
        Assert.Equal(["/v1/invoices/in_1/lines?limit=100", "/v1/invoices/in_1/lines?limit=100&starting_after=il_1"], stub.Requests.Select(r => r.Target));
    }
}
