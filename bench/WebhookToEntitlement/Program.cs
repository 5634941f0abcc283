using Yapit.Bench.WebhookToEntitlement;

var options = EntitlementOptions.Parse(args);
// WebApplicationFactory looks for MvcTestingAppManifest.json (each service's content root) in the current
// directory, as a test runner sets it; dotnet run --project leaves it wherever it was started.
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await EntitlementBenchmark.RunAsync(options, stop.Token);
