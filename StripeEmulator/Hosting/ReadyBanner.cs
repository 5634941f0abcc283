using Yapit.StripeEmulator.Webhooks;

namespace Yapit.StripeEmulator.Hosting;

/// <summary>
/// Prints, once the server listens, the line <c>stripe listen</c> prints, so scripts and people find the secret the
/// same way: <c>Ready! Your webhook signing secret is whsec_... (^C to quit)</c>.
/// </summary>
public sealed class ReadyBanner(IHostApplicationLifetime lifetime, ListenSecret secret) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => Console.Out.WriteLine(Line(secret.Value)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static string Line(string secret) => $"Ready! Your webhook signing secret is {secret} (^C to quit)";
}
