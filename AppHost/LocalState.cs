using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Aspire.Hosting;

/// <summary>
/// What a local run keeps between runs, in <c>.data/</c> at the repository root (or <c>DataDirectory</c>): the
/// Postgres cluster, the emulator's state, and the secrets the app host generated (<c>parameters.json</c>, created
/// 0600). <c>--fresh</c> removes all of it first. Secrets the user gives (user secrets, <c>Parameters__*</c>) win.
/// </summary>
public sealed class LocalState
{
    public const string FreshFlag = "--fresh";
    private const string ParametersFile = "parameters.json";
    private readonly IDistributedApplicationBuilder _builder;

    private LocalState(IDistributedApplicationBuilder builder, string directory)
    {
        _builder = builder;
        Directory = directory;
    }

    public string Directory { get; }

    public string ParametersPath => Path.Combine(Directory, ParametersFile);

    public string PostgresDirectory => Path.Combine(Directory, "postgres");

    public string StripeDirectory => Path.Combine(Directory, "stripe");

    /// <summary>Takes <c>--fresh</c> out of the arguments (Aspire's configuration would read it as a key without value).</summary>
    public static string[] WithoutFreshFlag(string[] args, out bool fresh)
    {
        fresh = args.Contains(FreshFlag, StringComparer.Ordinal);
        return [.. args.Where(arg => arg != FreshFlag)];
    }

    public static LocalState Open(IDistributedApplicationBuilder builder, bool fresh)
    {
        var requested = Path.GetFullPath(builder.Configuration["DataDirectory"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, "..", ".data"));
        var state = new LocalState(builder, UsableByServiceUser(requested));
        if (fresh && builder.ExecutionContext.IsRunMode)
        {
            state.Reset();
        }
        return state;
    }

    /// <summary>
    /// A secret parameter: the user's value when given; in run mode otherwise one generated once and kept here; in
    /// publish mode a parameter the deployment must supply (never a value in the manifest).
    /// </summary>
    public IResourceBuilder<ParameterResource> Secret(string name, Func<string>? generate = null)
    {
        if (_builder.ExecutionContext.IsPublishMode || generate is null || _builder.Configuration[$"Parameters:{name}"] is { Length: > 0 })
        {
            return _builder.AddParameter(name, secret: true);
        }
        return _builder.AddParameter(name, GetOrCreate(name, generate), secret: true);
    }

    public static string NewApiKey() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);

    /// <summary>A key in a Stripe test key's shape, which the emulator accepts.</summary>
    public static string NewStripeTestKey() => "sk_test_" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 99);

    private string GetOrCreate(string name, Func<string> generate)
    {
        var values = File.Exists(ParametersPath)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(ParametersPath)) ?? []
            : [];
        if (values.TryGetValue(name, out var existing) && existing.Length > 0)
        {
            return existing;
        }
        values[name] = generate();
        WritePrivate(ParametersPath, JsonSerializer.SerializeToUtf8Bytes(values, new JsonSerializerOptions { WriteIndented = true }));
        return values[name];
    }

    /// <summary>Created 0600 before a byte is written, then moved over the old file: never readable by others, never half-written.</summary>
    public static void WritePrivate(string path, byte[] content)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static System.Diagnostics.Process? RunningProcess(int pid)
    {
        try
        {
            return System.Diagnostics.Process.GetProcessById(pid);
        }
        catch (ArgumentException) // not running (any more)
        {
            return null;
        }
    }

    /// <summary>--fresh: stops a server left running, then removes only what the app host keeps here.</summary>
    private void Reset()
    {
        var pidFile = Path.Combine(PostgresDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && RunningProcess(pid) is { } server)
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            // A fast shutdown takes well under a second; the data directory must not be deleted under a running server.
            server.WaitForExit(TimeSpan.FromSeconds(10));
            server.Dispose();
        }
        foreach (var directory in new[] { PostgresDirectory, StripeDirectory })
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
        if (File.Exists(ParametersPath)) // File.Delete ignores a missing file, not a missing directory (a fresh clone)
        {
            File.Delete(ParametersPath);
        }
        Console.WriteLine($"--fresh: removed the local state in {Directory}");
    }

    /// <summary>
    /// As root, Postgres runs as the postgres user, who must be able to reach the data directory. A checkout under
    /// /root is not reachable, so local state then goes to /var/tmp (stable per checkout).
    /// </summary>
    private static string UsableByServiceUser(string requested)
    {
        if (Environment.UserName != "root")
        {
            return requested;
        }
        for (var current = new DirectoryInfo(requested).Parent; current is not null; current = current.Parent)
        {
            if (current.Exists && (File.GetUnixFileMode(current.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requested)))[..8];
                var fallback = $"/var/tmp/yapit-{hash}";
                Console.WriteLine($"'{requested}' is not reachable by the postgres user; keeping local state in {fallback}");
                return fallback;
            }
        }
        return requested;
    }
}
