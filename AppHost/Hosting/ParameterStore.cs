using System.Security.Cryptography;
using System.Text.Json;

namespace Yapit.AppHost.Hosting;

/// <summary>
/// Values the AppHost generates once and then keeps (a test API key, an admin key), like Aspire's generated
/// parameters in user secrets: a small JSON object in <c>&lt;data dir&gt;/parameters.json</c> that only its owner
/// can read. <c>--fresh</c> deletes it, so new values are generated.
/// </summary>
public sealed class ParameterStore(string path)
{
    public const string FileName = "parameters.json";
    private readonly Lock _gate = new();

    public string Path { get; } = path;

    /// <summary>The stored value, or a new one from <paramref name="generate"/>, saved before it is returned.</summary>
    public string GetOrCreate(string name, Func<string> generate)
    {
        lock (_gate)
        {
            var values = Read();
            if (values.TryGetValue(name, out var existing) && existing.Length > 0)
            {
                return existing;
            }
            var value = generate();
            values[name] = value;
            Write(values);
            return value;
        }
    }

    /// <summary>A random secret of 32 URL-safe characters (an API key).</summary>
    public static string NewSecret() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 32);

    /// <summary>A Stripe test-mode secret key in Stripe's shape: <c>sk_test_</c> and 99 random letters and digits.</summary>
    public static string NewStripeTestKey() =>
        "sk_test_" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 99);

    private Dictionary<string, string> Read()
    {
        if (!File.Exists(Path))
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path))
                ?? new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (JsonException error)
        {
            throw new DistributedApplicationException(
                $"'{Path}' is not a JSON object of strings ({error.Message}). Fix it, or start with --fresh to generate new values.");
        }
    }

    /// <summary>Written to a temporary file first and moved over the old one, so a crash leaves one or the other whole.</summary>
    private void Write(Dictionary<string, string> values)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, values, new JsonSerializerOptions { WriteIndented = true });
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, Path, overwrite: true);
    }
}
