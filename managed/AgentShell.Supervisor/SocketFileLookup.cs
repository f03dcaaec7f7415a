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
        // A name that is not UTF-8 would be walked as another name: not provable here.
        if (!System.Text.Unicode.Utf8.IsValid(path)) return TargetFiles.Lookup.Unprovable;
        if (path[0] == (byte)'/' && root != null && root.TryOpen(path, O_PATH | O_CLOEXEC, out int fd, out var errno, Beneath))
        {
            if (fd >= 0)
            {
                try { return TryFStat(fd, out status) ? TargetFiles.Lookup.Found : TargetFiles.Lookup.Unprovable; }
                finally { Interop.Libc.close(fd); }
            }
            if (errno is Errno.ENOENT or Errno.ENOTDIR && MissingBelow(root, path)) return TargetFiles.Lookup.Missing;
        }
        return TargetFiles.StatAs(ProcessView.Of(pid, System.Text.Encoding.UTF8.GetString(path)), out status);
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
