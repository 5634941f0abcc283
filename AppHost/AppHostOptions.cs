using System.Globalization;
using Yapit.AppHost.Hosting;

namespace Yapit.AppHost;

/// <summary>What a person can change when starting the stack (<c>dotnet run --project AppHost -- --help</c>).</summary>
public sealed class AppHostOptions
{
    public const int DefaultGatewayPort = 5080;
    public const int DefaultWorkerPort = 5081;

    /// <summary>The port stripe-mock uses; the emulator takes it by default.</summary>
    public const int DefaultStripePort = 12111;

    public int GatewayPort { get; set; } = DefaultGatewayPort;
    public int WorkerPort { get; set; } = DefaultWorkerPort;
    public int StripePort { get; set; } = DefaultStripePort;

    /// <summary>Holds the Postgres cluster and the generated parameters; kept between runs.</summary>
    public string DataDirectory { get; set; } = Path.Combine(ProjectMetadata.RepositoryRoot, ".data");

    /// <summary>Start from an empty database (and empty local state).</summary>
    public bool Fresh { get; set; }

    /// <summary>An existing server to use instead of a local cluster (<c>ConnectionStrings__billingdb</c>).</summary>
    public string? ExternalConnectionString { get; set; }

    /// <summary>False turns fsync off in the local cluster: throw-away stacks in tests.</summary>
    public bool DurablePostgres { get; set; } = true;

    public bool ShowHelp { get; set; }

    public static string Usage => """
        Runs the Yapit billing stack: postgres, stripe (the Stripe emulator), stripe-setup (one-shot), gateway,
        billing-worker.

        Usage: dotnet run --project AppHost [-- options]

          --gateway-port <port>     gateway HTTP port (default 5080)
          --worker-port <port>      billing-worker HTTP port (default 5081)
          --stripe-port <port>      Stripe emulator HTTP port (default 12111)
          --data-dir <dir>          local state: Postgres cluster, Stripe emulator state, generated keys (default <repo>/.data)
          --fresh                   delete the local state first: an empty database, an empty emulator, new keys
          --otlp-endpoint <url>     send telemetry to an OTLP endpoint, e.g. http://localhost:4317 (Aspire dashboard)
          --otlp-protocol <p>       grpc (default) or http/protobuf
          -h, --help                show this text

        Environment:
          ConnectionStrings__billingdb            use this Postgres server instead of starting a local one
          ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL      OTLP/gRPC endpoint (same as --otlp-endpoint)
          ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL OTLP/HTTP endpoint (--otlp-protocol http/protobuf)
        """;

    /// <summary>Reads the command line and the AppHost's environment; a bad option throws with what was wrong.</summary>
    public static AppHostOptions Parse(IReadOnlyList<string> args, DistributedApplicationOptions hosting, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var options = new AppHostOptions { ExternalConnectionString = Blank(environment("ConnectionStrings__billingdb")) };

        if (Blank(environment("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL") ?? environment("DOTNET_DASHBOARD_OTLP_ENDPOINT_URL")) is { } grpc)
        {
            hosting.OtlpEndpoint = grpc;
            hosting.OtlpProtocol = "grpc";
        }
        else if (Blank(environment("ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL")) is { } http)
        {
            hosting.OtlpEndpoint = http;
            hosting.OtlpProtocol = "http/protobuf";
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {arg} needs a value.");
            switch (arg)
            {
                case "--gateway-port": options.GatewayPort = Port(arg, Value()); break;
                case "--worker-port": options.WorkerPort = Port(arg, Value()); break;
                case "--stripe-port": options.StripePort = Port(arg, Value()); break;
                case "--data-dir": options.DataDirectory = Path.GetFullPath(Value()); break;
                case "--fresh": options.Fresh = true; break;
                case "--otlp-endpoint": hosting.OtlpEndpoint = Url(arg, Value()); break;
                case "--otlp-protocol":
                    hosting.OtlpProtocol = Value() is "grpc" or "http/protobuf" ? args[i] : throw new ArgumentException($"{arg} must be grpc or http/protobuf, not '{args[i]}'.");
                    break;
                case "-h" or "--help": options.ShowHelp = true; break;
                default: throw new ArgumentException($"Unknown option '{arg}'. See --help.");
            }
        }
        // The AppHost's own ConnectionStrings__billingdb means "use that server"; children get theirs explicitly.
        hosting.ExcludedEnvironment.Add("ConnectionStrings__billingdb");
        return options;
    }

    private static int Port(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"{option} must be a port number between 1 and 65535, not '{value}'.");

    private static string Url(string option, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out _) ? value : throw new ArgumentException($"{option} must be an absolute URL, not '{value}'.");

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
