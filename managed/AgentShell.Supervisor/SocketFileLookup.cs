using static AgentShell.Supervisor.Interop.Files;

namespace AgentShell.Supervisor;

/// <summary>The file a Unix connect's path names for the process (the command-server check, <see
/// cref="CommandServers"/>). A plain stat by the supervisor is not that: "self" in /proc/self/root or
/// /proc/self/fd/N names the supervisor, and the protected tree's own /proc has no "self" for it.
/// PERF: an absolute path is one openat2 under the tree's root that refuses magic links (a found
/// file is then the process's too); a missing one is proven by the deepest directory that resolves
/// the same way, is no procfs, and lacks the next name outright (glibc's nscd probe: ~4 syscalls).
/// Anything else is walked as the kernel would (<see cref="TargetFiles.StatAs"/>, ~45 µs here).</summary>
internal static class SocketFileLookup
{
    private const ulong Beneath = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    private const int O_CLOEXEC = 0x80000;

    public static TargetFiles.Lookup Of(int pid, ReadOnlySpan<byte> path, TreeRootDirectory? root, out FileStatus status)
    {
        var found = Open(pid, path, root, out status, out int fd);
        if (fd >= 0) Interop.Libc.close(fd);
        return found;
    }

    /// <summary><see cref="Of"/> for a connect that is continued unless its file is refused (no listed
    /// server outside the tree: <see cref="CommandServers.AnyOutside"/>): a path the walk under the
    /// tree's root does not find is answered by the quick look (links followed, as <see
    /// cref="OpenQuick"/>), Found or Missing, without proving it missing dir by dir. Missing there is
    /// continued, and what the kernel then finds that the looks did not (a /proc/self spelling
    /// resolved for the process) is no listed server alive outside the tree, or it would be on behalf;
    /// the approval socket refuses tree processes itself (SO_PEERCRED).
    /// PERF: glibc's nscd probe, before every name lookup: 2 syscalls, not 5–6 (MissingBelow's walk).</summary>
    public static TargetFiles.Lookup OfContinued(int pid, ReadOnlySpan<byte> path, TreeRootDirectory? root, out FileStatus status)
    {
        status = default;
        if (path[0] == (byte)'/' && root != null && root.TryOpen(path, O_PATH | O_CLOEXEC, out int fd, out var errno, Beneath))
        {
            if (fd >= 0)
            {
                var found = Judged(ref fd, out status);
                if (fd >= 0) Interop.Libc.close(fd);
                return found;
            }
            if (errno is Errno.ENOENT or Errno.ENOTDIR && !path.StartsWith("/proc/"u8))
            {
                if (!root.TryStat(path, out status, out errno)) return TargetFiles.Lookup.Unprovable;
                return errno == 0 ? TargetFiles.Lookup.Found : TargetFiles.Lookup.Missing;
            }
        }
        return Of(pid, path, root, out status);
    }

    /// <summary><see cref="Of"/>, keeping the file: <paramref name="fd"/> is an O_PATH fd of the
    /// file judged (the caller closes it) when Found, else -1. A connect made through it
    /// (<see cref="UnixOnBehalf"/>) reaches that file whatever the path names by then.</summary>
    public static TargetFiles.Lookup Open(int pid, ReadOnlySpan<byte> path, TreeRootDirectory? root, out FileStatus status, out int fd)
    {
        status = default;
        if (path[0] == (byte)'/' && root != null && root.TryOpen(path, O_PATH | O_CLOEXEC, out fd, out var errno, Beneath))
        {
            if (fd >= 0) return Judged(ref fd, out status);
            if (errno is Errno.ENOENT or Errno.ENOTDIR && MissingBelow(root, path)) return TargetFiles.Lookup.Missing;
        }
        fd = -1;
        // The walk takes a string: a name that is not UTF-8 would be walked as another name. The
        // caller judges such a path on its quick look instead (bytes, through the held root).
        if (!System.Text.Unicode.Utf8.IsValid(path)) return TargetFiles.Lookup.Unprovable;
        var walked = TargetFiles.PathAs(ProcessView.Of(pid, System.Text.Encoding.UTF8.GetString(path)), out fd);
        return walked == TargetFiles.Lookup.Found ? Judged(ref fd, out status) : walked;
    }

    /// <summary>The status of <paramref name="fd"/>: Found; or Unprovable, with it closed.</summary>
    private static TargetFiles.Lookup Judged(ref int fd, out FileStatus status)
    {
        if (TryFStat(fd, out status)) return TargetFiles.Lookup.Found;
        Interop.Libc.close(fd);
        fd = -1;
        return TargetFiles.Lookup.Unprovable;
    }

