using System.Globalization;

namespace Yapit.Tests.Infrastructure.Postgres;

/// <summary>Where PostgreSQL's server binaries are: on PATH, or the newest /usr/lib/postgresql/*/bin.</summary>
public sealed record PostgresInstallation(string BinDirectory)
{
    public const string MissingMessage =
        "PostgreSQL server binaries (initdb, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin. " +
        "Install them (apt-get install -y postgresql), or set ConnectionStrings__billingdb to an existing server and the AppHost uses that instead.";

    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public static PostgresInstallation? Find() => Find(Environment.GetEnvironmentVariable("PATH"), "/usr/lib/postgresql");

    /// <param name="pathVariable">A PATH value to search first.</param>
    /// <param name="debianRoot">Where Debian installs versioned server binaries (<c>&lt;root&gt;/15/bin</c>).</param>
    public static PostgresInstallation? Find(string? pathVariable, string debianRoot)
    {
        foreach (var directory in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (IsComplete(directory))
            {
                // A PATH entry may hold symlinks into the real bin directory; resolve so siblings are found.
                var resolved = new FileInfo(Path.Combine(directory, "postgres")).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                return new PostgresInstallation(resolved is null ? directory : Path.GetDirectoryName(resolved)!);
            }
        }

        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(dir => (Dir: dir, Version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : 0m))
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Dir, "bin"))
                .FirstOrDefault(IsComplete);
            if (newest is not null)
            {
                return new PostgresInstallation(newest);
            }
        }
        return null;
    }

    private static bool IsComplete(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres"));
}
