using Microsoft.Win32.SafeHandles;

namespace AgentShell.Supervisor;

/// <summary>The tree's root directory, held open, through which an exec's absolute path is looked up
/// (<c>openat(root, "usr/bin/x")</c>) instead of <c>/proc/PID/root/usr/bin/x</c>, for as long as
/// every process of the tree has that root. PERF: /proc/PID/root is a magic link; following it
/// leaves the kernel's lock-free path walk and checks ptrace access, ~1 µs of the supervisor's CPU
/// on every exec (issue 16: every failing exec and each of execvp's misses along PATH). Both
/// lookups start at the same directory of the same mount and walk the rest alike, so they find the
/// same file.
/// <para>A process's root changes only through chroot, pivot_root, and a new mount namespace
/// (unshare or clone with CLONE_NEWNS, setns), and the launcher's filter sends each of those to the
/// supervisor (clone3, whose flags it cannot see, fails with ENOSYS). The first one seen, whatever
/// becomes of it, retires this directory for the rest of the run, before it is answered: from then
/// on every lookup goes through /proc/PID/root again. A mount made in the tree's own namespace is
/// seen by both lookups alike.</para></summary>
internal sealed class TreeRootDirectory : IDisposable
{
    private readonly SafeFileHandle _fd;
    private volatile bool _retired;

    private TreeRootDirectory(SafeFileHandle fd, (ulong, ulong, ulong)? key)
    {
        _fd = fd;
        WatchKey = key;
    }

    /// <summary>The root's mount id, device and inode (as <see cref="MissingFileWatches"/> keys a
    /// root), read once from the open directory; null when the kernel did not say.</summary>
    public (ulong MountId, ulong Dev, ulong Ino)? WatchKey { get; }

    /// <summary>The root of <paramref name="pid"/> (the process that installed the filter, before the
    /// tree runs anything) held open, when it is <paramref name="root"/>'s; else null.</summary>
    public static TreeRootDirectory? Open(int pid, TreeRoot root)
    {
        int fd = Interop.Files.Open($"/proc/{pid}/root", Interop.Files.O_PATH | Interop.Files.O_DIRECTORY | Interop.Files.O_CLOEXEC, out _);
        if (fd < 0) return null;
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!Interop.Files.TryFStat(fd, out var st) || st.Identity != root.Root)
        {
            handle.Dispose();
            return null;
        }
        return new TreeRootDirectory(handle, MissingFileWatches.RootKey(fd));
    }

    /// <summary>False once a process may have left the tree's root.</summary>
    public bool InUse => !_retired;

    /// <summary>A process may have another root from now on (rule-less: nothing is refused).</summary>
    public void Retire() => _retired = true;

    /// <summary>openat(2) of <paramref name="absolute"/> (an absolute path's bytes, no NUL) under the
    /// tree's root: true with the fd or -1 and errno; false when retired (or closed): the caller
    /// looks up through /proc/PID/root.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the path is written before it is read
    /// <paramref name="resolve"/>: openat2's RESOLVE_* flags instead (RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS), or 0: openat.
    public bool TryOpen(ReadOnlySpan<byte> absolute, int flags, out int fd, out Errno errno, ulong resolve = 0)
    {
        fd = -1;
        errno = 0;
        Span<byte> path = stackalloc byte[ExecReader.MaxPath + 2];
        if (_retired || Relative(absolute, path) is not int n) return false;
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added); // a lookup in flight keeps the fd from being closed under it
            fd = resolve == 0 ? Interop.Files.OpenAt((int)_fd.DangerousGetHandle(), path[..n], flags, out errno)
                : Interop.Files.OpenAt2((int)_fd.DangerousGetHandle(), path[..n], flags, resolve, out errno);
            return true;
        }
        catch (ObjectDisposedException) { return false; }
        finally { if (added) _fd.DangerousRelease(); }
    }

    /// <summary>fstatat(2) of <paramref name="absolute"/> under the tree's root, as <see cref="TryOpen"/>:
    /// true with its errno (0: <paramref name="status"/> is the file's); false when retired.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: as TryOpen
    public bool TryStat(ReadOnlySpan<byte> absolute, out FileStatus status, out Errno errno)
    {
        status = default;
        errno = 0;
        Span<byte> path = stackalloc byte[ExecReader.MaxPath + 2];
        if (_retired || Relative(absolute, path) is not int n) return false;
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            errno = Interop.Files.StatAt((int)_fd.DangerousGetHandle(), path[..n], out status);
            return true;
        }
        catch (ObjectDisposedException) { return false; }
        finally { if (added) _fd.DangerousRelease(); }
    }

    /// <summary><paramref name="absolute"/> relative to the root, with a NUL, into <paramref name="path"/>:
    /// its length, or null when too long. openat ignores the directory for an absolute path: the
    /// slashes go ("/" is the root itself, ".").</summary>
    private static int? Relative(ReadOnlySpan<byte> absolute, Span<byte> path)
    {
        int skip = 0;
        while (skip < absolute.Length && absolute[skip] == (byte)'/') skip++;
        var rel = absolute[skip..];
        if (rel.Length > path.Length - 2) return null;
        int n;
        if (rel.IsEmpty) { path[0] = (byte)'.'; n = 1; }
        else { rel.CopyTo(path); n = rel.Length; }
        path[n++] = 0;
        return n;
    }

    /// <summary>Closes the directory (once no lookup uses it).</summary>
    public void Dispose()
    {
        _retired = true;
        _fd.Dispose();
    }
}
