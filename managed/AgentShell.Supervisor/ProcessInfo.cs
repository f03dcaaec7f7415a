namespace AgentShell.Supervisor;

/// <summary>Facts about processes from /proc. Every read is a Try: processes vanish.</summary>
internal static class ProcessInfo
{
    /// <summary>AT_FDCWD: execveat's "relative to the working directory".</summary>
    internal const int AtFdCwd = -100;
    private const int NR_tgkill = 234, NR_tkill = 200;

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

    /// <summary>The working directory of <paramref name="pid"/> (its /proc/PID/cwd link), or null when
    /// it cannot be read. PERF: one readlink into the stack and one string: a DirectoryInfo's
    /// LinkTarget made a FileSystemInfo, its full path and the /proc string first (~3 µs of the
    /// receiving thread per audited exec, cold, in issue 16's 500-exec script).</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: both buffers are written before they are read
    internal static string? WorkingDirectory(int pid)
    {
        Span<byte> path = stackalloc byte[32];
        "/proc/"u8.CopyTo(path);
        int k = 6;
        pid.TryFormat(path[k..], out int w);
        k += w;
        "/cwd\0"u8.CopyTo(path[k..]);
        k += 5;
        Span<byte> target = stackalloc byte[4096 + 1]; // PATH_MAX, and one byte to see a longer one
        int n = Interop.Files.ReadLink(path[..k], target, out _);
        // The kernel answers ENAMETOOLONG for a path longer than a page (PATH_MAX).
        if (n < 0 || n >= target.Length) return null;
        return System.Text.Encoding.UTF8.GetString(target[..n]);
    }

    /// <summary>Parent pid and command name of <paramref name="pid"/> from /proc/PID/stat.</summary>
    internal static bool TryStat(int pid, out int ppid, out int pgrp, out string comm)
    {
        ppid = pgrp = 0;
        comm = "";
        Span<byte> buf = stackalloc byte[StatBytes];
        var stat = ReadSmall($"/proc/{pid}/stat", buf);
        int open = stat.IndexOf((byte)'('), close = stat.LastIndexOf((byte)')');
        if (open < 0 || close < open || close + 2 > stat.Length) return false;
        comm = System.Text.Encoding.UTF8.GetString(stat[(open + 1)..close]);
        // After "comm) ": state, ppid, pgrp.
        var f = stat[(close + 2)..];
        if (!Field(ref f, out _) || !Field(ref f, out var p) || !Field(ref f, out var g)) return false;
        return int.TryParse(p, out ppid) & int.TryParse(g, out pgrp);
    }

    /// <summary>When <paramref name="pid"/> started (clock ticks since boot, /proc/PID/stat field 22):
    /// with the pid, it names one process, not a later one that reuses the pid. 0 when unreadable.</summary>
    internal static ulong StartTime(int pid) => StatNumber(pid, 22);

    /// <summary>The number of threads of <paramref name="tid"/>'s thread group, 0 when unreadable.
    /// PERF: the link count of /proc/TID/task, which the kernel gives as the group's threads + 2
    /// (proc_task_getattr; the same get_nr_threads as /proc/TID/stat's field 20): one stat(2) and no
    /// text, ~3 µs where opening, reading and parsing the stat line was ~12 (C probe, 20,000 calls
    /// each, load ~17 on this 2-vCPU machine). Formatted on the stack, no string made.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the path is written before it is read
    internal static int Threads(int tid)
    {
        Span<byte> path = stackalloc byte[32];
        "/proc/"u8.CopyTo(path);
        if (!tid.TryFormat(path[6..], out int n, provider: System.Globalization.CultureInfo.InvariantCulture)) return 0;
        "/task\0"u8.CopyTo(path[(6 + n)..]);
        if (!Interop.Files.TryStat(path[..(12 + n)], out var st) || st.Links < 3) return 0;
        return (int)(st.Links - 2);
    }

    /// <summary>Field <paramref name="field"/> (numbered as proc(5) does, 3 or more) of /proc/PID/stat
    /// as a number, 0 when unreadable.</summary>
    private static ulong StatNumber(int pid, int field)
    {
        Span<byte> buf = stackalloc byte[StatBytes];
        var stat = ReadSmall($"/proc/{pid}/stat", buf);
        int close = stat.LastIndexOf((byte)')');
        if (close < 0 || close + 2 > stat.Length) return 0;
        var f = stat[(close + 2)..];
        var t = f[..0];
        for (int i = 2; i < field; i++)
            if (!Field(ref f, out t)) return 0;
        return ulong.TryParse(t, out ulong n) ? n : 0;
    }

    // /proc/PID/stat is one line of 52 fields, ~350 bytes; 2 KiB holds the longest the kernel can write.
    private const int StatBytes = 2048;

    /// <summary>The next space-separated field of <paramref name="rest"/>, which moves past it.</summary>
    private static bool Field(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        int sp = rest.IndexOfAny((byte)' ', (byte)'\n');
        field = sp < 0 ? rest : rest[..sp];
        rest = sp < 0 ? default : rest[(sp + 1)..];
        return field.Length > 0;
    }

