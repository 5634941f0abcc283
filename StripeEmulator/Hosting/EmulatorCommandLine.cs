namespace Yapit.StripeEmulator.Hosting;

/// <summary>The command line, mapped onto configuration so tests set the same things through settings.</summary>
public static class EmulatorCommandLine
{
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--forward-to"] = $"{EmulatorOptions.SectionName}:{nameof(EmulatorOptions.ForwardTo)}",
        ["--state-dir"] = $"{EmulatorOptions.SectionName}:{nameof(EmulatorOptions.StateDirectory)}",
        ["--chaos"] = $"{EmulatorOptions.SectionName}:{nameof(EmulatorOptions.Chaos)}:{nameof(ChaosOptions.Rate)}",
    };

    public const string Usage = """
        A stateful stand-in for Stripe's API and webhooks (products, prices, coupons, promotion codes, portal
        configurations and sessions, webhook endpoints, events).

        Usage: dotnet run --project StripeEmulator [-- options]

          --urls <urls>           where to listen (default http://127.0.0.1:12111)
          --forward-to <url>      also send every event there, signed with the emulator's secret (like stripe listen)
          --state-dir <dir>       keep the state (and the secret) in <dir>/state.json between runs
          --chaos <rate>          0..1: duplicate, delay and reorder that share of deliveries
          -h, --help              show this text

        Settings (environment Emulator__...): Delivery:RetryBaseDelay, Delivery:MaxRetryDelay, Delivery:MaxAttempts,
        Delivery:Timeout, Chaos:MaxDelay, WebhookSecret.
        Telemetry: with OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_* settings) every webhook delivery is a span
        (StripeEmulator.Webhooks) whose trace the receiver continues through the traceparent header.
        Operator endpoints: /_emulator/health, /_emulator/webhook-secret, /_emulator/stats, /_emulator/deliveries,
        POST /_emulator/stats/reset, POST /_emulator/reset.
        """;

    public static bool WantsHelp(IEnumerable<string> args) => args.Any(a => a is "-h" or "--help");
}
