namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>Finds a test's processes by an argument: a tree outlives a killed run, so a failed
/// case kills what it started by name rather than leave a loop spinning a CPU.</summary>
internal static class LiveProcesses
{
    /// <summary>Live (not zombie) processes whose command line holds <paramref name="arg"/>.</summary>
    internal static int[] WithArgument(string arg) =>
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(int.Parse!)
            .Where(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Contains(arg) && !IsZombie(pid); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; } // gone: not live
            }).ToArray();

    /// <summary>Kills (SIGKILL) every live process whose command line holds <paramref name="arg"/>.</summary>
    internal static void Kill(string arg)
    {
        foreach (int pid in WithArgument(arg)) Interop.Process.kill(pid, 9);
    }

    private static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return true; }
    }
}
