using System.Reflection;

namespace Yapit.AppHost.Hosting;

/// <summary>
/// The projects this AppHost references, as recorded at build time (see AppHost.csproj): like Aspire's generated
/// <c>Projects.*</c> classes, a project file and the assembly its build produced.
/// </summary>
public sealed record ProjectMetadata(string ProjectPath, string AssemblyPath)
{
    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;

    public static string RepositoryRoot { get; } = Metadata().TryGetValue("RepositoryRoot", out var root)
        ? root
        : throw new InvalidOperationException("The AppHost was built without its RepositoryRoot metadata.");

    /// <summary>The project whose file is <c>&lt;name&gt;.csproj</c>.</summary>
    public static ProjectMetadata For(string projectName)
    {
        const string prefix = "ProjectResource:";
        foreach (var (key, value) in Metadata())
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)
                && string.Equals(Path.GetFileNameWithoutExtension(key[prefix.Length..]), projectName, StringComparison.OrdinalIgnoreCase))
            {
                return new ProjectMetadata(key[prefix.Length..], value);
            }
        }
        throw new InvalidOperationException($"The AppHost does not reference a project named '{projectName}'. Add a ProjectReference to AppHost.csproj.");
    }

    private static Dictionary<string, string> Metadata() =>
        typeof(ProjectMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Value is not null)
            .ToDictionary(a => a.Key, a => a.Value!);
}
