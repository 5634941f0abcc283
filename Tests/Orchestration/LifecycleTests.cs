using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Orchestration;

/// <summary>Starting from nothing, stopping without leftovers, and a failing one-shot that keeps the services from starting.</summary>
[Trait("Category", "Stack")]
public sealed class LifecycleTests(ITestOutputHelper output, PostgresServerFixture postgres)
{
    [Fact]
    public async Task Disposing_the_app_leaves_no_process_and_the_state_stays_for_the_next_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDirectory = AppHostFactory.NewDataDirectory();
        try
        {
            var builder = await AppHostFactory.CreateAsync(dataDirectory, output);
            var pids = new List<int>();
            await using (var app = await builder.BuildAsync(ct))
            {
                await app.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
                await app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
                foreach (var name in new[] { "postgres", "stripe", "gateway", "billing-worker" })
                {
                    Assert.True(app.ResourceNotifications.TryGetCurrentState(name, out var state));
                    var pid = Convert.ToInt32(state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, System.Globalization.CultureInfo.InvariantCulture);
                    pids.Add(pid);
                    pids.AddRange(Children(pid)); // Postgres' backends; a project under `dotnet run` (its program not built where the AppHost looks) is the child
                }
                Assert.True(pids.Count > 4, "the projects' own processes were found");
                Assert.True(File.Exists(Path.Combine(dataDirectory, "local-stack.json")), "stripe-setup --local finds the running stack");
                await app.StopAsync(ct);
            }

            Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), $"process {pid} is still running"));
            Assert.Empty(ProcessesMentioning(dataDirectory));
            Assert.True(File.Exists(Path.Combine(dataDirectory, "postgres", "PG_VERSION")), "the cluster is kept for the next run");
            Assert.False(File.Exists(Path.Combine(dataDirectory, "local-stack.json")), "a stopped stack is not offered to stripe-setup --local");
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_failing_one_shot_keeps_the_gateway_and_worker_from_starting()
    {
        var ct = TestContext.Current.CancellationToken;
        // A database migrated by a "newer build" makes stripe-setup exit non-zero.
        var connectionString = await postgres.CreateDatabaseAsync("newer_build");
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString))
        {
            await using var command = dataSource.CreateCommand(
                "INSERT INTO public.schema_migrations (version, file_name, checksum, execution_ms) VALUES (9999, '9999_from_the_future.sql', 'x', 0)");
            await command.ExecuteNonQueryAsync(ct);
        }
        var dataDirectory = AppHostFactory.NewDataDirectory();
        try
        {
            var builder = await AppHostFactory.CreateAsync(dataDirectory, output, $"--ConnectionStrings:billingdb={connectionString}");
            Assert.DoesNotContain(builder.Resources, resource => resource.Name == "postgres"); // the user's server, no local one
            await using var app = await builder.BuildAsync(ct);
            await app.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);

            var setup = await app.ResourceNotifications.WaitForResourceAsync("stripe-setup",
                e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
            Assert.NotEqual(0, setup.Snapshot.ExitCode);
            Assert.Contains("9999_from_the_future.sql", await AppHostFactory.ResourceLogAsync(app, "stripe-setup"), StringComparison.Ordinal);

            var gateway = await app.ResourceNotifications.WaitForResourceAsync("gateway",
                e => e.Snapshot.State?.Text == KnownResourceStates.FailedToStart, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.DoesNotContain(gateway.Snapshot.Properties, p => p.Name == "executable.pid" && p.Value is not null);
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    private static IEnumerable<int> Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(child => int.Parse(child, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Trim().StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
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
                if (cmdline.Contains(text, StringComparison.Ordinal) && !IsZombie(int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture)))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        return found;
    }
}
