using AgentShell.Core.Config;

namespace AgentShell.Supervisor;

/// <summary>One <see cref="MissingFileWatch"/> per root a traced process resolves paths from. What
/// an absolute path names depends only on the process's root: its mount (each mount belongs to one
/// mount namespace; a new namespace gets copies with new ids) and its directory (a chroot). So the
/// key is the root's mount id, device and inode, from one statx of /proc/TID/root per decision.
/// Bounded: a tree that makes more roots than <see cref="MaxRoots"/> gets real lookups in the others.
/// One table per supervised tree, disposed when the tree ends: each watch holds an inotify fd and
/// its namespace's mountinfo, which keeps that mount namespace alive (a daemon serves session after
/// session; a table kept across them filled up with the roots of trees long gone).</summary>
/// <param name="tree">The tree's root held open while every process has it: while it is in use, a
/// task's root is that one, and its key is known without a look (null: always looked at).</param>
internal sealed class MissingFileWatches(TreeRootDirectory? tree = null) : IDisposable
{
    private const int MaxRoots = 8;
    private readonly Dictionary<(ulong MountId, ulong Dev, ulong Ino), MissingFileWatch> _watches = new();
    private bool _disposed;

    /// <summary>Roots watched now (tests).</summary>
    internal int Count
    {
        get { lock (_watches) return _watches.Count; }
    }

    /// <summary>The watch for the root of <paramref name="tid"/>, or null (real lookups) when its root
    /// cannot be named, the table is full or the tree has ended.</summary>
    internal MissingFileWatch? For(int tid)
    {
        // PERF: while nobody has left the tree's root, the key is the held root's: no statx through
        // the /proc/TID/root magic link (and its string) per decision, ~3 µs of the receiving thread
        // for each `curl --version` of issue 16's 500-exec script.
        if (tree is { InUse: true, WatchKey: { } known })
        {
            lock (_watches)
            {
                if (_disposed) return null;
                if (_watches.TryGetValue(known, out var w)) return w;
            }
        }
        string root = $"/proc/{tid}/root/";
        if (RootKey(root) is not { } key) return null;
        lock (_watches)
        {
            if (_disposed) return null;
            if (_watches.TryGetValue(key, out var w)) return w;
            if (_watches.Count >= MaxRoots) return null;
            // The task is stopped in its exec and only it can change its own mount namespace, so
            // its mountinfo is the namespace of that root; the second statx makes sure the tid was
            // not reused meanwhile by a process with another root.
            var made = new MissingFileWatch($"/proc/{tid}/mountinfo");
            if (!made.Enabled || RootKey(root) != key)
            {
                made.Dispose();
                return null;
            }
            _watches[key] = made;
            return made;
        }
    }

    /// <summary>Closes every watch (the tree has ended). A decision still holding one gets real
    /// lookups from then on (a disposed watch is off), and the table makes no new ones.</summary>
    public void Dispose()
    {
        lock (_watches)
        {
            _disposed = true;
            foreach (var w in _watches.Values) w.Dispose();
            _watches.Clear();
        }
    }

    private const int AtStatxSyncAsStat = 0, AtEmptyPath = 0x1000, StatxIno = 0x100, StatxMntId = 0x1000;

    private static unsafe (ulong, ulong, ulong)? RootKey(string root)
    {
        byte* buf = stackalloc byte[256];
        if (Interop.Files.Statx(-100, root, AtStatxSyncAsStat, StatxIno | StatxMntId, buf) != 0) return null;
        return Key(buf);
    }

    /// <summary>The key of the directory open as <paramref name="fd"/> (statx with AT_EMPTY_PATH).</summary>
    internal static unsafe (ulong, ulong, ulong)? RootKey(int fd)
    {
        byte* buf = stackalloc byte[256];
        if (Interop.Files.Statx(fd, "", AtStatxSyncAsStat | AtEmptyPath, StatxIno | StatxMntId, buf) != 0) return null;
        return Key(buf);
    }

    private static unsafe (ulong, ulong, ulong)? Key(byte* buf)
    {
        // struct statx: stx_mask at 0, stx_ino at 32, stx_dev_major/minor at 136/140, stx_mnt_id at 144.
        uint mask = *(uint*)buf;
        if ((mask & (StatxIno | StatxMntId)) != (StatxIno | StatxMntId)) return null;
        ulong dev = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
        return (*(ulong*)(buf + 144), dev, *(ulong*)(buf + 32));
    }

}
