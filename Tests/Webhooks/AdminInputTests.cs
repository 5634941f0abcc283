using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Yapit.Tests.Webhooks;

/// <summary>The admin API's answers to bad input (issue 13, defect 6): 400 Problem Details naming the parameter, never a 500, never the value echoed.</summary>
[Trait("Category", "Integration")]
public sealed class AdminInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    public static TheoryData<string, string, string> BadValues => new()
    {
        { "GET", "/v1/admin/events?type=price.%00updated", "type" },
        { "GET", $"/v1/admin/events?type={new string('t', 300)}", "type" },
        { "GET", "/v1/admin/events?limit=abc", "limit" },
        { "GET", "/v1/admin/events?limit=99999999999", "limit" },
        { "GET", "/v1/admin/events?limit=0", "limit" },
        { "GET", "/v1/admin/events?status=lost%3Cscript%3E", "status" },
        { "GET", "/v1/admin/events?status=%00", "status" },
        { "POST", "/v1/admin/events/evt_a%2Cb/replay", "id" },
        { "POST", "/v1/admin/events/price_123/replay", "id" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task A_bad_query_value_gets_400_problem_details_naming_the_parameter(string method, string path, string parameter)
    {
        var ct = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminKey);

        using var response = await fixture.Client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        var text = problem.ToString();
        Assert.DoesNotContain("lost", text, StringComparison.Ordinal);
        Assert.DoesNotContain("99999999999", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0000", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_event_is_404_without_echoing_its_id()
    {
        var ct = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/events/evt_nope_echo/replay");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminKey);

        using var response = await fixture.Client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("evt_nope_echo", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
