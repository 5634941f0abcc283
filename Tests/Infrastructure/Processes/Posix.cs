using System.Runtime.InteropServices;

namespace Yapit.Tests.Infrastructure.Processes;

/// <summary>The few libc calls .NET has no API for: sending a chosen signal, and knowing whether we are root.</summary>
internal static class Posix
{
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint SysGetEuid();

    public static bool IsRoot => !OperatingSystem.IsWindows() && SysGetEuid() == 0;

    /// <summary>Sends a signal; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal) => !OperatingSystem.IsWindows() && SysKill(pid, signal) == 0;

    public static bool IsAlive(int pid) => Signal(pid, 0);
}
