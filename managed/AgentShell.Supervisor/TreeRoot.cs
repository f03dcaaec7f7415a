namespace AgentShell.Supervisor;

/// <summary>The mount namespace and root directory the supervised tree was started in. A process in
/// another one (a mount namespace or chroot made inside the tree) may see its own
/// /etc/ld.so.preload, nsswitch.conf, hosts file or libraries: a tool started there is not trusted
/// (rule <see cref="SupervisorRules.OtherRoot"/>).</summary>
/// <param name="MountNamespace">Device and inode of /proc/PID/ns/mnt.</param>
/// <param name="Root">Device and inode of /proc/PID/root.</param>
internal sealed record TreeRoot((ulong Dev, ulong Ino) MountNamespace, (ulong Dev, ulong Ino) Root)
{
    /// <summary>The tree's root held open while every process has it, or null. While it is in use,
    /// no process of the tree has left this namespace or root: every call that could (chroot,
    /// pivot_root, setns, unshare or clone with CLONE_NEWNS) comes to the supervisor, which retires
    /// it before answering (<see cref="RootChanges"/>).</summary>
    internal TreeRootDirectory? Directory { get; init; }

    /// <summary>The mount namespace and root of <paramref name="pid"/>, or null when they cannot be read.</summary>
    public static TreeRoot? Of(int pid) =>
        Interop.Files.TryStat($"/proc/{pid}/ns/mnt", out var ns) && Interop.Files.TryStat($"/proc/{pid}/root/", out var root)
            ? new TreeRoot(ns.Identity, root.Identity)
            : null;

    /// <summary>True when <paramref name="pid"/> (a process of the tree) is in this mount namespace
    /// with this root (false when that cannot be read: then it is not trusted). PERF: no look while
    /// <see cref="Directory"/> is in use (nobody has left); each look was two stats through /proc
    /// (ns/mnt, and root/ through its magic link) for every exec given trust, ~4 µs of the receiving
    /// thread per exec of issue 16's 500-exec script.</summary>
    public bool Holds(int pid) =>
        Directory is { InUse: true } || (Of(pid) is { } other && other.MountNamespace == MountNamespace && other.Root == Root);
}
