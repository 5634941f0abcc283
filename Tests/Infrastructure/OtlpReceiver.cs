using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Yapit.Tests.Infrastructure;

/// <summary>
/// A small OTLP collector for tests: accepts http/protobuf (POST /v1/{signal}) and gRPC (the collector services'
/// Export methods over HTTP/2 cleartext) and decodes just enough of the protobuf to assert on.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly LocalHttpServer _server;
    private readonly ConcurrentQueue<OtlpExport> _exports;

    private OtlpReceiver(LocalHttpServer server, ConcurrentQueue<OtlpExport> exports)
    {
        _server = server;
        _exports = exports;
    }

    public Uri Endpoint => _server.BaseAddress;

    public IReadOnlyList<OtlpExport> Exports => _exports.ToArray();

    public static async Task<OtlpReceiver> StartAsync(bool grpc)
    {
        var exports = new ConcurrentQueue<OtlpExport>();
        var server = await LocalHttpServer.StartAsync(
            app =>
            {
                foreach (var signal in new[] { "traces", "metrics", "logs" })
                {
                    app.MapPost($"/v1/{signal}", async (HttpRequest request) =>
                    {
                        exports.Enqueue(OtlpExport.Decode(signal, "http/protobuf", await ReadAllAsync(request.Body)));
                        return Results.Bytes([], "application/x-protobuf");
                    });
                }
                foreach (var (service, signal) in new[] { ("trace.v1.TraceService", "traces"), ("metrics.v1.MetricsService", "metrics"), ("logs.v1.LogsService", "logs") })
                {
                    app.MapPost($"/opentelemetry.proto.collector.{service}/Export", async (HttpContext context) =>
                    {
                        var frame = await ReadAllAsync(context.Request.Body);
                        // gRPC frame: 1 byte compressed flag, 4 bytes big-endian length, message.
                        exports.Enqueue(OtlpExport.Decode(signal, "grpc", frame[5..]));
                        context.Response.ContentType = "application/grpc";
                        await context.Response.Body.WriteAsync(new byte[5]);
                        context.Response.AppendTrailer("grpc-status", "0");
                    });
                }
            },
            protocols: grpc ? HttpProtocols.Http2 : HttpProtocols.Http1);
        return new OtlpReceiver(server, exports);
    }

    /// <summary>Waits until an export satisfies <paramref name="predicate"/>.</summary>
    public async Task<OtlpExport> WaitForAsync(Func<OtlpExport, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_exports.FirstOrDefault(predicate) is { } export)
            {
                return export;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No matching OTLP export within {timeout.TotalSeconds} s; received: {string.Join(", ", _exports.Select(e => e.Signal))}");
    }

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>One export request: resource attributes and, per instrumentation scope, item names (span, metric or log body).</summary>
public sealed record OtlpExport(string Signal, string Protocol, IReadOnlyList<OtlpResourceBatch> Batches)
{
    public IEnumerable<OtlpItem> Items => Batches.SelectMany(b => b.Items);

    public bool HasService(string serviceName) =>
        Batches.Any(b => b.Attributes.TryGetValue("service.name", out var name) && name == serviceName);

    public static OtlpExport Decode(string signal, string protocol, byte[] message)
    {
        // Traces, metrics and logs share a shape: field 1 = Resource*, inside field 1 = Resource, field 2 = Scope*;
        // inside a Scope*, field 1 = InstrumentationScope, field 2 = the items.
        var batches = new List<OtlpResourceBatch>();
        foreach (var resourceGroup in Fields(message).Where(f => f.Number == 1))
        {
            var attributes = new Dictionary<string, string>();
            var items = new List<OtlpItem>();
            foreach (var field in Fields(resourceGroup.Bytes))
            {
                if (field.Number == 1)
                {
                    foreach (var attribute in Fields(field.Bytes).Where(f => f.Number == 1))
                    {
                        var keyValue = Fields(attribute.Bytes).ToArray();
                        var key = keyValue.FirstOrDefault(f => f.Number == 1)?.Text;
                        var value = keyValue.FirstOrDefault(f => f.Number == 2) is { } any ? Fields(any.Bytes).FirstOrDefault(f => f.Number == 1)?.Text : null;
                        if (key is not null && value is not null)
                        {
                            attributes[key] = value;
                        }
                    }
                }
                else if (field.Number == 2)
                {
                    var scopeFields = Fields(field.Bytes).ToArray();
                    var scope = scopeFields.FirstOrDefault(f => f.Number == 1) is { } s ? Fields(s.Bytes).FirstOrDefault(f => f.Number == 1)?.Text ?? string.Empty : string.Empty;
                    items.AddRange(scopeFields.Where(f => f.Number == 2).Select(item => OtlpItem.Decode(signal, scope, item.Bytes)));
                }
            }
            batches.Add(new OtlpResourceBatch(attributes, items));
        }
        return new OtlpExport(signal, protocol, batches);
    }

    internal sealed record Field(int Number, byte[] Bytes)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Bytes);
    }

    internal static IEnumerable<Field> Fields(byte[] message)
    {
        var input = new CodedInputStream(message);
        var fields = new List<Field>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fields.Add(new Field(number, input.ReadBytes().ToByteArray()));
            }
            else
            {
                input.SkipLastField();
            }
        }
        return fields;
    }
}

public sealed record OtlpResourceBatch(IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<OtlpItem> Items);

/// <summary>A span (name, ids, attributes), a metric (name) or a log record (body, trace ids, attributes).</summary>
public sealed record OtlpItem(string Scope, string Name, string? TraceId, string? SpanId, string? ParentSpanId)
{
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public static OtlpItem Decode(string signal, string scope, byte[] bytes)
    {
        var fields = OtlpExport.Fields(bytes).ToArray();
        string? Hex(int number) => fields.FirstOrDefault(f => f.Number == number) is { Bytes.Length: > 0 } f ? Convert.ToHexStringLower(f.Bytes) : null;
        return signal switch
        {
            "traces" => new OtlpItem(scope, fields.FirstOrDefault(f => f.Number == 5)?.Text ?? string.Empty, Hex(1), Hex(2), Hex(4))
            {
                Attributes = ReadAttributes(fields, 9),
            },
            "metrics" => new OtlpItem(scope, fields.FirstOrDefault(f => f.Number == 1)?.Text ?? string.Empty, null, null, null),
            _ => new OtlpItem(scope,
                fields.FirstOrDefault(f => f.Number == 5) is { } body ? OtlpExport.Fields(body.Bytes).FirstOrDefault(f => f.Number == 1)?.Text ?? string.Empty : string.Empty,
                Hex(9), Hex(10), null)
            {
                Attributes = ReadAttributes(fields, 6),
            },
        };
    }

    /// <summary>KeyValue attributes with string, bool or int values, rendered as text.</summary>
    private static Dictionary<string, string> ReadAttributes(OtlpExport.Field[] fields, int number)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var attribute in fields.Where(f => f.Number == number))
        {
            var input = new CodedInputStream(attribute.Bytes);
            string? key = null;
            string? value = null;
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 1)
                {
                    key = input.ReadString();
                }
                else if (WireFormat.GetTagFieldNumber(tag) == 2)
                {
                    value = AnyValue(input.ReadBytes().ToByteArray());
                }
                else
                {
                    input.SkipLastField();
                }
            }
            if (key is not null)
            {
                attributes[key] = value ?? string.Empty;
            }
        }
        return attributes;
    }

    private static string? AnyValue(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: return input.ReadString();
                case 2: return input.ReadBool() ? "true" : "false";
                case 3: return input.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4: return input.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
                default: input.SkipLastField(); break;
            }
        }
        return null;
    }
}
