using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yapit.Billing.Stripe;
using Yapit.StripeSetup.Cli;

var command = SetupCommandLine.Create(async (arguments, cancellationToken) =>
{
    // A host for configuration, logging and telemetry; the work itself is one run, then exit.
    var builder = Host.CreateApplicationBuilder();
    builder.AddServiceDefaults();
    builder.Services.AddStripe(builder.Configuration);
    using var host = builder.Build();
    await host.StartAsync(cancellationToken);
    // Stripe.net over the registered HttpClient; the runner checks the key's mode before building the client.
    var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(StripeRegistration.HttpClientName);
    var runner = new SetupRunner(builder.Configuration, Console.Out, Console.Error, host.Services.GetRequiredService<ILoggerFactory>(), http);
    var exitCode = await runner.RunAsync(arguments, cancellationToken);
    await host.StopAsync(CancellationToken.None);
    return exitCode;
});

return await command.Parse(args).InvokeAsync();
