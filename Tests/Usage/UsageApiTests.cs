using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Yapit.Gateway.Auth;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Usage;

public sealed class UsageGatewayFixture(PostgresServerFixture postgres) : IAsyncLifetime
{
    public const string ServiceKey = "usage-service-key-0123456789abcdef";
    public static readonly AuthOptions Auth = new() { Issuer = "yapit-test", Audience = "yapit-billing", SigningKey = "test-signing-key-0123456789abcdefghijklmnop" };

    public ServiceFactory<Yapit.Gateway.TestingEntryPoint> Gateway { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("usage_api");
        Database = NpgsqlDataSource.Create(connectionString);
        await UsageLedgerHarness.SeedCatalogAsync(Database);
        Gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = connectionString,
            ["Stripe:SecretKey"] = "sk_test_usage",
            ["Auth:Issuer"] = Auth.Issuer,
            ["Auth:Audience"] = Auth.Audience,
            ["Auth:SigningKey"] = Auth.SigningKey,
            ["Auth:ServiceApiKey"] = ServiceKey,
        }).Start();
        Client = Gateway.CreateRealClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The usage endpoints over real HTTP: credentials, validation, records, checks, reservations, a user's own view.</summary>
[Trait("Category", "Integration")]
public sealed class UsageApiTests(UsageGatewayFixture fixture) : IClassFixture<UsageGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string UserToken(string user, string? scope = null) => DevTokens.Issue(UsageGatewayFixture.Auth, user, scope, TimeSpan.FromMinutes(5));

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? bearer = UsageGatewayFixture.ServiceKey)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return await fixture.Client.SendAsync(request, Ct);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct));

    private static string NewUser() => "user_" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Only_yapits_services_record_usage()
    {
        var record = new { user_id = NewUser(), meter = "tokens", amount = 5, idempotency_key = Guid.NewGuid().ToString() };
        using var none = await SendAsync(HttpMethod.Post, "/v1/usage/records", record, bearer: null);
        using var wrongKey = await SendAsync(HttpMethod.Post, "/v1/usage/records", record, bearer: "not-the-key");
        using var userToken = await SendAsync(HttpMethod.Post, "/v1/usage/records", record, bearer: UserToken(record.user_id));
        using var serviceToken = await SendAsync(HttpMethod.Post, "/v1/usage/records", record, bearer: UserToken("svc-tts", "usage:write"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, userToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, serviceToken.StatusCode);
    }

    [Fact]
    public async Task A_record_returns_its_breakdown_and_a_repeated_key_returns_the_first_result()
    {
        var user = NewUser();
        var record = new { user_id = user, meter = "tokens", amount = 700, idempotency_key = "job-" + user, reference = "doc-9" };
        using var first = await SendAsync(HttpMethod.Post, "/v1/usage/records", record);
        using var again = await SendAsync(HttpMethod.Post, "/v1/usage/records", record);
        using var reused = await SendAsync(HttpMethod.Post, "/v1/usage/records", record with { amount = 701 });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await JsonAsync(first);
        Assert.False(body.GetProperty("replayed").GetBoolean());
        Assert.Equal(700, body.GetProperty("breakdown").GetProperty("to_debt").GetInt64()); // the free tier includes nothing
        var replay = await JsonAsync(again);
        Assert.True(replay.GetProperty("replayed").GetBoolean());
        Assert.Equal(body.GetProperty("recorded_at").GetString(), replay.GetProperty("recorded_at").GetString());
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
    }

    [Fact]
    public async Task A_batch_with_one_bad_record_names_it_and_applies_nothing()
    {
        var user = NewUser();
        var records = new object[]
        {
            new { user_id = user, meter = "tokens", amount = 10, idempotency_key = "a-" + user },
            new { user_id = user, meter = "tokens", amount = -1, idempotency_key = "b-" + user },
            new { user_id = user, meter = "minutes", amount = 1, idempotency_key = "c-" + user },
        };
        using var response = await SendAsync(HttpMethod.Post, "/v1/usage/records", new { records });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await JsonAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("records[1].amount", out _));
        Assert.Contains("minutes", errors.GetProperty("records[2].meter")[0].GetString());
        using var check = await SendAsync(HttpMethod.Post, "/v1/usage/check", new { user_id = user, meter = "tokens", amount = 0 });
        Assert.Equal(0, (await JsonAsync(check)).GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task A_check_beyond_what_is_available_is_402_with_the_numbers()
    {
        var user = NewUser();
        using var check = await SendAsync(HttpMethod.Post, "/v1/usage/check", new { user_id = user, meter = "tokens", amount = 1 });

        Assert.Equal(HttpStatusCode.PaymentRequired, check.StatusCode);
        Assert.Equal("application/problem+json", check.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(check);
        Assert.Equal(("tokens", 1L, 0L), (problem.GetProperty("meter").GetString(), problem.GetProperty("requested").GetInt64(), problem.GetProperty("available").GetInt64()));
    }

    [Fact]
    public async Task Reservations_hold_and_release()
    {
        var user = NewUser();
        using (await SendAsync(HttpMethod.Post, "/v1/usage/records", new { user_id = user, meter = "tokens", amount = 1, idempotency_key = "seed-" + user }))
        {
        }
        using var refused = await SendAsync(HttpMethod.Post, "/v1/usage/reservations", new { user_id = user, meter = "tokens", amount = 10 });
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);

        using var badTtl = await SendAsync(HttpMethod.Post, "/v1/usage/reservations", new { user_id = user, meter = "kokoro_chars", amount = 10, ttl_seconds = 999_999 });
        Assert.Equal(HttpStatusCode.BadRequest, badTtl.StatusCode);
        Assert.True((await JsonAsync(badTtl)).GetProperty("errors").TryGetProperty("ttl_seconds", out _));

        using var missingUser = await SendAsync(HttpMethod.Delete, "/v1/usage/reservations/rsv_x");
        Assert.Equal(HttpStatusCode.BadRequest, missingUser.StatusCode);
        using var unknown = await SendAsync(HttpMethod.Delete, $"/v1/usage/reservations/rsv_x?user_id={user}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_user_reads_their_own_usage_and_needs_a_token_for_it()
    {
        var user = NewUser();
        using (await SendAsync(HttpMethod.Post, "/v1/usage/records", new { user_id = user, meter = "tokens", amount = 42, idempotency_key = "mine-" + user, reference = "doc-1" }))
        {
        }
        using var anonymous = await SendAsync(HttpMethod.Get, "/v1/usage", bearer: null);
        using var mine = await SendAsync(HttpMethod.Get, "/v1/usage", bearer: UserToken(user));
        using var someoneElse = await SendAsync(HttpMethod.Get, "/v1/usage", bearer: UserToken(NewUser()));
        using var history = await SendAsync(HttpMethod.Get, "/v1/usage/history", bearer: UserToken(user));
        using var badPeriod = await SendAsync(HttpMethod.Get, "/v1/usage/history?period=yesterday", bearer: UserToken(user));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var tokens = (await JsonAsync(mine)).GetProperty("meters").EnumerateArray().Single(m => m.GetProperty("meter").GetString() == "tokens");
        Assert.Equal(42, tokens.GetProperty("debt").GetInt64());
        var others = (await JsonAsync(someoneElse)).GetProperty("meters").EnumerateArray().Single(m => m.GetProperty("meter").GetString() == "tokens");
        Assert.Equal(0, others.GetProperty("debt").GetInt64());
        var group = Assert.Single((await JsonAsync(history)).GetProperty("groups").EnumerateArray());
        Assert.Equal(("doc-1", 42L), (group.GetProperty("reference").GetString(), group.GetProperty("amount").GetInt64()));
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
    }
}
