namespace Yapit.Tests.Infrastructure;

/// <summary>Where the repository and a project's own build output are (UseArtifactsOutput: artifacts/bin/&lt;Project&gt;/&lt;config&gt;/).</summary>
public sealed record ProjectMetadata(string ProjectPath, string AssemblyPath)
{
    public static string RepositoryRoot { get; } = FindRoot();

    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;

    /// <summary>The built project <c>&lt;name&gt;.csproj</c>, in the configuration the tests were built in.</summary>
    public static ProjectMetadata For(string projectName)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name; // debug or release
        return new ProjectMetadata(
            Path.Combine(RepositoryRoot, projectName, projectName + ".csproj"),
            Path.Combine(RepositoryRoot, "artifacts", "bin", projectName, configuration, $"Yapit.{projectName}.dll"));
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Yapit.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Yapit.sln above {AppContext.BaseDirectory}.");
    }
}
