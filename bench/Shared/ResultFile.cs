using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yapit.Bench.Shared;

/// <summary>Writes a run's report as JSON to <c>bench/results/</c>, named by benchmark and UTC time.</summary>
public static class ResultFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string DefaultDirectory => Path.Combine(Yapit.Tests.Infrastructure.ProjectMetadata.RepositoryRoot, "bench", "results");

    public static async Task<string> WriteAsync<T>(string benchmark, T report, string? directory, CancellationToken cancellationToken)
    {
        var target = directory ?? DefaultDirectory;
        Directory.CreateDirectory(target);
        var path = Path.Combine(target, $"{benchmark}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, Json) + Environment.NewLine, cancellationToken).ConfigureAwait(false);
        return path;
    }
}
