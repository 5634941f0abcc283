using System.Globalization;

namespace Yapit.Bench.Shared;

/// <summary>
/// How often a process's threads were switched off the CPU (voluntary and not), summed over its live threads from
/// /proc/PID/task/*/status. Unlike seconds of CPU, the count hardly moves with what the hypervisor steals, so it
/// compares thread hand-offs (a thread pool spinning, a continuation hopping threads) across noisy runs.
/// </summary>
public static class ContextSwitches
{
    public static long Count(int processId)
    {
        long total = 0;
        var tasks = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/task";
        if (!Directory.Exists(tasks))
        {
            return 0;
        }
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread ended while we read it: its switches are lost either way.
            }
        }
        return total;
    }
}
