using Microsoft.Extensions.Configuration;
using Npgsql;
using Yapit.StripeSetup.Cli;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Setup;

/// <summary>Runs stripe-setup in-process against the emulator and a database, capturing what it prints.</summary>
public sealed class SetupHarness(StripeEmulatorFixture stripe, string connectionString, string catalogPath)
{
    public string CatalogPath { get; set; } = catalogPath;
    public string ConnectionString { get; } = connectionString;
    public string SecretKey { get; set; } = StripeEmulatorFixture.TestSecretKey;

    /// <summary>Intercepts the Stripe client's HTTP, e.g. to cut a run short.</summary>
    public HttpMessageHandler? Handler { get; set; }

    public static string DefaultCatalog => Path.Combine(Yapit.Tests.Infrastructure.ProjectMetadata.RepositoryRoot, "StripeSetup", "catalog.yaml");

    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}{Environment.NewLine}{Output}{Environment.NewLine}{Errors}";
    }

    public Task<Result> PlanAsync(params string[] options) => RunAsync(apply: false, options);

    public Task<Result> ApplyAsync(params string[] options) => RunAsync(apply: true, options);

    private async Task<Result> RunAsync(bool apply, string[] options)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stripe:SecretKey"] = SecretKey,
            ["Stripe:ApiBase"] = stripe.BaseAddress.ToString(),
            ["ConnectionStrings:billingdb"] = ConnectionString,
        }).Build();
        var output = new StringWriter();
        var errors = new StringWriter();
        var secretsDirectory = Path.Combine(Path.GetTempPath(), $"yapit-secrets-{Guid.NewGuid():N}");
        using var http = Handler is null ? new HttpClient() : new HttpClient(Handler, disposeHandler: false);
        var runner = new SetupRunner(configuration, output, errors, http: http);
        var exitCode = await runner.RunAsync(new SetupArguments
        {
            Apply = apply,
            CatalogPath = CatalogPath,
            Environment = Option(options, "--env") ?? "local",
            Json = options.Contains("--json"),
            Replace = options.Contains("--replace"),
            Live = options.Contains("--live"),
            WebhookSecretDirectory = Option(options, "--webhook-secret-dir") ?? secretsDirectory,
        }, TestContext.Current.CancellationToken);
        return new Result(exitCode, output.ToString(), errors.ToString());
    }

    private static string? Option(string[] options, string name)
    {
        var index = Array.IndexOf(options, name);
        return index >= 0 && index + 1 < options.Length ? options[index + 1] : null;
    }

    /// <summary>A copy of the default catalog with text replaced, in a temporary file.</summary>
    public static string CatalogWith(params (string Find, string Replace)[] edits)
    {
        var text = File.ReadAllText(DefaultCatalog);
        foreach (var (find, replace) in edits)
        {
            if (!text.Contains(find, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The default catalog has no '{find}'.", nameof(edits));
            }
            text = text.Replace(find, replace, StringComparison.Ordinal);
        }
        var path = Path.Combine(Path.GetTempPath(), $"yapit-catalog-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var command = db.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return value is DBNull or null ? default : (T)value;
    }
}
