using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Defaults;

/// <summary>Every IHttpClientFactory client gets service discovery and the standard resilience handler (Microsoft.Extensions.Http.Resilience), as ServiceDefaults configures them.</summary>
[Trait("Category", "Integration")]
public sealed class HttpClientDefaultsTests
{
    private static IHost HostWith(Uri gateway, Action<HttpStandardResilienceOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("services:gateway:http:0", gateway.ToString().TrimEnd('/'))]);
        builder.AddServiceDefaults();
        builder.Services.ConfigureAll<HttpStandardResilienceOptions>(options =>
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(10); // the default 2 s backoff would only slow the tests
            configure?.Invoke(options);
        });
        return builder.Build();
    }

    [Fact]
    public async Task A_client_calls_a_service_by_name()
    {
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/hello", () => "hi from gateway"));
        using var host = HostWith(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        client.BaseAddress = new Uri("https+http://gateway");

        var body = await client.GetStringAsync("/hello", TestContext.Current.CancellationToken);

        Assert.Equal("hi from gateway", body);
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_success()
    {
        var attempts = 0;
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/flaky",
            () => Interlocked.Increment(ref attempts) < 3 ? Results.StatusCode(503) : Results.Text("ok")));
        using var host = HostWith(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        using var response = await client.GetAsync(new Uri("http://gateway/flaky"), TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task A_post_without_an_idempotency_key_is_not_repeated()
    {
        var attempts = 0;
        await using var server = await LocalHttpServer.StartAsync(app => app.MapPost("/charge", () =>
        {
            Interlocked.Increment(ref attempts);
            return Results.StatusCode(503);
        }));
        using var host = HostWith(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        using var response = await client.PostAsync(new Uri("http://gateway/charge"), new StringContent("x"), TestContext.Current.CancellationToken);

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        var attempts = 0;
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/missing", () =>
        {
            Interlocked.Increment(ref attempts);
            return Results.NotFound();
        }));
        using var host = HostWith(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        using var response = await client.GetAsync(new Uri("http://gateway/missing"), TestContext.Current.CancellationToken);

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Retry_after_is_honoured()
    {
        var times = new List<DateTime>();
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/busy", (HttpResponse response) =>
        {
            lock (times)
            {
                times.Add(DateTime.UtcNow);
                if (times.Count == 1)
                {
                    response.Headers.RetryAfter = "1";
                    return Results.StatusCode(429);
                }
            }
            return Results.Text("ok");
        }));
        using var host = HostWith(server.BaseAddress);
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        using var response = await client.GetAsync(new Uri("http://gateway/busy"), TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(900), $"second attempt after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_slow_attempt_times_out_and_the_next_one_is_tried()
    {
        var attempts = 0;
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/slow", async (HttpContext context) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up on this attempt.
                }
            }
            return Results.Text("fast now");
        }));
        using var host = HostWith(server.BaseAddress, options => options.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(300));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        var body = await client.GetStringAsync(new Uri("http://gateway/slow"), TestContext.Current.CancellationToken);

        Assert.Equal("fast now", body);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_failing_destination_opens_the_circuit_and_later_calls_fail_fast()
    {
        var attempts = 0;
        await using var server = await LocalHttpServer.StartAsync(app => app.MapGet("/down", () =>
        {
            Interlocked.Increment(ref attempts);
            return Results.StatusCode(503);
        }));
        using var host = HostWith(server.BaseAddress, options =>
        {
            options.Retry.MaxRetryAttempts = 1;
            options.CircuitBreaker.MinimumThroughput = 2;
            options.CircuitBreaker.FailureRatio = 0.5;
            options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        });
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        var ct = TestContext.Current.CancellationToken;

        using (await client.GetAsync(new Uri("http://gateway/down"), ct))
        {
        }
        var before = attempts;
        await Assert.ThrowsAsync<Polly.CircuitBreaker.BrokenCircuitException>(() => client.GetAsync(new Uri("http://gateway/down"), ct));

        Assert.Equal(2, before);
        Assert.Equal(before, attempts); // the open circuit answered without calling the server
    }
}
