using System.Buffers.Binary;
using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Trapped connects (seccomp mode; in root mode only Unix connects, and only on a kernel
/// without cgroup/connect_unix, which otherwise guards the approval socket itself): read the
/// sockaddr, refuse connects to the approval socket, decide connects to production addresses, and
/// perform an allowed inet connect on the process's behalf, to the address that was checked.
/// Sends that name a destination (datagrams, TCP Fast Open) are <see cref="DatagramSends"/>'. A TCP connect to
/// production that the wire layer takes is made to the wire listener instead (see
/// <see cref="PlaceOnWire"/>): what it sends is decided there.</summary>
/// <param name="root">The tree's root held open while every process has it (absolute Unix paths
/// are looked up there), or null: through /proc/PID/root.</param>
/// <param name="servers">The profile's command servers, whose sockets only their CLI may reach from the tree; null: none listed.</param>
internal sealed class ConnectNotifications(int listener, IAddressEnvironments addresses, KernelConnectGuard? kernel,
    TrustLedger trust, UnknownClients unknown, HeldNotifications held, BlockNotifier notifier, SelfIdentity self, Wire.WireLayer? wire, TextWriter log,
    TreeRootDirectory? root = null, CommandServers? servers = null)
{
    private const string Production = "production";

    /// <summary>connect(fd, addr, len).</summary>
    public unsafe Verdict Connect(ref seccomp_notif n, DeferredAudit audit, TaskPidfds pidfds) =>
        Decide(ref n, n.data.args[1], (int)n.data.args[2], audit, sockFd: (int)n.data.args[0], pidfds);

    private unsafe Verdict Decide(ref seccomp_notif n, ulong addr, int len, DeferredAudit audit, int sockFd, TaskPidfds pidfds)
    {
        if (len < 3) return Verdict.Continue; // the kernel fails it (EINVAL) itself
        int pid = (int)n.pid;
        Span<byte> sa = stackalloc byte[128]; // sizeof(struct sockaddr_storage)
        int want = Math.Min(len, 128);
        int got = Interop.ProcessMemory.Read(pid, addr, sa[..want], out _);
        // Unreadable now is no proof the kernel cannot read it after a CONTINUE (another thread can
        // map the page in between): refuse.
        if (got < want) return Verdict.Refuse;
        int family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        switch (family)
        {
            case 1: // AF_UNIX
                return UnixConnect(ref n, sa[2..got], audit, sockFd, pidfds);
            case 2 when got >= 8: // AF_INET: port (big-endian) at 2, address at 4
            case 10 when got >= 24: // AF_INET6: port at 2, address at 8
            {
                // PERF: a CONTINUE lets the kernel re-read the sockaddr, so another thread can swap in
                // any address. That is safe only where every inet address is allowed unasked: no
                // profile address can be production (the table is fixed for the run; names resolve
                // only into the environments that name them), seccomp mode (no gate), and so no wire
                // listener either (PlaceOnWire starts it, for production connects only). A swap to
                // AF_UNIX fails on an inet socket; on a Unix socket it is the same race as any Unix
                // connect (the approval socket refuses tree processes by SO_PEERCRED).
                if (kernel == null && !addresses.MayBe(Production)) return Verdict.Continue;
                var address = family == 2 ? sa.Slice(4, 4) : sa.Slice(8, 16);
                Span<byte> effective = stackalloc byte[16];
                // The unspecified address (0.0.0.0, ::) connects to the socket's bound address, or loopback.
                if (!address.ContainsAnyExcept((byte)0) || Address16.From(address) == Address16.V4Unspecified)
                {
                    if (Unspecified(pid, (int)n.data.args[0], address.Length, address.ContainsAnyExcept((byte)0), effective) is not int length) return Verdict.Refuse;
                    address = effective[..length];
                }
                // The gate belongs to the supervisor (root mode): nothing of the tree reaches it.
                if (kernel != null && Address16.From(address).IsGate) return Verdict.Refuse;
                int port = BinaryPrimitives.ReadUInt16BigEndian(sa[2..]);
                // So does the wire listener: it serves only the connections the supervisor places.
                if (wire != null && wire.IsListener(Address16.From(address), port)) return Verdict.Refuse;
                var v = InetConnect(ref n, address, port, audit, sockFd, sa[..got]);
                return OnBehalf(ref n, v, sockFd, sa[..got], address, pidfds);
            }
            default:
                return Verdict.Continue; // other families: not guarded
        }
    }

    private Verdict UnixConnect(ref seccomp_notif n, Span<byte> path, DeferredAudit audit, int sockFd, TaskPidfds pidfds)
    {
        // Abstract names (@name) are no file: neither the approval socket nor a listed server's.
        if (self.ControlSocket == null && servers == null || path.Length == 0 || path[0] == 0) return Verdict.Continue;
        int pid = (int)n.pid;
        int nul = path.IndexOf((byte)0);
        if (nul >= 0) path = path[..nul];
        // Compare by identity, so symlinks, /proc/self/root/... and relative paths do not help.
        if (servers == null)
            return Identity(pid, path) is { } st && st.Identity == self.ControlSocket ? SelfApproval(ref n, pid, audit) : Verdict.Continue;
        // While a listed server outside the tree exists, the connect is made here, to the file judged
        // (UnixOnBehalf), never continued: the kernel would look the path up again.
        bool onBehalf = servers.AnyOutside();
        int fd = -1;
        try
        {
            // The command servers are judged on the file the path names for the process (the quick look
            // follows a link to /proc/self/… as ours). A path that cannot be proven so (a /proc link on
            // the way, a relative name that is not UTF-8) is judged on the quick look's file; only one
            // no look finds is refused (it may name any server).
            var found = onBehalf ? SocketFileLookup.Open(pid, path, root, out var file, out fd) : SocketFileLookup.OfContinued(pid, path, root, out file);
            if (found == TargetFiles.Lookup.Unprovable)
            {
                if (onBehalf)
                {
                    fd = SocketFileLookup.OpenThroughProcOf(pid, path);
                    if (fd < 0) fd = SocketFileLookup.OpenQuick(pid, path, root);
                    if (fd >= 0 && Interop.Files.TryFStat(fd, out file)) found = TargetFiles.Lookup.Found;
                }
                else if (SocketFileLookup.ThroughProcOf(pid, path, out file)) found = TargetFiles.Lookup.Found;
                else if (Identity(pid, path) is { } q) (file, found) = (q, TargetFiles.Lookup.Found);
            }
            // The approval socket first, under its own rule, however the path reached it.
            if (found == TargetFiles.Lookup.Found && file.Identity == self.ControlSocket) return SelfApproval(ref n, pid, audit);
            var server = SupervisorRules.CommandServer;
            string? socket = found switch
            {
                TargetFiles.Lookup.Missing => null,
                TargetFiles.Lookup.Found => servers.Refuses(pid, file, out string s, out server, refreshed: true) ? s : null,
                _ => $"{System.Text.Encoding.UTF8.GetString(path)} (its file could not be resolved as the process would: a /proc link on the way, or unreadable)",
            };
            if (socket == null)
            {
                if (!onBehalf) return Verdict.Continue;
                // Missing when looked up: the kernel's answer then, not a second lookup.
                if (found == TargetFiles.Lookup.Missing) return Verdict.Result((int)Errno.ENOENT);
                (int judged, fd) = (fd, -1); // handed over: closed there
                return UnixOnBehalf.Connect(listener, ref n, sockFd, judged, path, pidfds, log);
            }
            if (!IdValid(listener, n.id)) return Verdict.Refuse;
            notifier.Write(pid, server.Refusal($"a connect to the command server {socket}"));
            audit.Note(server.About(null, detail: socket), pid, default, null, AuditSyscall.Connect, AuditOutcome.Blocked);
            return Verdict.Refuse;
        }
        finally { if (fd >= 0) Interop.Libc.close(fd); }
    }

    private Verdict SelfApproval(ref seccomp_notif n, int pid, DeferredAudit audit)
    {
        if (!IdValid(listener, n.id)) return Verdict.Refuse; // gone: nothing to say to it
        var rule = SupervisorRules.SelfApproval;
        notifier.Write(pid, rule.Refusal("a connect to the approval socket"));
        audit.Note(rule.Decision, pid, default, null, AuditSyscall.Connect, AuditOutcome.Blocked);
        return Verdict.Refuse;
    }

    /// <summary>Device and inode of the file <paramref name="path"/> (sun_path's bytes up to its NUL)
    /// names for <paramref name="pid"/>, following symlinks as its connect would; null when nothing
    /// is there. The path's own bytes reach the kernel: a name that is not UTF-8 (a symlink named
    /// "\xff" to the approval socket) is not turned into another name by a string on the way.
    /// PERF: an absolute path is looked up under the tree's root held open
    /// (<see cref="TreeRootDirectory"/>: the same walk from the same directory, without following
    /// the /proc/PID/root magic link), and no string is made: glibc tries nscd's socket before
    /// every name lookup (four connects per `curl --version`), and each was a string, its /proc
    /// path and a stat through /proc/PID/root (~1.7 µs of syscall, ~1 µs through the held root).</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the path is written before it is read
    private FileStatus? Identity(int pid, ReadOnlySpan<byte> path)
    {
        FileStatus st;
        if (path[0] == (byte)'/' && root is { } r && r.TryStat(path, out st, out var errno)) return errno == 0 ? st : null;
        Span<byte> proc = stackalloc byte[32 + 128];
        int k = SocketFileLookup.ProcPath(pid, path, proc);
        if (k == 0) return null;
        return Interop.Files.TryStat(proc[..k], out st) ? st : null;
    }

    private Verdict InetConnect(ref seccomp_notif n, ReadOnlySpan<byte> address, int port, DeferredAudit audit, int sockFd, ReadOnlySpan<byte> sockaddr)
    {
        // PERF: the common case (loopback, the internet, staging) is decided here without allocating.
        if (port == 53) return Verdict.Continue; // DNS is always allowed
        string env = addresses.EnvironmentOf(address, port);
        if (env != Production) return Verdict.Continue;

        int pid = (int)n.pid;
        int tgid = ProcessInfo.Tgid(pid);
        ulong program = kernel is { } k ? k.Generation(tgid) : ProcessInfo.StartTime(tgid);
        var key = new ProcessTable.ConnectKey(tgid, program, Address16.From(address), port);
        bool atWire = wire != null && wire.Takes(env);
        var settled = trust.Settle(key, env, trust.ExecCovers(tgid, env), null, cache: true, out string? exe, out string? codeChanged, atWire);
        if (settled == TrustLedger.Settled.Refused) return Verdict.Refuse;
        if (atWire)
        {
            // An exec's argv no longer settles what this connection may send: the wire decides that.
            if (sockFd < 0) return FastOpenToWire(pid, address, port, audit);
            if (!UpstreamOwner.TryFor(pid, tgid, port, log, out var owner)) return Verdict.Refuse;
            if (PlaceOnWire(pid, sockFd, address, port, env, new Wire.WireClient(pid, tgid, key, null, settled) { Owner = owner }) is Verdict placed) return placed;
        }
        if (settled == TrustLedger.Settled.Allowed) return Verdict.Continue;
        var d = unknown.Decide(tgid, address, port, env, exe, out var cmdline, out var target,
            why: codeChanged != null ? SupervisorRules.LibraryChanged : null, detail: codeChanged);
        if (!IdValid(listener, n.id)) return Verdict.Refuse;
        switch (d.Action)
        {
            case PolicyAction.Allow:
                trust.RememberConnect(key, true);
                return Verdict.Continue;
            case PolicyAction.Pause:
                // Approved, it is connected to this sockaddr (HeldNotifications), not continued.
                if (sockFd >= 0) held.HoldConnect(n.id, sockFd, sockaddr);
                unknown.Hold(n.id, pid, tgid, d, cmdline, exe, target, key, null);
                return Verdict.Parked;
            default:
                trust.RememberConnect(key, false);
                notifier.Write(pid, $"agentshell: blocked {d.Describe()}: {d.Reason}");
                audit.Note(d, pid, default, null, AuditSyscall.Connect, AuditOutcome.Blocked);
                return Verdict.Refuse;
        }
    }

    /// <summary>Connects the process's socket (a dup of it) to the wire listener instead of
    /// <paramref name="address"/>, and tells the listener where it was going and who asked; the
    /// process gets the connect's result (EINPROGRESS for a non-blocking socket). Null for a socket
    /// that is not TCP (a connected UDP socket, SCTP): decided as before.</summary>
    private Verdict? PlaceOnWire(int pid, int sockFd, ReadOnlySpan<byte> address, int port, string env, Wire.WireClient client)
    {
        int fd = OnBehalfConnect.Dup(pid, sockFd);
        if (fd < 0)
        {
            // EBADF, or EPERM: the process is gone, nothing to connect. Said in the run's log: a refusal
            // with no line of its own (seen once under load, WireTests, s37).
            log.WriteLine($"agentshell: pid {pid}'s connect to production port {port} refused: its socket could not be taken for the wire layer ({(Errno)(-fd)})");
            return Verdict.Result(-fd);
        }
        try
        {
            const int Sol = Interop.Sockets.SOL_SOCKET;
            if (Interop.Sockets.GetIntOption(fd, Sol, Interop.Sockets.SO_TYPE) != Interop.Sockets.SOCK_STREAM
                || Interop.Sockets.GetIntOption(fd, Sol, Interop.Sockets.SO_PROTOCOL) is not (Interop.Sockets.IPPROTO_TCP or Interop.Sockets.IPPROTO_MPTCP))
                return null;
            var listener = wire!.Listener;
            int family = Interop.Sockets.GetIntOption(fd, Sol, Interop.Sockets.SO_DOMAIN) ?? 0;
            bool v6Only = family == Interop.Sockets.AF_INET6 && Interop.Sockets.GetIntOption(fd, Interop.Sockets.IPPROTO_IPV6, Interop.Sockets.IPV6_V6ONLY) == 1;
            Span<byte> to = stackalloc byte[28];
            int len = listener.Sockaddr(family, v6Only, to);
            if (len == 0) return Verdict.Refuse; // an IPv6-only socket on a machine without ::1
            var ip = new System.Net.IPAddress(address);
            if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
            var facts = new Wire.WireListener.WireConnectionFacts(new System.Net.IPEndPoint(ip, port), env, client);
            // PERF: bound first (to loopback, where the connect would bind it), it is placed before it
            // connects, so the listener never waits for it. A socket bound already (EINVAL) keeps its address.
            Span<byte> local = stackalloc byte[128];
            Span<byte> bindTo = stackalloc byte[28];
            _ = Interop.Sockets.Bind(fd, bindTo[..Wire.WireListener.BindSockaddr(family, v6Only, bindTo)]);
            int n = Interop.Sockets.GetSockName(fd, local);
            bool early = n >= 4 && BinaryPrimitives.ReadUInt16BigEndian(local[2..]) != 0;
            if (early) listener.Place(local[..n], facts);
            int err = Interop.Sockets.Connect(fd, to[..len]);
            if (err is not (0 or (int)Errno.EINPROGRESS))
            {
                // Nothing will arrive from it; but EALREADY and EISCONN (connect called again) name a
                // connection already placed, which is still to be served.
                if (early && err is not ((int)Errno.EALREADY or (int)Errno.EISCONN)) listener.Unplace(local[..n]);
                if (err is not ((int)Errno.EALREADY or (int)Errno.EISCONN))
                    log.WriteLine($"agentshell: pid {pid}'s connect to production port {port} failed: the wire listener's connect answered {(Errno)err}");
                return Verdict.Result(err);
            }
            if (!early)
            {
                n = Interop.Sockets.GetSockName(fd, local);
                if (n < 0) return Verdict.Refuse; // unplaced, the listener resets it
                listener.Place(local[..n], facts);
            }
            return Verdict.Result(err);
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>TCP Fast Open carries its first bytes inside the connect: they cannot be decided
    /// at the wire, so it is refused where the wire layer takes the destination.</summary>
    private Verdict FastOpenToWire(int pid, ReadOnlySpan<byte> address, int port, DeferredAudit audit)
    {
        var rule = SupervisorRules.FastOpenToWire;
        var ip = new System.Net.IPAddress(address);
        notifier.Write(pid, rule.Refusal($"TCP Fast Open to {(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)}:{port}"));
        audit.Note(rule.Decision, pid, default, null, AuditSyscall.Connect, AuditOutcome.Blocked);
        return Verdict.Refuse;
    }

    /// <summary>Where a connect to the unspecified address goes: the socket's bound address, or
    /// loopback. Writes 4 or 16 bytes; null when the socket cannot be inspected (refused).</summary>
    private static int? Unspecified(int pid, int fd, int length, bool v4Mapped, Span<byte> into)
    {
        into.Clear();
        int dup = OnBehalfConnect.Dup(pid, fd);
        if (dup < 0) return null;
        Span<byte> sa = stackalloc byte[128];
        int n;
        try { n = Interop.Sockets.GetSockName(dup, sa); }
        finally { Interop.Libc.close(dup); }
        if (n < 0) return null;
        int family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        var bound = family == 2 && n >= 8 ? sa.Slice(4, 4) : family == 10 && n >= 24 ? sa.Slice(8, 16) : default;
        if (bound.Length == 0) return null;
        if (bound.ContainsAnyExcept((byte)0) && Address16.From(bound) != Address16.V4Unspecified)
        {
            bound.CopyTo(into);
            return bound.Length;
        }
        if (length == 4 || v4Mapped) { into[0] = 127; into[3] = 1; return 4; } // 127.0.0.1
        into[15] = 1; // ::1
        return 16;
    }

    /// <summary>An allowed connect() is performed here, on a dup of the process's socket, to the
    /// address that was checked, and the process gets its result. A CONTINUE would let the kernel
    /// re-read the sockaddr, which another thread (or another process sharing the page) can have
    /// rewritten since the check (kernel-notes pitfall 2). An approved pause is connected the same
    /// way, to the address the person saw (<see cref="HeldNotifications.Answer"/>).</summary>
    private Verdict OnBehalf(ref seccomp_notif n, Verdict v, int sockFd, ReadOnlySpan<byte> sockaddr, ReadOnlySpan<byte> address, TaskPidfds pidfds)
    {
        if (sockFd < 0 || !v.Continues) return v;
        int pid = (int)n.pid;
        // PERF: the receiving thread's pidfd of this task (see TaskPidfds), not one opened per connect.
        int fd = pidfds.GetFd(listener, n.id, pid, sockFd, out var e);
        // As OnBehalfConnect.Dup: EBADF for no such fd, else EPERM (gone or out of reach: nothing to connect).
        if (fd < 0) return Verdict.Result((int)(e == Errno.EBADF ? Errno.EBADF : Errno.EPERM));
        // PERF: loopback connects and non-blocking sockets finish at once: answer inline (loopback
        // first: no fcntl). A blocking connect to another host waits for the handshake: off the
        // receiving thread.
        bool inline = Address16.From(address).IsLoopback || Interop.Sockets.IsNonBlocking(fd);
        if (inline)
        {
            int err = Interop.Sockets.Connect(fd, sockaddr);
            Interop.Libc.close(fd);
            return Verdict.Result(err);
        }
        OnBehalfConnect.Later(listener, n.id, pid, fd, sockaddr.ToArray(), log);
        return Verdict.Parked;
    }
}
