using Yapit.AppHost;
using Yapit.AppHost.Hosting;

var hosting = new DistributedApplicationOptions();
AppHostOptions options;
try
{
    options = AppHostOptions.Parse(args, hosting);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"apphost: {error.Message}");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(AppHostOptions.Usage);
    return 0;
}

return await AppHostRunner.RunAsync(options, hosting);
