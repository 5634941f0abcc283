using Yapit.AppHost;
using Yapit.AppHost.Hosting;

namespace Yapit.Tests.Orchestration;

public sealed class AppHostOptionsTests
{
    private static (AppHostOptions Options, DistributedApplicationOptions Hosting) Parse(string[] args, Dictionary<string, string>? environment = null)
    {
        var hosting = new DistributedApplicationOptions();
        return (AppHostOptions.Parse(args, hosting, name => environment?.GetValueOrDefault(name)), hosting);
    }

    [Fact]
    public void Defaults_are_ports_a_person_remembers()
    {
        var (options, hosting) = Parse([]);

        Assert.Equal((5080, 5081, 12111), (options.GatewayPort, options.WorkerPort, options.StripePort));
        Assert.False(options.Fresh);
        Assert.Null(hosting.OtlpEndpoint);
        Assert.Contains("ConnectionStrings__billingdb", hosting.ExcludedEnvironment);
    }

    [Fact]
    public void Options_change_ports_data_directory_and_telemetry()
    {
        var (options, hosting) = Parse(["--gateway-port", "6000", "--worker-port", "6001", "--stripe-port", "6002", "--data-dir", "/tmp/x", "--fresh",
            "--otlp-endpoint", "http://localhost:4318", "--otlp-protocol", "http/protobuf"]);

        Assert.Equal((6000, 6001, 6002, "/tmp/x", true), (options.GatewayPort, options.WorkerPort, options.StripePort, options.DataDirectory, options.Fresh));
        Assert.Equal(("http://localhost:4318", "http/protobuf"), (hosting.OtlpEndpoint, hosting.OtlpProtocol));
    }

    [Fact]
    public void The_aspire_dashboard_variables_choose_the_otlp_endpoint_and_protocol()
    {
        var (_, grpc) = Parse([], new() { ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://localhost:4317" });
        var (_, http) = Parse([], new() { ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = "http://localhost:4318" });
        var (external, _) = Parse([], new() { ["ConnectionStrings__billingdb"] = "Host=db;Database=billingdb" });

        Assert.Equal(("http://localhost:4317", "grpc"), (grpc.OtlpEndpoint, grpc.OtlpProtocol));
        Assert.Equal(("http://localhost:4318", "http/protobuf"), (http.OtlpEndpoint, http.OtlpProtocol));
        Assert.Equal("Host=db;Database=billingdb", external.ExternalConnectionString);
    }

    [Theory]
    [InlineData(new[] { "--gateway-port", "0" }, "--gateway-port must be a port number")]
    [InlineData(new[] { "--worker-port", "http" }, "--worker-port must be a port number")]
    [InlineData(new[] { "--stripe-port" }, "--stripe-port needs a value")]
    [InlineData(new[] { "--otlp-protocol", "udp" }, "must be grpc or http/protobuf")]
    [InlineData(new[] { "--otlp-endpoint", "localhost" }, "must be an absolute URL")]
    [InlineData(new[] { "--verbose" }, "Unknown option '--verbose'")]
    public void Bad_options_are_named(string[] args, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Parse(args));
        Assert.Contains(message, error.Message);
    }
}
