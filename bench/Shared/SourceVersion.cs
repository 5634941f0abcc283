using System.Diagnostics;

namespace Yapit.Bench.Shared;

/// <summary>The commit the measured code was built from (and whether the tree had uncommitted changes): results name it.</summary>
public static class SourceVersion
{
    public static string Describe()
    {
        var root = Yapit.Tests.Infrastructure.ProjectMetadata.RepositoryRoot;
        var commit = Git(root, "rev-parse", "--short=12", "HEAD");
        var dirty = Git(root, "status", "--porcelain", "--untracked-files=no");
        return commit is null ? "unknown (not a git checkout)" : dirty is { Length: > 0 } ? $"{commit} with uncommitted changes" : commit;
    }

    private static string? Git(string directory, params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on PATH
        }
    }
}
