using System.Globalization;
using System.Runtime.InteropServices;

namespace Yapit.Bench.Shared;

/// <summary>
/// The machine a result was measured on and how busy it was: a number without its machine says little, and on a
/// shared 2-core box the load before a run explains most of the spread between runs.
/// </summary>
public sealed record MachineInfo(int Processors, string CpuModel, double MemoryGiB, string Kernel, string Runtime, string LoadAverage)
{
    public static MachineInfo Capture() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        Math.Round(MemoryKiB("MemTotal") / 1024.0 / 1024.0, 1),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Load());

    /// <summary>The 1, 5 and 15 minute load averages, as <c>uptime</c> prints them.</summary>
    public static string Load() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public override string ToString() =>
        $"{Processors} cores ({CpuModel}), {MemoryGiB.ToString("0.0", CultureInfo.InvariantCulture)} GiB, {Kernel}, {Runtime}; load average {LoadAverage}";

    private static string ReadCpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";

    private static long MemoryKiB(string field)
    {
        if (!File.Exists("/proc/meminfo"))
        {
            return 0;
        }
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
