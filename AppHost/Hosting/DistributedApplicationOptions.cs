namespace Yapit.AppHost.Hosting;

/// <summary>How the orchestrator runs: what Aspire's DistributedApplicationOptions and DCP settings cover for us.</summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>Ignore requested ports and pick free ones (tests, like Aspire's DcpPublisher:RandomizePorts).</summary>
    public bool RandomizePorts { get; set; }

    /// <summary>Where every resource's log lines go.</summary>
    public IResourceLogSink LogSink { get; set; } = new ConsoleLogSink();

    /// <summary>How long the whole stack may take to start before it is stopped with an error.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>AppHost environment variables not passed to children.</summary>
    public HashSet<string> ExcludedEnvironment { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>OTLP endpoint given to every project (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); null exports nothing.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Development turns on Aspire's 1 s export delays and always-on sampling for the children.</summary>
    public bool IsDevelopment { get; set; } = true;
}
