using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Infrastructure.Postgres;
using Yapit.Bench.Shared;
using Yapit.Billing.Stripe;
using Yapit.StripeSetup.Cli;

namespace Yapit.Bench.CatalogCallBudget;

/// <summary>
/// For each catalog: a fresh emulator state and database, <c>apply</c> (creates everything), then <c>apply</c> again
/// (must change nothing), each with the emulator's request counts reset before it. The counts are Stripe API calls
/// by method and route template, so a list read in three pages shows as three GETs of the same path.
/// </summary>
public static class CallBudgetBenchmark
{
    private const string SecretKey = "sk_test_yapit_bench_call_budget";

    public sealed record Call(string Method, string Path, long Count);

    public sealed record ApplyRun(string Name, int ExitCode, double WallSeconds, long Calls, long Writes, IReadOnlyList<Call> ByPath, string Summary);

    public sealed record CatalogResult(string Catalog, int Products, int Prices, ApplyRun FirstApply, ApplyRun NoOpApply);

    public sealed record Report(string Source, DateTime MeasuredAtUtc, MachineInfo Machine, string LoadBefore, string LoadAfter, string Postgres, IReadOnlyList<CatalogResult> Catalogs);

    public static async Task<int> RunAsync(CallBudgetOptions options, CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Capture();
        var source = SourceVersion.Describe();
        Console.WriteLine($"machine: {machine}");
        Console.WriteLine($"source: {source}");

        // Durability is not what this measures: fsync off keeps the plans-table writes out of the wall times.
        await using var postgres = await BenchPostgres.StartAsync(durable: false, cancellationToken);
        var settings = await postgres.SettingsAsync(cancellationToken);
        var port = LocalPostgresServer.FreePort();
        var emulatorUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        await using var emulator = await ChildService.StartAsync(
            "stripe emulator",
            ProjectMetadata.For("StripeEmulator").AssemblyPath,
            ["--urls", emulatorUrl.ToString().TrimEnd('/')],
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" },
            new Uri(emulatorUrl, "_emulator/health"),
            cancellationToken);
        using var operatorClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = emulatorUrl };

        var generatedPath = Path.Combine(Path.GetTempPath(), $"yapit-bench-catalog-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(generatedPath, CatalogGenerator.Yaml(options.Products, options.PricesPerProduct), cancellationToken);
        var results = new List<CatalogResult>();
        try
        {
            var defaultCatalog = Path.Combine(ProjectMetadata.RepositoryRoot, "StripeSetup", "catalog.yaml");
            results.Add(await MeasureCatalogAsync("default (StripeSetup/catalog.yaml)", defaultCatalog, postgres, operatorClient, emulatorUrl, cancellationToken));
            results.Add(await MeasureCatalogAsync(
                $"generated ({options.Products} products x {options.PricesPerProduct} prices)", generatedPath, postgres, operatorClient, emulatorUrl, cancellationToken));
        }
        finally
        {
            File.Delete(generatedPath);
        }

        var report = new Report(source, DateTime.UtcNow, machine, machine.LoadAverage, MachineInfo.Load(),
            $"PostgreSQL {settings["server_version"]} ({(postgres.IsExternal ? "ConnectionStrings__billingdb" : "local throw-away cluster, fsync off")})", results);
        Print(report);
        var path = await ResultFile.WriteAsync("catalog-call-budget", report, options.ResultsDirectory, cancellationToken);
        Console.WriteLine($"report: {path}");
        return results.All(r => r.FirstApply.ExitCode == 0 && r.NoOpApply.ExitCode == 0) ? 0 : 1;
    }

