namespace AgentShell.Supervisor;

/// <summary>The mount namespace and root directory the supervised tree was started in. A process in
/// another one (a mount namespace or chroot made inside the tree) may see its own
/// /etc/ld.so.preload, nsswitch.conf, hosts file or libraries: a tool started there is not trusted
/// (rule <see cref="SupervisorRules.OtherRoot"/>).</summary>
/// <param name="MountNamespace">Device and inode of /proc/PID/ns/mnt.</param>
/// <param name="Root">Device and inode of /proc/PID/root.</param>
internal sealed record TreeRoot((ulong Dev, ulong Ino) MountNamespace, (ulong Dev, ulong Ino) Root)
{
    /// <summary>The mount namespace and root of <paramref name="pid"/>, or null when they cannot be read.</summary>
    public static TreeRoot? Of(int pid) =>
        Interop.Files.TryStat($"/proc/{pid}/ns/mnt", out var ns) && Interop.Files.TryStat($"/proc/{pid}/root/", out var root)
            ? new TreeRoot(ns.Identity, root.Identity)
            : null;

    /// <summary>True when <paramref name="pid"/> is in this mount namespace with this root (false
    /// when that cannot be read: then it is not trusted).</summary>
    public bool Holds(int pid) => Of(pid) is { } other && other == this;
}
