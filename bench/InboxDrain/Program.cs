using Yapit.Bench.InboxDrain;

var options = DrainOptions.Parse(args);
// WebApplicationFactory looks for MvcTestingAppManifest.json (each service's content root) in the current directory.
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await DrainBenchmark.RunAsync(options, stop.Token);
