using Yapit.Bench.WebhookIntake;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await IntakeBenchmark.RunAsync(IntakeOptions.Parse(args), stop.Token);