    /// <summary>A one-line /proc file (/proc/PID/stat) read into <paramref name="buf"/>: what was read,
    /// empty when the file cannot be opened or read or does not fit (callers treat that as
    /// unreadable). PERF: no FileStream, reader or string per read; these run for every recorded
    /// decision, once per process of its chain.</summary>
    internal static ReadOnlySpan<byte> ReadSmall(string path, Span<byte> buf)
    {
        int fd = Interop.Files.Open(path, Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return default;
        int total = 0;
        try
        {
            while (total < buf.Length)
            {
                int n = Interop.Files.Read(fd, buf[total..], out _);
                if (n < 0) return default;
                if (n == 0) return buf[..total];
                total += n;
                // PERF: the kernel makes such a file whole on the first read (a seq_file of one
                // record) and copies all of it that fits: a short read ending its line is the whole
                // file, and the read that would only say so (~1.5 µs) is skipped.
                if (total < buf.Length && buf[total - 1] == (byte)'\n') return buf[..total];
            }
            return default; // filled: the end was not seen
        }
        finally { Interop.Libc.close(fd); }
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

    /// <summary>The status of what <c>exe</c> names in <paramref name="procDir"/>, an open /proc/PID
    /// directory: "exe" looked up in it, not the whole path.</summary>
    internal static bool ExeStatusAt(int procDir, out FileStatus st) =>
        Interop.Files.StatAt(procDir, "exe\0"u8, out st) == 0;

    /// <summary>The status of what /proc/PID/exe names (the file itself, not the link).</summary>
    internal static bool ExeStatus(int pid, out FileStatus st) => Interop.Files.TryStat($"/proc/{pid}/exe", out st);

    /// <summary>Opens /proc/PID as a directory (O_PATH: for lookups in it only) for a later
    /// <see cref="ExeStatusAt"/>, its "exe" entry looked up once already (the link itself, not
    /// followed): the later lookup finds it cached and only follows it to what runs then. -1 when it
    /// cannot be opened. PERF: the path is formatted on the stack, no string made.</summary>
    internal static int OpenProcDir(int pid)
    {
        Span<byte> path = stackalloc byte[24];
        "/proc/"u8.CopyTo(path);
        if (!pid.TryFormat(path[6..], out int n, provider: System.Globalization.CultureInfo.InvariantCulture)) return -1;
        path[6 + n] = 0;
        int fd = Interop.Files.Open(path[..(7 + n)], Interop.Files.O_PATH | Interop.Files.O_DIRECTORY | Interop.Files.O_CLOEXEC, out _);
        if (fd >= 0) Interop.Files.StatAt(fd, "exe\0"u8, out _, Interop.Files.AT_SYMLINK_NOFOLLOW);
        return fd;
    }

    /// <summary>Thread group id of a thread id (exec notifications carry the thread id).</summary>
    internal static int Tgid(int tid)
    {
        // PERF: tgkill(tid, tid, 0) finds the task and fails with ESRCH unless its thread group is
        // tid (EPERM: found, and so is a leader too): one syscall for the usual caller, a thread
        // group's leader, where /proc/TID/status is three and a /proc lookup costs ~25 µs here.
        if (Interop.Libc.syscall4(NR_tgkill, tid, tid, 0, 0) == 0 || Interop.LastErrno == Errno.EPERM) return tid;
        // "Tgid:" is the fourth line of /proc/TID/status, after Name (a comm of at most 64 bytes
        // escaped), Umask and State.
        return StatusNumber(tid, "\nTgid:"u8) is int t and > 0 ? t : tid;
    }

    /// <summary>TracerPid of /proc/TID/status (the tracing thread's id, 0 when untraced), -1 when unreadable.</summary>
    internal static int TracerPid(int tid) => StatusNumber(tid, "\nTracerPid:"u8);

    /// <summary>A number among the first lines of /proc/TID/status (<paramref name="key"/> with its
    /// newline and colon): the first 512 bytes hold them, read once (Name is at most 64 bytes
    /// escaped). -1 when the file or the field cannot be read.</summary>
    private static int StatusNumber(int tid, ReadOnlySpan<byte> key)
    {
        Span<byte> buf = stackalloc byte[512];
        int fd = Interop.Files.Open($"/proc/{tid}/status", Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return -1;
        int n;
        try { n = Interop.Files.Read(fd, buf, out _); }
        finally { Interop.Libc.close(fd); }
        if (n <= 0) return -1;
        ReadOnlySpan<byte> text = buf[..n];
        int at = text.IndexOf(key);
        if (at < 0) return -1;
        text = text[(at + key.Length)..];
        int end = text.IndexOf((byte)'\n');
        if (end < 0) return -1; // cut off: not the whole number
        return int.TryParse(text[..end].Trim((byte)'\t').Trim((byte)' '), out int v) ? v : -1;
    }

    /// <summary>The state letter of /proc/TID/stat ('R', 'S', 't', 'Z', …), '\0' when it cannot be read.</summary>
    internal static char TaskState(int tid)
    {
        Span<byte> buf = stackalloc byte[StatBytes];
        var stat = ReadSmall($"/proc/{tid}/stat", buf);
        int close = stat.LastIndexOf((byte)')');
        return close < 0 || close + 2 >= stat.Length ? '\0' : (char)stat[close + 2];
    }

    /// <summary>Where the task sleeps in the kernel (/proc/TID/wchan: a function's name, "0" when it
    /// runs), empty when unreadable.</summary>
    internal static string WaitChannel(int tid)
    {
        Span<byte> buf = stackalloc byte[128];
        return System.Text.Encoding.ASCII.GetString(ReadSmall($"/proc/{tid}/wchan", buf));
    }

    /// <summary>True when no task has id <paramref name="tid"/> any more (tkill with no signal:
    /// ESRCH); false for one that exists, readable or not.</summary>
    internal static bool TaskGone(int tid) =>
        Interop.Libc.syscall4(NR_tkill, tid, 0, 0, 0) < 0 && Interop.LastErrno == Errno.ESRCH;

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
        return FromTheTop(chain);
    }

    /// <summary>A chain read from the process up (<see cref="Chain"/>, <see cref="ParentChain"/>), as
    /// a person reads it: from the top, without the launchers.</summary>
    internal static List<string> FromTheTop(List<string> chain)
    {
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
