using Yapit.Bench.UsageRecords;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await UsageBenchmark.RunAsync(UsageOptions.Parse(args), stop.Token);
