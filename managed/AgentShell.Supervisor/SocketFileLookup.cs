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
        status = default;
        if (path[0] == (byte)'/' && root != null && root.TryOpen(path, O_PATH | O_CLOEXEC, out int fd, out var errno, Beneath))
        {
            if (fd >= 0)
            {
                try { return TryFStat(fd, out status) ? TargetFiles.Lookup.Found : TargetFiles.Lookup.Unprovable; }
                finally { Interop.Libc.close(fd); }
            }
            if (errno is Errno.ENOENT or Errno.ENOTDIR && MissingBelow(root, path)) return TargetFiles.Lookup.Missing;
        }
        // The walk takes a string: a name that is not UTF-8 would be walked as another name. The
        // caller judges such a path on its quick look instead (bytes, through the held root).
        if (!System.Text.Unicode.Utf8.IsValid(path)) return TargetFiles.Lookup.Unprovable;
        return TargetFiles.StatAs(ProcessView.Of(pid, System.Text.Encoding.UTF8.GetString(path)), out status);
    }

    /// <summary>A path through the process's own /proc entry (/proc/self/root/…, /proc/self/fd/N,
    /// /proc/thread-self/…) stated through ours for its pid: the magic links there name its root,
    /// its cwd and its open files for any reader. False for any other path, or when not found.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the path is written before it is read
    public static bool ThroughProcOf(int pid, ReadOnlySpan<byte> path, out FileStatus status)
    {
        status = default;
        ReadOnlySpan<byte> rest = path.StartsWith("/proc/self/"u8) ? path["/proc/self/".Length..]
            : path.StartsWith("/proc/thread-self/"u8) ? path["/proc/thread-self/".Length..] : default;
        Span<byte> own = stackalloc byte[32 + 256];
        if (rest.IsEmpty || rest.Length > 256) return false;
        // n.pid is the thread's id in our pid namespace: /proc/TID holds its root, cwd and fd table.
        "/proc/"u8.CopyTo(own);
        int k = "/proc/".Length;
        if (!pid.TryFormat(own[k..], out int w, provider: System.Globalization.CultureInfo.InvariantCulture)) return false;
        k += w;
        own[k++] = (byte)'/';
        rest.CopyTo(own[k..]);
        k += rest.Length;
        own[k++] = 0;
        return Interop.Files.TryStat(own[..k], out status);
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
