using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Yapit.Billing.Stripe;

namespace Yapit.StripeSetup.Cli;

/// <summary>
/// One run of stripe-setup in a host (configuration, logging, telemetry, the registered Stripe HttpClient). Whatever
/// directory it is run from, the content root is the program's own (its appsettings.json), stdout carries only the
/// plan (text or JSON) and the apply's progress, and logs go to stderr: warnings only on the console by default, the
/// rest to the dashboard's structured logs when OTLP is configured.
/// </summary>
public static class SetupHost
{
    public static async Task<int> RunAsync(SetupArguments arguments, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        if (arguments.Local)
        {
            if (LocalStack.Find(out var error) is not { } stack)
            {
                await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            builder.Configuration.AddInMemoryCollection(stack.Settings);
            arguments = arguments with { Environment = arguments.Environment ?? stack.Environment };
        }
        if (SetupRunner.MissingSettings(builder.Configuration, arguments) is { Count: > 0 } missing)
        {
            foreach (var line in missing)
            {
                await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
            }
            return ExitCodes.Failure;
        }
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.AddServiceDefaults();
        builder.Services.AddStripe(builder.Configuration);
        using var host = builder.Build();
        HttpClient http;
        try
        {
            http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(StripeRegistration.HttpClientName);
        }
        catch (OptionsValidationException invalid)
        {
            // A malformed key or ApiBase: one line each, as the runner reports its own checks.
            foreach (var failure in invalid.Failures)
            {
                await Console.Error.WriteLineAsync($"stripe-setup: {failure}").ConfigureAwait(false);
            }
            return ExitCodes.Failure;
        }
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        // Stripe.net over the registered HttpClient; the runner checks the key's mode before building the client.
        var runner = new SetupRunner(builder.Configuration, Console.Out, Console.Error, host.Services.GetRequiredService<ILoggerFactory>(), http);
        var exitCode = await runner.RunAsync(arguments, cancellationToken).ConfigureAwait(false);
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return exitCode;
    }
}
