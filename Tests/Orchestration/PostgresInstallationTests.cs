using Yapit.Tests.Infrastructure.Postgres;

namespace Yapit.Tests.Orchestration;

[Trait("Category", "Unit")]
public sealed class PostgresInstallationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("yapit-pg-find-").FullName;

    private string Binaries(string relative)
    {
        var directory = Path.Combine(_root, relative);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "initdb"), string.Empty);
        File.WriteAllText(Path.Combine(directory, "postgres"), string.Empty);
        return directory;
    }

    [Fact]
    public void The_newest_debian_version_is_found_when_path_has_none()
    {
        Binaries("debian/13/bin");
        var newest = Binaries("debian/15/bin");
        Directory.CreateDirectory(Path.Combine(_root, "debian/16/bin")); // incomplete: no binaries

        Assert.Equal(newest, PostgresInstallation.Find("/nonexistent", Path.Combine(_root, "debian"))!.BinDirectory);
    }

    [Fact]
    public void Path_wins_over_the_debian_directories()
    {
        var onPath = Binaries("custom/bin");
        Binaries("debian/15/bin");

        Assert.Equal(onPath, PostgresInstallation.Find($"/nonexistent{Path.PathSeparator}{onPath}", Path.Combine(_root, "debian"))!.BinDirectory);
    }

    [Fact]
    public void Without_binaries_there_is_one_message_with_both_ways_out()
    {
        Assert.Null(PostgresInstallation.Find("/nonexistent", Path.Combine(_root, "none")));
        Assert.Contains("apt-get install -y postgresql", PostgresInstallation.MissingMessage);
        Assert.Contains("ConnectionStrings__billingdb", PostgresInstallation.MissingMessage);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
