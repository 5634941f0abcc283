using System.Globalization;

namespace Yapit.Bench.Shared;

/// <summary>
/// CPU time from /proc: the whole machine (busy, iowait) and named process trees (the gateway, the Postgres
/// server with its backends, the load generator). With 2 cores shared by all of them, where the CPU went is the
/// first question when a number disappoints.
/// </summary>
public static class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Machine ticks: processes (user, nice, system), interrupts (irq, softirq), steal (the hypervisor's), idle, iowait.</summary>
    public sealed record Sample(DateTime At, long ProcessTicks, long InterruptTicks, long StealTicks, long IdleTicks, long IoWaitTicks, IReadOnlyDictionary<string, long> GroupTicks);

    /// <summary>
    /// Percentages are of the machine's total capacity (all cores). <see cref="CoresUsed"/> is per process group, plus
    /// "other" (processes outside the groups: someone else's build or tests) and "interrupts" (softirq work such
    /// as loopback TCP, charged to no process).
    /// </summary>
    public sealed record Usage(double Seconds, double MachineBusyPercent, double IoWaitPercent, double StealPercent, IReadOnlyDictionary<string, double> CoresUsed)
    {
        public override string ToString() =>
            $"machine busy {MachineBusyPercent:0}% (iowait {IoWaitPercent:0}%, steal {StealPercent:0}%); cores used: " +
            string.Join(", ", CoresUsed.Select(g => $"{g.Key} {g.Value.ToString("0.00", CultureInfo.InvariantCulture)}"));
    }

    /// <summary>
    /// Reads the counters now. Each group is a root process and its descendants, each process counted once, in the
    /// group of its nearest root (the bench process starts the gateway and Postgres, which are groups of their own).
    /// A process's time includes its reaped children's (Postgres backends that closed, a finished pgbench).
    /// </summary>
    public static Sample Take(IReadOnlyDictionary<string, int> groups)
    {
        long processes = 0, interrupts = 0, steal = 0, idle = 0, iowait = 0;
        if (File.Exists("/proc/stat"))
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal (guest time is already in user).
            processes = fields[0] + fields[1] + fields[2];
            idle = fields[3];
            iowait = fields[4];
            interrupts = fields[5] + fields[6];
            steal = fields.Length > 7 ? fields[7] : 0;
        }
        var table = ReadProcesses();
        var roots = groups.ToDictionary(g => g.Value, g => g.Key);
        var ticks = groups.Keys.ToDictionary(name => name, _ => 0L, StringComparer.Ordinal);
        foreach (var (pid, process) in table)
        {
            if (NearestRoot(pid, roots, table) is { } group)
            {
                ticks[group] += process.Ticks;
            }
        }
        return new Sample(DateTime.UtcNow, processes, interrupts, steal, idle, iowait, ticks);
    }

    public static Usage Between(Sample start, Sample end)
    {
        var seconds = (end.At - start.At).TotalSeconds;
        var processes = end.ProcessTicks - start.ProcessTicks;
        var interrupts = end.InterruptTicks - start.InterruptTicks;
        var steal = end.StealTicks - start.StealTicks;
        var iowait = end.IoWaitTicks - start.IoWaitTicks;
        var all = processes + interrupts + steal + iowait + (end.IdleTicks - start.IdleTicks);
        double Percent(long ticks) => all == 0 ? 0 : Math.Round(100.0 * ticks / all, 1);
        double Cores(long ticks) => Math.Round(ticks / TicksPerSecond / seconds, 2);
        var cores = end.GroupTicks.ToDictionary(g => g.Key, g => Cores(g.Value - start.GroupTicks.GetValueOrDefault(g.Key)), StringComparer.Ordinal);
        cores["other"] = Math.Max(0, Math.Round(Cores(processes) - cores.Values.Sum(), 2));
        cores["interrupts"] = Cores(interrupts);
        return new Usage(Math.Round(seconds, 1), Percent(processes + interrupts), Percent(iowait), Percent(steal), cores);
    }

    private static string? NearestRoot(int pid, Dictionary<int, string> roots, Dictionary<int, (int Parent, long Ticks)> processes)
    {
        for (var current = pid; current > 1; current = processes.TryGetValue(current, out var p) ? p.Parent : 0)
        {
            if (roots.TryGetValue(current, out var group))
            {
                return group;
            }
        }
        return null;
    }

    private static Dictionary<int, (int Parent, long Ticks)> ReadProcesses()
    {
        var result = new Dictionary<int, (int, long)>();
        if (!Directory.Exists("/proc"))
        {
            return result;
        }
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                // utime, stime, cutime, cstime.
                var ticks = fields.Skip(11).Take(4).Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
                result[pid] = (parent, ticks);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we read it.
            }
        }
        return result;
    }
}
