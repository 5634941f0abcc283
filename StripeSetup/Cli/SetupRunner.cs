using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Stripe;
using Yapit.Billing.Data;
using Yapit.Billing.Stripe;
using Yapit.StripeSetup.Applying;
using Yapit.StripeSetup.Catalog;
using Yapit.StripeSetup.Database;
using Yapit.StripeSetup.Planning;
using Plan = Yapit.StripeSetup.Planning.Plan;

namespace Yapit.StripeSetup.Cli;

/// <summary>What the command line asked for.</summary>
public sealed record SetupArguments
{
    public required bool Apply { get; init; }
    public required string CatalogPath { get; init; }
    public string? Environment { get; init; }
    public bool Json { get; init; }
    public bool Replace { get; init; }
    public bool Live { get; init; }
    /// <summary>Settings from the running local stack (<see cref="LocalStack"/>) instead of the environment.</summary>
    public bool Local { get; init; }
    public string WebhookSecretDirectory { get; init; } = "webhook-secrets";
}

public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int InvalidCatalog = 2;
    public const int ImmutableDrift = 3;
}

/// <summary>
/// plan: read the catalog and Stripe, print what apply would do. apply: the same, then migrate the database, make
/// Stripe match the catalog and write the plans table. Nothing is written when the catalog is invalid (exit 2), when
/// an immutable field drifted (exit 3), or when the key's mode is not the one asked for (exit 1).
/// </summary>
/// <param name="http">
/// The HttpClient Stripe.net sends through: the one <see cref="StripeRegistration"/> registers (traced, no second retry
/// layer) when run as stripe-setup; a plain one when null.
/// </param>
public sealed class SetupRunner(IConfiguration configuration, TextWriter output, TextWriter errors, ILoggerFactory? loggers = null, HttpClient? http = null)
{
    private static readonly ActivitySource ActivitySource = new("Yapit.StripeSetup");
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    public async Task<int> RunAsync(SetupArguments arguments, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity(arguments.Apply ? "stripe-setup apply" : "stripe-setup plan");
        try
        {
            return await RunCoreAsync(arguments, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.StripeError?.Type ?? error.GetType().Name);
            await errors.WriteLineAsync($"stripe-setup: Stripe refused a request: {error.Message}. What was applied before stays; apply again to finish (it is safe to repeat).").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception error) when (error is HttpRequestException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Stripe.net has retried already (Stripe:MaxNetworkRetries); what remains is an outage or a wrong ApiBase.
            activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            var reason = error is OperationCanceledException ? "the request timed out" : error.Message;
            await errors.WriteLineAsync($"stripe-setup: could not reach Stripe ({reason}). What was applied before stays; apply again to finish (it is safe to repeat).").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception error) when (error is MigrationException or NpgsqlException or InvalidOperationException or IOException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            await errors.WriteLineAsync($"stripe-setup: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private async Task<int> RunCoreAsync(SetupArguments arguments, Activity? activity, CancellationToken cancellationToken)
    {
        var missing = MissingSettings(configuration, arguments);
        foreach (var line in missing)
        {
            await errors.WriteLineAsync(line).ConfigureAwait(false);
        }
        if (missing.Count > 0)
        {
            return ExitCodes.Failure;
        }
        var secretKey = configuration["Stripe:SecretKey"]!;
        StripeMode mode;
        try
        {
            mode = StripeKeys.ModeOf(secretKey);
        }
        catch (ArgumentException)
        {
            await errors.WriteLineAsync($"stripe-setup: Stripe__SecretKey ({StripeKeys.Redact(secretKey)}) is not a Stripe secret key (sk_test_, sk_live_, rk_test_ or rk_live_).").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        // Live mode only when asked for, and never by accident: checked before any call.
        if (mode == StripeMode.Live && !arguments.Live)
        {
            await errors.WriteLineAsync("stripe-setup: refusing: Stripe__SecretKey is a LIVE key. Pass --live to change the live account.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        if (mode == StripeMode.Test && arguments.Live)
        {
            await errors.WriteLineAsync("stripe-setup: refusing: --live was given but Stripe__SecretKey is a test key.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var environment = arguments.Environment ?? (mode == StripeMode.Live ? "live" : "test");
        var loaded = CatalogLoader.LoadFile(arguments.CatalogPath, environment);
        if (!loaded.IsValid)
        {
            await errors.WriteLineAsync($"stripe-setup: the catalog {arguments.CatalogPath} is invalid ({loaded.Errors.Count} error(s)); nothing was read or written:").ConfigureAwait(false);
            foreach (var error in loaded.Errors)
            {
                await errors.WriteLineAsync($"  {arguments.CatalogPath}:{error.Location.Line}:{error.Location.Column}: {error.Path}: {error.Message}").ConfigureAwait(false);
            }
            return ExitCodes.InvalidCatalog;
        }
        var catalog = loaded.Catalog!;
        activity?.SetTag("stripe.mode", mode.ToString().ToLowerInvariant());
        activity?.SetTag("yapit.catalog.environment", environment);

        var stripe = CreateStripeClient(secretKey);
        var state = await StripeState.ReadAsync(stripe, cancellationToken).ConfigureAwait(false);
        var plan = Planner.Create(catalog, state, new PlannerOptions
        {
            Mode = mode,
            CatalogPath = arguments.CatalogPath,
            Replace = arguments.Replace,
            CatalogWarnings = loaded.Warnings,
        });

        var connectionString = configuration.GetConnectionString(BillingDatabase.ConnectionName);
        await using var dataSource = string.IsNullOrWhiteSpace(connectionString) ? null : BillingDatabase.CreateDataSource(connectionString, _loggers);
        var desiredRows = PlansTable.Desired(catalog, PlannedPrices(catalog, state, plan));
        if (dataSource is not null && await SchemaIsCurrentAsync(dataSource, cancellationToken).ConfigureAwait(false))
        {
            plan = plan with { DatabaseChanges = PlansTable.Diff(desiredRows, await PlansTable.ReadAsync(dataSource, cancellationToken).ConfigureAwait(false)) };
        }
        else if (dataSource is not null)
        {
            plan = plan with { DatabaseChanges = PlansTable.Diff(desiredRows, new PlansTable.Rows([], [], [])) };
        }

        await output.WriteAsync(arguments.Json ? PlanRenderer.RenderJson(plan) + System.Environment.NewLine : PlanRenderer.Render(plan)).ConfigureAwait(false);
        activity?.SetTag("yapit.plan.changes", plan.Changes.Count);
        if (plan.Drift.Count > 0)
        {
            await errors.WriteLineAsync($"stripe-setup: {plan.Drift.Count} immutable field(s) differ from the catalog; nothing was written. See the fixes above.").ConfigureAwait(false);
            return ExitCodes.ImmutableDrift;
        }
        if (!arguments.Apply)
        {
            return ExitCodes.Success;
        }

        // Apply: the schema first, then Stripe, then the plans table with the resolved ids.
        var progress = arguments.Json ? errors : output;
        var migrated = await new MigrationRunner(dataSource!, _loggers.CreateLogger<MigrationRunner>()).ApplyAsync(cancellationToken).ConfigureAwait(false);
        // Part of what apply reports, not a log line (logs are warnings only on the console).
        await progress.WriteLineAsync(migrated.Applied.Count == 0
            ? $"Migrations: none to apply ({migrated.AlreadyApplied} present)."
            : $"Migrations: applied {string.Join(", ", migrated.Applied)} ({migrated.AlreadyApplied} present before).").ConfigureAwait(false);
        if (plan.HasStripeChanges)
        {
            await progress.WriteLineAsync("Applying:").ConfigureAwait(false);
        }
        var applier = new PlanApplier(stripe, progress) { WebhookSecretDirectory = arguments.WebhookSecretDirectory };
        var resolved = await applier.ApplyAsync(plan, catalog, state, cancellationToken).ConfigureAwait(false);
        var rows = PlansTable.Desired(catalog, resolved);
        var written = PlansTable.Diff(rows, await PlansTable.ReadAsync(dataSource!, cancellationToken).ConfigureAwait(false));
        await PlansTable.WriteAsync(dataSource!, rows, cancellationToken).ConfigureAwait(false);
        await progress.WriteLineAsync(
            $"Apply complete: {plan.Count(ChangeAction.Create)} created, {plan.Count(ChangeAction.Update)} updated, " +
            $"{plan.Count(ChangeAction.Deactivate)} deactivated, {plan.Count(ChangeAction.Replace)} replaced in Stripe; " +
            $"{written.Count} database row(s) written.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>
    /// One line per setting the run needs and does not have, each naming it as the environment spells it: checked
    /// before anything else (and before the host's Stripe client, whose options validation would throw).
    /// </summary>
    public static IReadOnlyList<string> MissingSettings(IConfiguration configuration, SetupArguments arguments)
    {
        var hint = arguments.Local ? " (the local stack gave none)" : " (or pass --local to use the running local stack's)";
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]))
        {
            missing.Add($"stripe-setup: Stripe__SecretKey is not set{hint}.");
        }
        if (arguments.Apply && string.IsNullOrWhiteSpace(configuration.GetConnectionString(BillingDatabase.ConnectionName)))
        {
            missing.Add($"stripe-setup: ConnectionStrings__{BillingDatabase.ConnectionName} is not set; apply writes the plans table{hint}.");
        }
        return missing;
    }

    private IStripeClient CreateStripeClient(string secretKey)
    {
        var settings = new StripeSettings { SecretKey = secretKey };
        configuration.GetSection(StripeSettings.SectionName).Bind(settings);
        return StripeRegistration.CreateClient(settings, http ?? new HttpClient { Timeout = settings.RequestTimeout });
    }

    /// <summary>Price ids as they will be after the apply: existing ones, and a placeholder for those it creates.</summary>
    private static Dictionary<string, ResolvedPrice> PlannedPrices(Catalog.Catalog catalog, StripeState state, Plan plan)
    {
        var existing = state.Prices.Where(p => p.LookupKey is not null).GroupBy(p => p.LookupKey!)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Active).First().Id, StringComparer.Ordinal);
        var created = plan.Changes.Where(c => c.Kind == ResourceKinds.Price && c.Action is ChangeAction.Create or ChangeAction.Replace)
            .Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        return catalog.Prices.ToDictionary(
            p => p.LookupKey,
            p => new ResolvedPrice(p.LookupKey, created.Contains(p.LookupKey) ? PlansTable.NewPriceId : existing.GetValueOrDefault(p.LookupKey), p.Active),
            StringComparer.Ordinal);
    }

    private static async Task<bool> SchemaIsCurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass('billing.plans') IS NOT NULL");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
