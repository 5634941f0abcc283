using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Yapit.Gateway.Auth;
using Yapit.Tests.Usage;

namespace Yapit.Tests.Auth;

/// <summary>A signed token names a user only through a usable <c>sub</c>: otherwise 401 on every user endpoint.</summary>
[Trait("Category", "Integration")]
public sealed class TokenSubjectTests(UsageGatewayFixture fixture) : IClassFixture<UsageGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // By name: xunit serializes theory data, and a lone surrogate would not survive the trip.
    private static readonly Dictionary<string, string> BadSubjects = new()
    {
        ["empty"] = "",
        ["blank"] = "   ",
        ["tab"] = "\t",
        ["too long"] = new string('u', UserIds.MaxLength + 1),
        ["control character"] = "user_\u0001x",
        ["new line"] = "user_1\nadmin",
        ["line separator"] = "user_\u2028x",
        ["padded"] = " user_1",
        ["lone surrogate"] = "user_\uD800",
    };

    public static TheoryData<string> BadSubjectNames => [.. BadSubjects.Keys];

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string subject, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Issue(UsageGatewayFixture.Auth, subject, null, TimeSpan.FromMinutes(5)));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await fixture.Client.SendAsync(request, Ct);
    }

    [Theory]
    [MemberData(nameof(BadSubjectNames))]
    public async Task A_signed_token_whose_sub_is_no_user_id_is_401_everywhere(string why)
    {
        var subject = BadSubjects[why];
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "/v1/usage", null),
            (HttpMethod.Get, "/v1/billing/subscription", null),
            (HttpMethod.Post, "/v1/billing/checkout", new { tier = "plus", interval = "monthly" }),
        })
        {
            using var response = await SendAsync(method, path, subject, body);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {method} {path} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_usable_sub_at_the_length_limit_is_a_user()
    {
        using var longest = await SendAsync(HttpMethod.Get, "/v1/usage", new string('u', UserIds.MaxLength));
        using var unicode = await SendAsync(HttpMethod.Get, "/v1/usage", "usér_😀_1");

        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unicode.StatusCode);
    }

    [Fact]
    public void The_rule_names_the_problem()
    {
        Assert.Null(UserIds.Problem("user_1"));
        Assert.Null(UserIds.Problem("usér_😀"));
        Assert.Equal("is empty or blank", UserIds.Problem(""));
        Assert.Equal("is empty or blank", UserIds.Problem(" \t "));
        Assert.Equal("contains control characters", UserIds.Problem("a\u0000"));
        Assert.Equal("contains an unpaired surrogate", UserIds.Problem("a\uDC00b"));
        Assert.Equal("contains an unpaired surrogate", UserIds.Problem("a\uD800"));
        Assert.Equal("contains a replacement character (U+FFFD)", UserIds.Problem("a\uFFFD"));
        Assert.Equal($"is longer than {UserIds.MaxLength} characters", UserIds.Problem(new string('u', UserIds.MaxLength + 1)));
    }
}
