namespace AgentShell.Supervisor;

/// <summary>Facts about processes from /proc. Every read is a Try: processes vanish.</summary>
internal static class ProcessInfo
{
    /// <summary>AT_FDCWD: execveat's "relative to the working directory".</summary>
    internal const int AtFdCwd = -100;

    /// <summary>A path as <paramref name="pid"/> would resolve it, opened through /proc: an absolute
    /// path under its root, a relative one under its cwd or execveat's <paramref name="dirFd"/>.</summary>
    internal static string ProcPath(int pid, string path, int dirFd = AtFdCwd)
    {
        if (path.StartsWith('/')) return $"/proc/{pid}/root{path}";
        return dirFd >= 0 ? $"/proc/{pid}/fd/{dirFd}/{path}" : $"/proc/{pid}/cwd/{path}";
    }

    /// <summary>stat() (following symlinks) of a path as the process resolves it.</summary>
    internal static (ulong Dev, ulong Ino)? StatAs(int pid, string path, int dirFd = AtFdCwd) =>
        Interop.Files.TryStat(ProcPath(pid, path, dirFd), out var st) ? st.Identity : null;

    /// <summary>Parent pid and command name of <paramref name="pid"/> from /proc/PID/stat.</summary>
    internal static bool TryStat(int pid, out int ppid, out int pgrp, out string comm)
    {
        ppid = pgrp = 0;
        comm = "";
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            comm = stat[(open + 1)..close];
            var f = stat[(close + 2)..].Split(' ');
            return int.TryParse(f[1], out ppid) & int.TryParse(f[2], out pgrp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>When <paramref name="pid"/> started (clock ticks since boot, /proc/PID/stat field 22):
    /// with the pid, it names one process, not a later one that reuses the pid. 0 when unreadable.</summary>
    internal static ulong StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat.AsSpan(stat.LastIndexOf(')') + 2);
            for (int i = 0; i < 19; i++) f = f[(f.IndexOf(' ') + 1)..];
            int end = f.IndexOf(' ');
            return ulong.TryParse(end < 0 ? f : f[..end], out ulong t) ? t : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>Path of the program <paramref name="pid"/> runs (/proc/PID/exe), or null when unreadable.</summary>
    internal static string? ExePath(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/exe").LinkTarget; }
        catch (IOException) { return null; } // gone: callers treat an unknown program as an unknown client
    }

    /// <summary>Device/inode of the program <paramref name="pid"/> runs (/proc/PID/exe), or null.</summary>
    internal static (ulong Dev, ulong Ino)? ExeIdentity(int pid) =>
        Interop.Files.TryStat($"/proc/{pid}/exe", out var st) ? st.Identity : null;

    /// <summary>Thread group id of a thread id (exec notifications carry the thread id).</summary>
    internal static int Tgid(int tid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{tid}/status"))
                if (line.StartsWith("Tgid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(5).Trim(), out int t)) return t;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return tid;
    }

    /// <summary>The process's current argv from /proc/PID/cmdline (empty when unreadable).</summary>
    internal static string[] Cmdline(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>"name(pid)" from the outermost supervised ancestor down to <paramref name="pid"/>.</summary>
    internal static IReadOnlyList<string> Chain(int pid, int stopAt)
    {
        var chain = new List<string>();
        int p = Tgid(pid);
        for (int depth = 0; depth < 64 && p > 1; depth++)
        {
            if (!TryStat(p, out int ppid, out _, out var comm)) break;
            chain.Add($"{comm}({p})");
            if (p == stopAt) break;
            p = ppid;
        }
        chain.Reverse();
        // The launcher at the top of the tree (and, with a pid namespace of its own, the launcher that
        // is its init) ran no command of the agent's: the chain a person reads starts at the agent.
        int launchers = 0;
        while (launchers < 2 && launchers < chain.Count - 1 && chain[launchers].StartsWith("agentshell-laun(", StringComparison.Ordinal)) launchers++;
        return launchers == 0 ? chain : chain.GetRange(launchers, chain.Count - launchers);
    }

    /// <summary>True only when <paramref name="pid"/> is provably <paramref name="root"/> or a descendant
    /// of it: every parent link read, and <paramref name="root"/> still the process that started at
    /// <paramref name="rootStart"/> (not a later one with its pid). Unlike <see cref="IsInTree"/>, which
    /// refuses what it cannot read, this answers "yes" only to what it has seen.</summary>
    internal static bool DescendsFrom(int pid, int root, ulong rootStart)
    {
        int p = Tgid(pid);
        for (int depth = 0; depth < 4096 && p > 0; depth++)
        {
            if (p == root) return StartTime(root) == rootStart && rootStart != 0;
            if (!TryStat(p, out int ppid, out _, out _)) return false;
            p = ppid;
        }
        return false;
    }

    /// <summary>The pid a pidfd of ours refers to (its fdinfo "Pid:", in our pid namespace), or -1
    /// when it is no pidfd or its process has exited.</summary>
    internal static int PidOfPidfd(int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
                if (line.StartsWith("Pid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4).Trim(), out int t)) return t;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable fdinfo: -1 below, which every caller treats as "not that process" (refused).
        }
        return -1;
    }

    /// <summary>True when our fd <paramref name="fd"/> is a seccomp notification listener.</summary>
    internal static bool IsSeccompListener(int fd)
    {
        try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget == "anon_inode:seccomp notify"; }
        catch (IOException) { return false; } // not open: no listener
    }

    /// <summary>True when <paramref name="pid"/> is <paramref name="root"/>, a descendant of it, or
    /// a descendant of <paramref name="subreaper"/> (orphans of the tree are re-parented there).</summary>
    internal static bool IsInTree(int pid, int root, int subreaper)
    {
        int p = Tgid(pid);
        for (int depth = 0; depth < 4096 && p > 1; depth++)
        {
            if (p == root || p == subreaper) return true;
            if (!TryStat(p, out int ppid, out _, out _)) return true; // cannot prove it is outside: refuse
            p = ppid;
        }
        return false;
    }
}
