using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Yapit.Billing.Data;

/// <summary>One ordered SQL file of <c>Billing/Migrations</c>, as embedded in the assembly.</summary>
public sealed record Migration(int Version, string FileName, string Sql, string Checksum)
{
    /// <summary>SHA-256 of the file with line endings normalised, so a checkout with CRLF does not count as a change.</summary>
    public static string ComputeChecksum(string sql)
    {
        var normalised = sql.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\uFEFF');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));
    }

    public static Migration Create(string fileName, string sql)
    {
        var match = MigrationCatalog.FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new MigrationException(
                $"Migration file '{fileName}' is misnamed: expected NNNN_name.sql (four digits, lower-case name).");
        }
        return new Migration(int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture), fileName, sql, ComputeChecksum(sql));
    }
}

/// <summary>The migrations embedded in this assembly, in order.</summary>
public static partial class MigrationCatalog
{
    private const string ResourcePrefix = "Migrations/";

    [GeneratedRegex(@"^(?<version>\d{4})_[a-z0-9_]+\.sql$")]
    internal static partial Regex FileNamePattern();

    private static readonly Lazy<IReadOnlyList<Migration>> EmbeddedMigrations = new(() => Load(typeof(MigrationCatalog).Assembly));

    public static IReadOnlyList<Migration> Embedded => EmbeddedMigrations.Value;

    public static int LatestVersion => Embedded.Count == 0 ? 0 : Embedded[^1].Version;

    public static IReadOnlyList<Migration> Load(Assembly assembly)
    {
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(Migration.Create(resource[ResourcePrefix.Length..], reader.ReadToEnd()));
        }
        return Order(migrations);
    }

    /// <summary>Sorts by version and refuses two files with one version number.</summary>
    public static IReadOnlyList<Migration> Order(IEnumerable<Migration> migrations)
    {
        var ordered = migrations.OrderBy(m => m.Version).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Version == ordered[i - 1].Version)
            {
                throw new MigrationException(
                    $"Migrations '{ordered[i - 1].FileName}' and '{ordered[i].FileName}' share version {ordered[i].Version:D4}.");
            }
        }
        return ordered;
    }
}

public sealed class MigrationException(string message, Exception? inner = null) : Exception(message, inner);
