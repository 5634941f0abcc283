using Yapit.AppHost;
using Yapit.AppHost.Hosting;
using Yapit.AppHost.Hosting.Resources;
using Yapit.AppHost.Testing;

namespace Yapit.Tests.Orchestration;

/// <summary>The whole stack through the AppHost's testing entry point: the same composition `dotnet run` starts.</summary>
public sealed class StackTests(ITestOutputHelper output, Yapit.Tests.Infrastructure.PostgresServerFixture postgres)
{
    [Fact]
    public async Task The_stack_starts_in_order_serves_health_and_leaves_no_process_when_disposed()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = DistributedApplicationTestingBuilder.Create(output.WriteLine);
        var app = builder.Build();
        int[] pids;
        string dataDirectory = builder.Options.DataDirectory;
        try
        {
            await app.StartAsync(ct);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", ct);

            using var gateway = app.CreateHttpClient("gateway");
            Assert.Equal("Healthy", await gateway.GetStringAsync("/health", ct));
            using var worker = app.CreateHttpClient("billing-worker");
            Assert.Equal("Healthy", await worker.GetStringAsync("/health", ct));

            var setup = app.ResourceNotifications.Get("stripe-setup");
            Assert.Equal(ResourceState.Finished, setup.State);
            Assert.Equal(0, setup.ExitCode);
            Assert.Contains(app.GetResourceLog("stripe-setup"), line => line.Contains("0001_billing_schema.sql", StringComparison.Ordinal));

            var connectionString = await app.GetConnectionStringAsync("billingdb", ct);
            Assert.Contains("Database=billingdb", connectionString, StringComparison.Ordinal);

            // The Stripe emulator: healthy, forwarding to the gateway, its secret and the generated key handed on.
            using var stripe = app.CreateHttpClient("stripe");
            var webhookSecret = await stripe.GetStringAsync("/_emulator/webhook-secret", ct);
            var stripePid = app.GetResource<ProjectResource>("stripe").ProcessId!.Value;
            var gatewayPid = app.GetResource<ProjectResource>("gateway").ProcessId!.Value;
            var stripeArgs = File.ReadAllText($"/proc/{stripePid}/cmdline").Split('\0');
            Assert.Equal(new Uri(app.GetEndpoint("gateway"), "/v1/billing/webhook").ToString(), stripeArgs[Array.IndexOf(stripeArgs, "--forward-to") + 1]);
            Assert.Equal(Path.Combine(dataDirectory, "stripe"), stripeArgs[Array.IndexOf(stripeArgs, "--state-dir") + 1]);
            var parametersFile = Path.Combine(dataDirectory, "parameters.json");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(parametersFile));
            }
            var secretKey = System.Text.Json.JsonDocument.Parse(File.ReadAllText(parametersFile)).RootElement.GetProperty("stripe-secret-key").GetString();
            Assert.StartsWith("sk_test_", secretKey, StringComparison.Ordinal);
            var gatewayEnvironment = File.ReadAllText($"/proc/{gatewayPid}/environ").Split('\0');
            Assert.Contains($"Stripe__WebhookSecrets__0={webhookSecret}", gatewayEnvironment);
            Assert.Contains($"Stripe__SecretKey={secretKey}", gatewayEnvironment);
            Assert.Contains($"Stripe__ApiBase={app.GetEndpoint("stripe").ToString().TrimEnd('/')}", gatewayEnvironment);
            Assert.Contains(app.GetEndpoint("stripe").ToString().TrimEnd('/'), StartupTable.Render(app), StringComparison.Ordinal);

            // Signed events end to end: a catalog change in Stripe reaches the gateway, the inbox and the worker,
            // which stops selling the plan interval; operators see the event through the admin API.
            var stripeClient = Yapit.Billing.Stripe.StripeRegistration.CreateClient(
                new Yapit.Billing.Stripe.StripeSettings { SecretKey = secretKey!, ApiBase = app.GetEndpoint("stripe") }, new HttpClient());
            var price = (await stripeClient.V1.Prices.ListAsync(new Stripe.PriceListOptions { LookupKeys = ["yapit_plus_monthly_v2"] }, cancellationToken: ct)).Data.Single();
            await stripeClient.V1.Prices.UpdateAsync(price.Id, new Stripe.PriceUpdateOptions { Active = false }, cancellationToken: ct);
            await using (var db = Npgsql.NpgsqlDataSource.Create(connectionString))
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                bool available;
                do
                {
                    await Task.Delay(200, ct);
                    await using var command = db.CreateCommand("SELECT monthly_available FROM billing.plans WHERE tier = 'plus'");
                    available = (bool)(await command.ExecuteScalarAsync(ct))!;
                }
                while (available && DateTime.UtcNow < deadline);
                Assert.False(available, "the worker marked Plus monthly unavailable");
            }
            // The handler's effect lands just before the row is marked done: ask until it is.
            var listed = string.Empty;
            for (var attempt = 0; attempt < 50 && !listed.Contains("price.updated", StringComparison.Ordinal); attempt++)
            {
                using var admin = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/events?type=price.updated&status=done");
                admin.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", builder.Generated!.AdminApiKey);
                using var events = await gateway.SendAsync(admin, ct);
                Assert.Equal(System.Net.HttpStatusCode.OK, events.StatusCode);
                listed = await events.Content.ReadAsStringAsync(ct);
                await Task.Delay(100, ct);
            }
            Assert.Contains("price.updated", listed, StringComparison.Ordinal);
            Assert.Contains(builder.Generated!.AdminApiKey, File.ReadAllText(parametersFile), StringComparison.Ordinal);

            // No resource logs a secret: not the Stripe key, not the database password, not the admin key.
            var password = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Password!;
            foreach (var resource in app.Resources)
            {
                var log = string.Join('\n', app.GetResourceLog(resource.Name));
                Assert.DoesNotContain(secretKey!, log, StringComparison.Ordinal);
                Assert.DoesNotContain(password, log, StringComparison.Ordinal);
                Assert.DoesNotContain(builder.Generated.AdminApiKey, log, StringComparison.Ordinal);
            }

            pids =
            [
                app.GetResource<PostgresServerResource>("postgres").Server.ProcessId!.Value,
                stripePid,
                gatewayPid,
                app.GetResource<ProjectResource>("billing-worker").ProcessId!.Value,
            ];
        }
        finally
        {
            await app.DisposeAsync();
        }

        Assert.All(pids, pid => Assert.False(ProcessExists(pid), $"process {pid} is still running"));
        Assert.Empty(ProcessesMentioning(dataDirectory));
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task A_failing_one_shot_stops_the_start_naming_it_with_its_last_log_lines()
    {
        var ct = TestContext.Current.CancellationToken;
        // A database migrated by a "newer build" makes stripe-setup exit non-zero; nothing after it may start.
        var connectionString = await postgres.CreateDatabaseAsync("newer_build");
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString))
        {
            await using var command = dataSource.CreateCommand(
                "INSERT INTO public.schema_migrations (version, file_name, checksum, execution_ms) VALUES (9999, '9999_from_the_future.sql', 'x', 0)");
            await command.ExecuteNonQueryAsync(ct);
        }
        var builder = DistributedApplicationTestingBuilder.Create(output.WriteLine);
        builder.Options.ExternalConnectionString = connectionString;
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(ct));

        Assert.Contains("'stripe-setup' exited with code 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("9999_from_the_future.sql", error.Message, StringComparison.Ordinal);
        Assert.True(app.ResourceNotifications.Get("gateway").State is ResourceState.Waiting or ResourceState.FailedToStart);
        Assert.Null(app.GetResource<ProjectResource>("gateway").ProcessId);
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
