using System.Net.Sockets;

namespace AgentShell.Supervisor;

/// <summary>Whose socket a connection the supervisor makes for a tree process is (the wire layer's
/// upstream, root mode's gate). A socket belongs to the credentials it was made with, and firewall
/// rules by owner (<c>iptables -m owner --uid-owner</c>, nft <c>meta skuid</c>) match on them: made
/// with a root supervisor's, the connection of a tree that dropped to a user such rules stop was
/// root's, and got through (tests/adversarial/UpstreamOwnerTests.cs). It is made with the task's
/// credentials instead (<see cref="ThreadCredentials"/>, for the one socket() call). A supervisor
/// that is not root runs a tree that cannot change its ids (no_new_privs): its sockets are that
/// user's already. A root supervisor that can read neither the thread's nor its process's
/// credentials (both gone before a held connection was approved) resets the connection. Not
/// covered: rules by cgroup (the socket is in the supervisor's cgroup).</summary>
internal static class UpstreamOwner
{
    /// <summary>The credentials to make <paramref name="tid"/>'s upstream sockets with: null for the
    /// supervisor's own (the same, or a supervisor that is not root). A thread that has ended since
    /// it connected (root mode: a connect to the gate returns at once) is read through its process,
    /// <paramref name="tgid"/>. <paramref name="unknown"/>: neither could be read (the connection is refused).</summary>
    public static TaskCredentials? For(int tid, int tgid, out bool unknown)
    {
        unknown = false;
        if (TaskCredentials.Self is not { Euid: 0 } self) return null;
        var task = TaskCredentials.OfTask(tid) ?? (tgid != tid ? TaskCredentials.OfTask(tgid) : null);
        if (task == null) { unknown = true; return null; }
        return task.ChecksAs(self) ? null : task;
    }

    /// <summary>As <see cref="For"/> for a connect to production <paramref name="port"/>: false, with a
    /// line in <paramref name="log"/>, when the connection must be refused.</summary>
    public static bool TryFor(int tid, int tgid, int port, TextWriter log, out TaskCredentials? owner)
    {
        owner = For(tid, tgid, out bool unknown);
        if (unknown) log.WriteLine($"agentshell: pid {tid}'s connect to production port {port} refused: its credentials could not be read");
        return !unknown;
    }

    /// <summary>A TCP socket of <paramref name="family"/> made with <paramref name="owner"/>'s credentials
    /// (null: ours). Throws <see cref="SocketException"/> when it cannot be made as that owner.</summary>
    public static Socket NewTcp(AddressFamily family, TaskCredentials? owner)
    {
        if (owner == null || TaskCredentials.Self is not { } self) return new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        int af = family == AddressFamily.InterNetworkV6 ? Interop.Sockets.AF_INET6 : Interop.Sockets.AF_INET;
        if (ThreadCredentials.Enter(owner, self, out var switched) != 0) throw new SocketException((int)SocketError.AccessDenied);
        int fd;
        try { fd = Interop.Sockets.NewTcp(af); }
        finally { switched.Leave(); }
        if (fd < 0) throw new SocketException((int)SocketError.AccessDenied);
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }
}
