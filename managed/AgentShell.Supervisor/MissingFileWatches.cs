using AgentShell.Core.Config;

namespace AgentShell.Supervisor;

/// <summary>One <see cref="MissingFileWatch"/> per root a traced process resolves paths from. What
/// an absolute path names depends only on the process's root: its mount (each mount belongs to one
/// mount namespace; a new namespace gets copies with new ids) and its directory (a chroot). So the
/// key is the root's mount id, device and inode, from one statx of /proc/TID/root per decision.
/// Bounded: a tree that makes more roots than <see cref="MaxRoots"/> gets real lookups in the others.</summary>
internal static class MissingFileWatches
{
    private const int MaxRoots = 8;
    private static readonly Dictionary<(ulong MountId, ulong Dev, ulong Ino), MissingFileWatch> Watches = new();

    /// <summary>The watch for the root of <paramref name="tid"/>, or null (real lookups) when its root
    /// cannot be named or the table is full.</summary>
    internal static MissingFileWatch? For(int tid)
    {
        string root = $"/proc/{tid}/root/";
        if (RootKey(root) is not { } key) return null;
        lock (Watches)
        {
            if (Watches.TryGetValue(key, out var w)) return w;
            if (Watches.Count >= MaxRoots) return null;
            // The task is stopped in its exec and only it can change its own mount namespace, so
            // its mountinfo is the namespace of that root; the second statx makes sure the tid was
            // not reused meanwhile by a process with another root.
            var made = new MissingFileWatch($"/proc/{tid}/mountinfo");
            if (!made.Enabled || RootKey(root) != key)
            {
                made.Dispose();
                return null;
            }
            Watches[key] = made;
            return made;
        }
    }

    private const int AtStatxSyncAsStat = 0, StatxIno = 0x100, StatxMntId = 0x1000;

    private static unsafe (ulong, ulong, ulong)? RootKey(string root)
    {
        // struct statx: stx_mask at 0, stx_ino at 32, stx_dev_major/minor at 136/140, stx_mnt_id at 144.
        byte* buf = stackalloc byte[256];
        if (Interop.Files.Statx(-100, root, AtStatxSyncAsStat, StatxIno | StatxMntId, buf) != 0) return null;
        uint mask = *(uint*)buf;
        if ((mask & (StatxIno | StatxMntId)) != (StatxIno | StatxMntId)) return null;
        ulong dev = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
        return (*(ulong*)(buf + 144), dev, *(ulong*)(buf + 32));
    }

}
