using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Npgsql;
using Yapit.Billing.Data;
using Yapit.Gateway.Auth;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Tests.Usage;

namespace Yapit.Tests.Defaults;

/// <summary>
/// With Postgres stopped every endpoint family answers 503 Problem Details with Retry-After (Yapit's services and
/// users retry with the same key), never 500, and each answer is counted.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DatabaseOutageTests
{
    private static readonly AuthOptions Auth = new() { Issuer = "yapit-test", Audience = "yapit-billing", SigningKey = "outage-signing-key-0123456789abcdefghijklm" };
    private const string ServiceKey = "outage-service-key-0123456789abcdef";
    private const string AdminKey = "outage-admin-key-0123456789abcdef";

    [Fact]
    public async Task While_the_database_is_down_every_endpoint_family_answers_503_with_Retry_After()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Path.Combine(Path.GetTempPath(), $"yapit-outage-{Guid.NewGuid():N}");
        var server = new LocalPostgresServer(new LocalPostgresOptions { DataDirectory = Path.Combine(root, "postgres"), Durable = false });
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Microsoft.Extensions.Hosting.DatabaseUnavailable.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var route = tags.ToArray().FirstOrDefault(t => t.Key == "http.route").Value as string ?? "";
            lock (counted)
            {
                counted[route] = counted.GetValueOrDefault(route) + value;
            }
        });
        listener.Start();
        try
        {
            await server.StartAsync(ct);
            await server.CreateDatabaseIfMissingAsync("billingdb", cancellationToken: ct);
            var connectionString = server.GetConnectionString("billingdb");
            await using (var migrate = NpgsqlDataSource.Create(connectionString))
            {
                await new MigrationRunner(migrate).ApplyAsync(ct);
                await UsageLedgerHarness.SeedCatalogAsync(migrate);
            }
            await using var gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
            {
                ["ConnectionStrings:billingdb"] = connectionString + ";Timeout=3",
                ["Stripe:SecretKey"] = "sk_test_outage",
                // Nothing listens there: no request below may get as far as Stripe.
                ["Stripe:ApiBase"] = "http://127.0.0.1:1",
                ["Auth:Issuer"] = Auth.Issuer,
                ["Auth:Audience"] = Auth.Audience,
                ["Auth:SigningKey"] = Auth.SigningKey,
                ["Auth:ServiceApiKey"] = ServiceKey,
                ["Admin:ApiKey"] = AdminKey,
                ["Billing:AppOrigin"] = "http://app.yapit.test",
            }).Start();
            using var client = gateway.CreateRealClient();
            var user = DevTokens.Issue(Auth, "user_outage", null, TimeSpan.FromMinutes(5));
            var requests = new (string Family, HttpMethod Method, string Path, string? Bearer, object? Body)[]
            {
                ("plans", HttpMethod.Get, "/v1/billing/plans", null, null),
                ("billing", HttpMethod.Get, "/v1/billing/subscription", user, null),
                ("checkout", HttpMethod.Post, "/v1/billing/checkout", user, new { tier = "plus", interval = "monthly" }),
                ("usage", HttpMethod.Get, "/v1/usage", user, null),
                ("usage", HttpMethod.Post, "/v1/usage/records", ServiceKey, new { user_id = "user_outage", meter = "tokens", amount = 5, idempotency_key = "outage-1" }),
                ("usage", HttpMethod.Post, "/v1/usage/check", ServiceKey, new { user_id = "user_outage", meter = "tokens", amount = 5 }),
                ("admin", HttpMethod.Get, "/v1/admin/events", AdminKey, null),
            };
            async Task<HttpResponseMessage> SendAsync((string Family, HttpMethod Method, string Path, string? Bearer, object? Body) r)
            {
                using var request = new HttpRequestMessage(r.Method, r.Path);
                if (r.Bearer is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", r.Bearer);
                }
                if (r.Body is not null)
                {
                    request.Content = JsonContent.Create(r.Body);
                }
                return await client.SendAsync(request, ct);
            }

            // Up, none of them fails: what follows is the outage's doing.
            foreach (var r in requests.Where(r => r.Family != "checkout"))
            {
                using var up = await SendAsync(r);
                Assert.True((int)up.StatusCode < 500, $"{r.Method} {r.Path} answered {(int)up.StatusCode} with the database up");
            }

            await server.StopAsync();
            foreach (var r in requests)
            {
                using var down = await SendAsync(r);
                var body = await down.Content.ReadAsStringAsync(ct);
                Assert.True(down.StatusCode == HttpStatusCode.ServiceUnavailable, $"{r.Family}: {r.Method} {r.Path} answered {(int)down.StatusCode}: {body}");
                Assert.Equal(TimeSpan.FromSeconds(5), down.Headers.RetryAfter?.Delta);
                Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
                Assert.Contains("The billing database is unavailable.", body, StringComparison.Ordinal);
            }

            lock (counted)
            {
                foreach (var r in requests)
                {
                    // Counted by route template (a group's root route keeps its trailing slash).
                    Assert.True(counted.Where(c => c.Key.TrimEnd('/') == r.Path).Sum(c => c.Value) >= 1, $"no yapit.database.unavailable for {r.Path}; counted {string.Join(", ", counted.Select(c => $"{c.Key}={c.Value}"))}");
                }
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }
}
