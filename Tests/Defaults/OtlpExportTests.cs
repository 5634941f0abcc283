using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Defaults;

/// <summary>A service started with the standard OTEL_* settings exports traces, metrics and logs over OTLP.</summary>
[Trait("Category", "Integration")]
public sealed class OtlpExportTests(PostgresServerFixture postgres)
{
    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task The_gateway_exports_traces_metrics_and_logs(string protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == "grpc");
        var serviceName = $"gateway-otlp-{protocol.Replace('/', '-')}";
        await using var gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = await postgres.CreateDatabaseAsync("otlp"),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        }).Start();
        using var client = gateway.CreateRealClient();

        // The probe ends first, so by the time the later request's span arrives the probe's would have too.
        Assert.Equal("Healthy", await client.GetStringAsync("/health", ct));
        using var response = await client.GetAsync("/no-such-route", ct);

        static bool IsOurRequest(OtlpItem i) => i.Scope == "Microsoft.AspNetCore" && i.Attributes.GetValueOrDefault("url.path") == "/no-such-route";
        var traces = await receiver.WaitForAsync(e => e.Signal == "traces" && e.HasService(serviceName) && e.Items.Any(IsOurRequest), TimeSpan.FromSeconds(20));
        var span = traces.Items.First(IsOurRequest);
        Assert.Equal(32, span.TraceId?.Length);
        Assert.Equal("GET", span.Name);
        Assert.Equal("404", span.Attributes["http.response.status_code"]);
        Assert.Equal(protocol, traces.Protocol);

        var metrics = await receiver.WaitForAsync(e => e.Signal == "metrics" && e.HasService(serviceName)
            && e.Items.Any(i => i.Name == "http.server.request.duration"), TimeSpan.FromSeconds(20));
        Assert.NotNull(metrics);

        await receiver.WaitForAsync(e => e.Signal == "logs" && e.HasService(serviceName), TimeSpan.FromSeconds(20));

        // Health probes are polled constantly; they are kept out of traces.
        Assert.DoesNotContain(receiver.Exports.Where(e => e.Signal == "traces").SelectMany(e => e.Items),
            i => i.Attributes.GetValueOrDefault("url.path") == "/health");
    }
}
