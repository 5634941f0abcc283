using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Yapit.Tests.Orchestration;

/// <summary>One running stack (the real AppHost, started once) shared by the tests of <see cref="StackTests"/>.</summary>
public sealed class RunningStack : IAsyncLifetime
{
    public string DataDirectory { get; } = AppHostFactory.NewDataDirectory();

    public DistributedApplication App { get; private set; } = null!;

    public TimeSpan StartTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var builder = await AppHostFactory.CreateAsync(DataDirectory, output: null);
        App = await builder.BuildAsync(ct);
        try
        {
            await App.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
            await App.ResourceNotifications.WaitForResourceHealthyAsync("gateway", ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
            await App.ResourceNotifications.WaitForResourceHealthyAsync("billing-worker", ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        }
        catch (TimeoutException timeout)
        {
            // Say which resource stopped the start and what it wrote, rather than only that it timed out.
            var states = string.Join("; ", new[] { "postgres", "stripe", "stripe-setup", "gateway", "billing-worker" }.Select(name =>
                App.ResourceNotifications.TryGetCurrentState(name, out var state)
                    ? $"{name}: {state.Snapshot.State?.Text} (exit {state.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, health {state.Snapshot.HealthStatus?.ToString() ?? "-"})"
                    : $"{name}: no state"));
            var logs = new List<string>();
            foreach (var name in new[] { "stripe-setup", "gateway" })
            {
                var log = await AppHostFactory.ResourceLogAsync(App, name);
                logs.Add($"--- {name} (last 3000 characters) ---\n{log[Math.Max(0, log.Length - 3000)..]}");
            }
            throw new TimeoutException($"The stack was not healthy after {started.Elapsed.TotalSeconds:F0} s. {states}\n{string.Join('\n', logs)}", timeout);
        }
        StartTime = started.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    public string Env(string resource, string name) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var state)
            ? state.Snapshot.EnvironmentVariables.Single(variable => variable.Name == name).Value!
            : throw new InvalidOperationException($"no state for {resource}");

    public string Parameter(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "parameters.json"))).RootElement.GetProperty(name).GetString()!;
}

/// <summary>The whole stack through <c>DistributedApplicationTestingBuilder.CreateAsync&lt;Projects.AppHost&gt;()</c>: the composition `dotnet run` starts.</summary>
[Trait("Category", "Stack")]
public sealed class StackTests(RunningStack stack, ITestOutputHelper output) : IClassFixture<RunningStack>
{
    [Fact]
    public async Task The_stack_starts_in_order_with_the_catalog_applied_and_every_service_healthy()
    {
        var ct = TestContext.Current.CancellationToken;
        output.WriteLine($"stack healthy after {stack.StartTime.TotalSeconds:F1} s");
        using var gateway = stack.App.CreateHttpClient("gateway");
        Assert.Equal("Healthy", await gateway.GetStringAsync("/health", ct));
        using var worker = stack.App.CreateHttpClient("billing-worker");
        Assert.Equal("Healthy", await worker.GetStringAsync("/alive", ct));

        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState("stripe-setup", out var setup));
        Assert.Equal(KnownResourceStates.Finished, setup.Snapshot.State?.Text);
        Assert.Equal(0, setup.Snapshot.ExitCode);
        Assert.Contains("0001_billing_schema.sql", await AppHostFactory.ResourceLogAsync(stack.App, "stripe-setup"), StringComparison.Ordinal);

        // The services wait for the one-shot's successful exit (LifecycleTests shows a failing one keeps them down).
        var model = stack.App.Services.GetRequiredService<DistributedApplicationModel>();
        foreach (var service in new[] { "gateway", "billing-worker" })
        {
            Assert.Contains(model.Resources.Single(r => r.Name == service).Annotations.OfType<WaitAnnotation>(),
                wait => wait.Resource.Name == "stripe-setup" && wait.WaitType == WaitType.WaitForCompletion && wait.ExitCode == 0);
        }

