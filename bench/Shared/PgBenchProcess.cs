using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Yapit.Tests.Infrastructure.Postgres;

namespace Yapit.Bench.Shared;

/// <summary>
/// Runs <c>pgbench</c> from the server's own installation with one custom script against a database, and reads its
/// summary. What the script does and which options it runs with are the caller's (each benchmark has its yardstick).
/// </summary>
public static partial class PgBenchProcess
{
    /// <summary>pgbench's summary lines; <see cref="Text"/> is everything it printed.</summary>
    public sealed record Output(long Transactions, double Tps, double LatencyAverageMs, double? LatencyStddevMs, long Failed, string Text);

    /// <summary>
    /// Writes <paramref name="script"/> to <paramref name="workDirectory"/> and runs <c>pgbench -f script
    /// arguments...</c> with the connection in <c>PG*</c> variables (the password stays out of the command line).
    /// </summary>
    public static async Task<Output> RunAsync(
        string connectionString, string workDirectory, string script, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var pgbench = Path.Combine((PostgresInstallation.Find() ?? throw new InvalidOperationException(PostgresInstallation.MissingMessage)).BinDirectory, "pgbench");
        var scriptPath = Path.Combine(workDirectory, "script.sql");
        await File.WriteAllTextAsync(scriptPath, script, cancellationToken).ConfigureAwait(false);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var info = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add(scriptPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["PGHOST"] = builder.Host;
        info.Environment["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture);
        info.Environment["PGUSER"] = builder.Username;
        info.Environment["PGPASSWORD"] = builder.Password;
        info.Environment["PGDATABASE"] = builder.Database;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("pgbench did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var text = await output.ConfigureAwait(false) + await errors.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench exited with {process.ExitCode}:{Environment.NewLine}{text}");
        }
        return new Output(
            long.Parse(Match(ProcessedPattern(), text), CultureInfo.InvariantCulture),
            double.Parse(Match(TpsPattern(), text), CultureInfo.InvariantCulture),
            double.Parse(Match(LatencyPattern(), text), CultureInfo.InvariantCulture),
            StddevPattern().Match(text) is { Success: true } s ? double.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture) : null,
            FailedPattern().Match(text) is { Success: true } f ? long.Parse(f.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            text);
    }

    private static string Match(Regex pattern, string text) =>
        pattern.Match(text) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException($"pgbench printed no '{pattern}':{Environment.NewLine}{text}");

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();

    [GeneratedRegex(@"tps = ([\d.]+) \(without initial connection time\)")]
    private static partial Regex TpsPattern();

    [GeneratedRegex(@"latency average = ([\d.]+) ms")]
    private static partial Regex LatencyPattern();

    [GeneratedRegex(@"latency stddev = ([\d.]+) ms")]
    private static partial Regex StddevPattern();
}
