using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Yapit.StripeSetup.Cli;

/// <summary>
/// <c>--local</c>: the settings the running local stack gave its own stripe-setup (connection string, key, API base,
/// catalog environment), which the AppHost writes to <c>.data/local-stack.json</c> (0600) when it starts stripe-setup
/// and removes when it stops. Found the way <c>Gateway token</c> finds <c>.data/parameters.json</c>: in the current
/// directory or the nearest one above it, or above the program (its build output is in the repository).
/// </summary>
public sealed record LocalStack(string Path, string Environment, IReadOnlyDictionary<string, string?> Settings)
{
    public const string FileName = "local-stack.json";

    /// <summary>The file's settings, or one line saying why there are none.</summary>
    public static LocalStack? Find(out string? error)
    {
        var path = Candidates().FirstOrDefault(File.Exists);
        if (path is null)
        {
            error = $"--local: no running local stack (.data/{FileName} not found from {System.Environment.CurrentDirectory}); start it with `dotnet run --project AppHost`.";
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var settings = root.GetProperty("settings").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString(), StringComparer.OrdinalIgnoreCase);
            error = null;
            return new LocalStack(path, root.GetProperty("environment").GetString() ?? "local", settings);
        }
        catch (Exception failure) when (failure is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            error = $"--local: {path} is unreadable ({failure.Message}); restart the local stack.";
            return null;
        }
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (var start in new[] { System.Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var data = System.IO.Path.Combine(directory.FullName, ".data");
                yield return System.IO.Path.Combine(data, FileName);
                // As root, the AppHost keeps the state of a checkout the postgres user cannot reach in /var/tmp (LocalState).
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data)))[..8];
                yield return System.IO.Path.Combine($"/var/tmp/yapit-{hash}", FileName);
            }
        }
    }
}