    private static async Task<CatalogResult> MeasureCatalogAsync(
        string name, string catalogPath, BenchPostgres postgres, HttpClient operatorClient, Uri emulatorUrl, CancellationToken cancellationToken)
    {
        Console.WriteLine($"catalog: {name}");
        using (var reset = await operatorClient.PostAsync(new Uri("_emulator/reset", UriKind.Relative), null, cancellationToken))
        {
            reset.EnsureSuccessStatusCode();
        }
        var database = await postgres.CreateDatabaseAsync("setup", migrated: false, cancellationToken);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stripe:SecretKey"] = SecretKey,
            ["Stripe:ApiBase"] = emulatorUrl.ToString(),
            ["ConnectionStrings:billingdb"] = database,
        }).Build();
        var catalog = Yapit.StripeSetup.Catalog.CatalogLoader.LoadFile(catalogPath, "local");
        if (!catalog.IsValid)
        {
            throw new InvalidOperationException($"{catalogPath} is invalid: {string.Join("; ", catalog.Errors.Select(e => $"{e.Path}: {e.Message}"))}");
        }

        var first = await ApplyAsync("first apply", catalogPath, configuration, operatorClient, cancellationToken);
        var noOp = await ApplyAsync("no-op apply", catalogPath, configuration, operatorClient, cancellationToken);
        return new CatalogResult(name, catalog.Catalog!.Products.Count, catalog.Catalog.Prices.Count(), first, noOp);
    }

    private static async Task<ApplyRun> ApplyAsync(string name, string catalogPath, IConfiguration configuration, HttpClient operatorClient, CancellationToken cancellationToken)
    {
        using (var reset = await operatorClient.PostAsync(new Uri("_emulator/stats/reset", UriKind.Relative), null, cancellationToken))
        {
            reset.EnsureSuccessStatusCode();
        }
        var output = new StringWriter();
        var errors = new StringWriter();
        // Stripe.net over the HttpClient of the one Stripe registration, as the stripe-setup command line builds it.
        var services = new ServiceCollection();
        services.AddStripe(configuration);
        await using var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(StripeRegistration.HttpClientName);
        var runner = new SetupRunner(configuration, output, errors, http: http);
        var secrets = Path.Combine(Path.GetTempPath(), $"yapit-bench-secrets-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        var exitCode = await runner.RunAsync(new SetupArguments
        {
            Apply = true,
            CatalogPath = catalogPath,
            Environment = "local",
            WebhookSecretDirectory = secrets,
        }, cancellationToken);
        clock.Stop();
        if (Directory.Exists(secrets))
        {
            Directory.Delete(secrets, recursive: true);
        }
        if (exitCode != 0)
        {
            Console.Error.WriteLine($"{name} exited {exitCode}:{Environment.NewLine}{errors}{Environment.NewLine}{Tail(output.ToString(), 20)}");
        }

        var stats = await operatorClient.GetFromJsonAsync<StatsBody>(new Uri("_emulator/stats", UriKind.Relative), StatsJson, cancellationToken)
            ?? throw new InvalidOperationException("The emulator returned no stats.");
        var calls = stats.Requests.Select(r => new Call(r.Method, r.Path, r.Count)).ToList();
        // The plan's summary line ("Plan: ..." or "No changes.") and apply's closing line say what the run did.
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var summary = string.Join(" | ", lines.Where(l => l.StartsWith("Plan:", StringComparison.Ordinal) || l.StartsWith("No changes", StringComparison.Ordinal) || l.StartsWith("Apply complete", StringComparison.Ordinal)));
        return new ApplyRun(name, exitCode, Math.Round(clock.Elapsed.TotalSeconds, 3), calls.Sum(c => c.Count), calls.Where(c => c.Method != "GET").Sum(c => c.Count), calls, summary);
    }

    private static void Print(Report report)
    {
        Console.WriteLine();
        Console.WriteLine($"Stripe API calls of stripe-setup apply ({report.Postgres}; load before {report.LoadBefore}, after {report.LoadAfter})");
        foreach (var catalog in report.Catalogs)
        {
            Console.WriteLine();
            Console.WriteLine($"{catalog.Catalog}: {catalog.Products} products, {catalog.Prices} prices");
            foreach (var run in new[] { catalog.FirstApply, catalog.NoOpApply })
            {
                Console.WriteLine($"  {run.Name}: exit {run.ExitCode}, {run.Calls} calls ({run.Writes} writes), {run.WallSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s; {run.Summary}");
                foreach (var call in run.ByPath)
                {
                    Console.WriteLine($"    {call.Count,5}  {call.Method,-4} {call.Path}");
                }
            }
        }
    }

    private static string Tail(string text, int lines) => string.Join(Environment.NewLine, text.Split('\n').TakeLast(lines));

    private static readonly JsonSerializerOptions StatsJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record StatsBody(List<StatsEntry> Requests);

    private sealed record StatsEntry(string Method, string Path, long Count);
}