        var connectionString = await stack.App.GetConnectionStringAsync("billingdb", ct);
        Assert.Contains("Database=billingdb", connectionString, StringComparison.Ordinal);
        await using var db = NpgsqlDataSource.Create(connectionString!);
        await using var plans = db.CreateCommand("SELECT count(*) FROM billing.plans");
        Assert.True((long)(await plans.ExecuteScalarAsync(ct))! >= 3, "stripe-setup wrote the plans table");
    }

    [Fact]
    public async Task The_services_get_the_emulator_its_signing_secret_and_the_generated_keys()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stripe = stack.App.CreateHttpClient("stripe");
        var webhookSecret = (await stripe.GetStringAsync("/_emulator/webhook-secret", ct)).Trim();
        var stripeUrl = stack.App.GetEndpoint("stripe", "http").ToString().TrimEnd('/');

        Assert.StartsWith("whsec_", webhookSecret, StringComparison.Ordinal);
        Assert.Equal(webhookSecret, stack.Env("gateway", "Stripe__WebhookSecrets__0"));
        Assert.StartsWith("sk_test_", stack.Parameter("stripe-secret-key"), StringComparison.Ordinal);
        foreach (var service in new[] { "gateway", "billing-worker", "stripe-setup" })
        {
            Assert.Equal(stack.Parameter("stripe-secret-key"), stack.Env(service, "Stripe__SecretKey"));
            Assert.Equal(stripeUrl, stack.Env(service, "Stripe__ApiBase").TrimEnd('/'));
        }
        Assert.Equal(stack.Parameter("admin-api-key"), stack.Env("gateway", "Admin__ApiKey"));
        // What stripe-setup --local reads, run by hand: the settings the stack gave its own stripe-setup.
        var localStack = Path.Combine(stack.DataDirectory, "local-stack.json");
        using var local = JsonDocument.Parse(File.ReadAllText(localStack));
        Assert.Equal("local", local.RootElement.GetProperty("environment").GetString());
        var settings = local.RootElement.GetProperty("settings");
        Assert.Equal(stack.Env("stripe-setup", "ConnectionStrings__billingdb"), settings.GetProperty("ConnectionStrings:billingdb").GetString());
        Assert.Equal(stack.Parameter("stripe-secret-key"), settings.GetProperty("Stripe:SecretKey").GetString());
        Assert.Equal(stripeUrl, settings.GetProperty("Stripe:ApiBase").GetString()!.TrimEnd('/'));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(localStack));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(stack.DataDirectory, "parameters.json")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(stack.DataDirectory, "postgres")));
    }

    [Fact]
    public async Task A_signed_event_travels_from_the_emulator_through_the_gateway_to_the_worker()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stripe = stack.App.CreateHttpClient("stripe");
        stripe.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.Parameter("stripe-secret-key"));

        // A catalog change in Stripe: the emulator signs and forwards price.updated; the worker stops selling it.
        var prices = JsonDocument.Parse(await stripe.GetStringAsync("/v1/prices?lookup_keys[]=yapit_plus_monthly_v2", ct));
        var priceId = prices.RootElement.GetProperty("data")[0].GetProperty("id").GetString();
        using var deactivate = await stripe.PostAsync($"/v1/prices/{priceId}", new FormUrlEncodedContent([new("active", "false")]), ct);
        Assert.Equal(HttpStatusCode.OK, deactivate.StatusCode);

        await using var db = NpgsqlDataSource.Create((await stack.App.GetConnectionStringAsync("billingdb", ct))!);
        var available = true;
        for (var attempt = 0; attempt < 150 && available; attempt++)
        {
            await Task.Delay(200, ct);
            await using var command = db.CreateCommand("SELECT monthly_available FROM billing.plans WHERE tier = 'plus'");
            available = (bool)(await command.ExecuteScalarAsync(ct))!;
        }
        Assert.False(available, "the worker marked Plus monthly unavailable");

        // Operators see it through the admin API (the row is marked done just after the handler's effect lands).
        using var gateway = stack.App.CreateHttpClient("gateway");
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.Parameter("admin-api-key"));
        var listed = string.Empty;
        for (var attempt = 0; attempt < 50 && !listed.Contains("price.updated", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100, ct);
            listed = await gateway.GetStringAsync("/v1/admin/events?type=price.updated&status=done", ct);
        }
        Assert.Contains("price.updated", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_resource_logs_a_secret()
    {
        var ct = TestContext.Current.CancellationToken;
        var password = new NpgsqlConnectionStringBuilder(await stack.App.GetConnectionStringAsync("billingdb", ct)).Password!;
        string[] secrets = [stack.Parameter("stripe-secret-key"), stack.Parameter("admin-api-key"), password];
        foreach (var resource in new[] { "postgres", "stripe", "stripe-setup", "gateway", "billing-worker" })
        {
            var log = await AppHostFactory.ResourceLogAsync(stack.App, resource);
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, log, StringComparison.Ordinal));
        }
    }
}
