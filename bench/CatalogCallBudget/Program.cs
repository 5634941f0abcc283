using Yapit.Bench.CatalogCallBudget;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await CallBudgetBenchmark.RunAsync(CallBudgetOptions.Parse(args), stop.Token);
