using System.CommandLine;

namespace Yapit.StripeSetup.Cli;

/// <summary>
/// <c>stripe-setup plan|apply [--catalog path] [--env name] [--json] [--replace] [--live] [--local]</c>; configuration
/// comes from the environment (<c>Stripe__SecretKey</c>, <c>Stripe__ApiBase</c>, <c>ConnectionStrings__billingdb</c>),
/// or with <c>--local</c> from the running local stack.
/// </summary>
public static class SetupCommandLine
{
    public static RootCommand Create(Func<SetupArguments, CancellationToken, Task<int>> run)
    {
        var catalog = new Option<string>("--catalog")
        {
            Description = "The catalog file (default: catalog.yaml here, else StripeSetup/catalog.yaml).",
            DefaultValueFactory = _ => DefaultCatalogPath(),
        };
        var environment = new Option<string?>("--env")
        {
            Description = "The catalog environment whose values apply (default: test for a test key, live for a live key).",
        };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON." };
        var replace = new Option<bool>("--replace") { Description = "Replace prices whose amount, currency or interval changed (the new price takes the lookup key over)." };
        var live = new Option<bool>("--live") { Description = "Allow a live key (required to change live mode)." };
        var local = new Option<bool>("--local")
        {
            Description = "Use the running local stack's database, Stripe key and emulator, and its catalog environment (local).",
        };
        var secrets = new Option<string>("--webhook-secret-dir")
        {
            Description = "Where signing secrets of webhook endpoints created by apply are written (mode 600).",
            DefaultValueFactory = _ => "webhook-secrets",
        };

        Command Verb(string name, string description, bool apply)
        {
            var command = new Command(name, description) { catalog, environment, json, replace, live, local, secrets };
            command.SetAction((result, cancellationToken) => run(new SetupArguments
            {
                Apply = apply,
                CatalogPath = result.GetValue(catalog)!,
                Environment = result.GetValue(environment),
                Json = result.GetValue(json),
                Replace = result.GetValue(replace),
                Live = result.GetValue(live),
                Local = result.GetValue(local),
                WebhookSecretDirectory = result.GetValue(secrets)!,
            }, cancellationToken));
            return command;
        }

        return new RootCommand("Keeps Stripe's catalog and the plans table equal to the catalog file: plan, then apply.")
        {
            Verb("plan", "Show what apply would change, without changing anything.", apply: false),
            Verb("apply", "Migrate the database, make Stripe match the catalog, write the plans table.", apply: true),
        };
    }

    private static string DefaultCatalogPath()
    {
        foreach (var candidate in new[] { "catalog.yaml", Path.Combine("StripeSetup", "catalog.yaml"), Path.Combine(AppContext.BaseDirectory, "catalog.yaml") })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return "catalog.yaml";
    }
}