    /// <summary>A path through the process's own /proc entry (/proc/self/root/…, /proc/self/fd/N,
    /// /proc/thread-self/…) stated through ours for its pid: the magic links there name its root,
    /// its cwd and its open files for any reader. False for any other path, or when not found.</summary>
    public static bool ThroughProcOf(int pid, ReadOnlySpan<byte> path, out FileStatus status)
    {
        status = default;
        int fd = OpenThroughProcOf(pid, path);
        if (fd < 0) return false;
        try { return TryFStat(fd, out status); }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary><see cref="ThroughProcOf"/>'s file as an O_PATH fd (the caller closes it), or -1.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the path is written before it is read
    public static int OpenThroughProcOf(int pid, ReadOnlySpan<byte> path)
    {
        ReadOnlySpan<byte> rest = path.StartsWith("/proc/self/"u8) ? path["/proc/self/".Length..]
            : path.StartsWith("/proc/thread-self/"u8) ? path["/proc/thread-self/".Length..] : default;
        Span<byte> own = stackalloc byte[32 + 256];
        if (rest.IsEmpty || rest.Length > 256) return -1;
        // n.pid is the thread's id in our pid namespace: /proc/TID holds its root, cwd and fd table.
        "/proc/"u8.CopyTo(own);
        int k = "/proc/".Length;
        if (!pid.TryFormat(own[k..], out int w, provider: System.Globalization.CultureInfo.InvariantCulture)) return -1;
        k += w;
        own[k++] = (byte)'/';
        rest.CopyTo(own[k..]);
        k += rest.Length;
        own[k++] = 0;
        return Interop.Files.Open(own[..k], O_PATH | O_CLOEXEC, out _);
    }

    /// <summary>/proc/PID/root/ABS or /proc/PID/cwd/REL for <paramref name="path"/>, NUL-terminated,
    /// into <paramref name="into"/> (as ProcessInfo.ProcPath): its length, or 0 when it does not fit.</summary>
    public static int ProcPath(int pid, ReadOnlySpan<byte> path, Span<byte> into)
    {
        int k = 0;
        "/proc/"u8.CopyTo(into);
        k += 6;
        pid.TryFormat(into[k..], out int w, provider: System.Globalization.CultureInfo.InvariantCulture);
        k += w;
        var via = path[0] == (byte)'/' ? "/root"u8 : "/cwd/"u8;
        via.CopyTo(into[k..]);
        k += via.Length;
        if (path.Length > into.Length - k - 1) return 0; // longer than a sockaddr holds: not read here
        path.CopyTo(into[k..]);
        k += path.Length;
        into[k++] = 0;
        return k;
    }

    /// <summary>The quick look's file (as the connect check's identity look: through the held root,
    /// links followed, or /proc/PID/root|cwd) as an O_PATH fd (the caller closes it), or -1.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the path is written before it is read
    public static int OpenQuick(int pid, ReadOnlySpan<byte> path, TreeRootDirectory? root)
    {
        if (path[0] == (byte)'/' && root != null && root.TryOpen(path, O_PATH | O_CLOEXEC, out int fd, out _)) return fd;
        Span<byte> proc = stackalloc byte[32 + 128];
        int k = ProcPath(pid, path, proc);
        return k == 0 ? -1 : Interop.Files.Open(proc[..k], O_PATH | O_CLOEXEC, out _);
    }

    /// <summary>True when a directory on <paramref name="path"/> resolves (no magic link, no procfs)
    /// and holds no entry at all (not even a dangling link) by the name that follows it.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the name is written before it is read
    private static bool MissingBelow(TreeRootDirectory root, ReadOnlySpan<byte> path)
    {
        Span<byte> name = stackalloc byte[256];
        for (int end = path.Length; ;)
        {
            int slash = path[..end].LastIndexOf((byte)'/');
            if (slash < 0) return false;
            var next = path[(slash + 1)..end];
            if (next.Length == 0 || next.Length >= name.Length || next.SequenceEqual("."u8) || next.SequenceEqual(".."u8)) return false;
            if (!root.TryOpen(slash == 0 ? "/"u8 : path[..slash], O_PATH | O_DIRECTORY | O_CLOEXEC, out int dir, out var errno, Beneath)) return false;
            if (dir < 0)
            {
                if (errno is not (Errno.ENOENT or Errno.ENOTDIR)) return false;
                end = slash;
                continue;
            }
            try
            {
                if (FileSystemType(dir) is not long type || type == ProcSuperMagic) return false;
                next.CopyTo(name);
                name[next.Length] = 0;
                return StatAt(dir, name[..(next.Length + 1)], out _, AT_SYMLINK_NOFOLLOW) == Errno.ENOENT;
            }
            finally { Interop.Libc.close(dir); }
        }
    }
}
