using System.Buffers.Binary;
using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Seccomp mode: sends that name a destination (sendto with an address, every sendmsg and
/// sendmmsg: a msghdr's address is behind a pointer the filter cannot follow). On an IPv4/IPv6
/// datagram socket the destination is decided like a connect's (port 53 and non-production
/// addresses at once; production: trust, then the unknown-client rule, where a pause refuses:
/// a datagram cannot wait) and the send is made here, on a dup of the process's socket, with
/// the address and the bytes that were checked, so nothing can be changed after the check. So is
/// a TCP Fast Open send. Anything else (a connected TCP socket ignores the address; Unix and
/// netlink sockets are not guarded) goes on unchanged. Root mode never sends these here: the
/// kernel's cgroup programs decide on the kernel's own copy.</summary>
internal sealed class DatagramSends(int listener, IAddressEnvironments addresses, TrustLedger trust, UnknownClients unknown,
    BlockNotifier notifier, Wire.WireLayer? wire = null)
{
    private const string Production = "production";
    private const int MSG_FASTOPEN = 0x20000000;
    private const int MaxDatagram = 65536, MaxControl = 4096, MaxBatch = 1024;
    private const int EBADF = 9, ENOTSOCK = 88, EMSGSIZE = 90, EFAULT = 14;

    /// <summary>sendto(fd, buf, len, flags, addr, addrlen).</summary>
    public unsafe Verdict SendTo(ref seccomp_notif n, DeferredAudit audit)
    {
        int pid = (int)n.pid, flags = (int)n.data.args[3];
        using var socket = Socket.Of(pid, (int)n.data.args[0], out int error);
        if (socket == null) return Verdict.Result(error);
        if (!socket.Guarded(flags) || n.data.args[4] == 0) return Verdict.Continue;
        Span<byte> name = stackalloc byte[128];
        int nameLen = ReadName(pid, n.data.args[4], (int)n.data.args[5], name);
        if (nameLen < 0) return Verdict.Result(EFAULT);
        var v = Decide(ref n, name[..nameLen], AuditSyscall.Sendto, socket.Type == Interop.Sockets.SOCK_STREAM, audit);
        if (!v.Continues) return v;
        int len = (int)Math.Min(n.data.args[2], MaxDatagram + 1UL);
        if (len > MaxDatagram && socket.Type != Interop.Sockets.SOCK_STREAM) return Verdict.Result(EMSGSIZE);
        var data = new byte[Math.Min(len, MaxDatagram)];
        if (data.Length > 0 && Interop.ProcessMemory.Read(pid, n.data.args[1], data, out _) != data.Length) return Verdict.Result(EFAULT);
        return Send(ref n, socket, data, name[..nameLen], [], flags);
    }

    /// <summary>sendmsg(fd, msg, flags).</summary>
    public unsafe Verdict SendMsg(ref seccomp_notif n, DeferredAudit audit)
    {
        int pid = (int)n.pid, flags = (int)n.data.args[2];
        using var socket = Socket.Of(pid, (int)n.data.args[0], out int error);
        if (socket == null) return Verdict.Result(error);
        if (!socket.Guarded(flags)) return Verdict.Continue;
        if (Message.Read(pid, n.data.args[1]) is not { } m) return Verdict.Result(EFAULT);
        return SendOne(ref n, socket, m, flags, AuditSyscall.Sendmsg, audit, out _);
    }

    /// <summary>sendmmsg(fd, vec, vlen, flags): each message is decided and sent in turn, and its
    /// msg_len written back, as the kernel would; the count sent is returned (or the first error).</summary>
    public unsafe Verdict SendMmsg(ref seccomp_notif n, DeferredAudit audit)
    {
        int pid = (int)n.pid, flags = (int)n.data.args[3];
        if ((flags & MSG_FASTOPEN) != 0)
        {
            var rule = SupervisorRules.FastOpenBatch;
            notifier.Write(pid, rule.Refusal("TCP Fast Open through sendmmsg"));
            audit.Note(rule.Decision, pid, default, null, AuditSyscall.Sendmmsg, AuditOutcome.Blocked);
            return Verdict.Refuse;
        }
        using var socket = Socket.Of(pid, (int)n.data.args[0], out int error);
        if (socket == null) return Verdict.Result(error);
        if (!socket.Guarded(flags)) return Verdict.Continue;
        int count = (int)Math.Min(n.data.args[2], (ulong)MaxBatch);
        int sent = 0;
        Span<byte> len = stackalloc byte[4];
        for (; sent < count; sent++)
        {
            ulong at = n.data.args[1] + (ulong)sent * 64; // struct mmsghdr { struct msghdr msg_hdr; unsigned msg_len; }
            if (Message.Read(pid, at) is not { } m) return sent > 0 ? Verdict.Returns(sent) : Verdict.Result(EFAULT);
            var v = SendOne(ref n, socket, m, flags, AuditSyscall.Sendmmsg, audit, out long bytes);
            if (bytes < 0 || v.Error != 0) return sent > 0 ? Verdict.Returns(sent) : v;
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)bytes);
            Interop.ProcessMemory.Write(pid, at + 56, len, out _);
        }
        return Verdict.Returns(sent);
    }

    private Verdict SendOne(ref seccomp_notif n, Socket socket, Message m, int flags, string syscall, DeferredAudit audit, out long bytes)
    {
        bytes = -1;
        int pid = (int)n.pid;
        Span<byte> name = stackalloc byte[128];
        int nameLen = 0;
        if (m.Name != 0)
        {
            nameLen = ReadName(pid, m.Name, m.NameLength, name);
            if (nameLen < 0) return Verdict.Result(EFAULT);
            var v = Decide(ref n, name[..nameLen], syscall, socket.Type == Interop.Sockets.SOCK_STREAM, audit);
            if (!v.Continues) return v;
        }
        if (m.Gather(pid) is not { } data) return Verdict.Result(socket.Type == Interop.Sockets.SOCK_STREAM ? EFAULT : EMSGSIZE);
        var control = m.ControlLength == 0 ? [] : new byte[Math.Min(m.ControlLength, MaxControl)];
        if (control.Length > 0 && Interop.ProcessMemory.Read(pid, m.Control, control, out _) != control.Length) return Verdict.Result(EFAULT);
        var r = Send(ref n, socket, data, name[..nameLen], control, flags);
        bytes = r.Error == 0 && !r.Continues ? r.Value : -1;
        return r;
    }

    /// <summary>The send itself, on our dup, with what was checked; its result is the process's.</summary>
    private static Verdict Send(ref seccomp_notif n, Socket socket, byte[] data, ReadOnlySpan<byte> name, ReadOnlySpan<byte> control, int flags)
    {
        // Never blocks a receiving thread: a full send buffer of a blocking socket is retried a few
        // times, then reported as the kernel would report it to a non-blocking one.
        long r = 0;
        for (int i = 0; i < 50; i++)
        {
            r = Interop.Sockets.SendMessage(socket.Fd, data, name, control, flags | Interop.Sockets.MSG_DONTWAIT);
            if (r != -(long)Errno.EAGAIN || socket.NonBlocking) break;
            Thread.Sleep(1);
        }
        return r >= 0 ? Verdict.Returns(r) : Verdict.Result((int)-r);
    }

    /// <summary>The destination's decision: continue (the caller sends), or the refusal.</summary>
    private Verdict Decide(ref seccomp_notif n, ReadOnlySpan<byte> sockaddr, string syscall, bool fastOpen, DeferredAudit audit)
    {
        if (sockaddr.Length < 2) return Verdict.Continue; // the kernel fails it (EINVAL)
        int family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        ReadOnlySpan<byte> address;
        if (family == Interop.Sockets.AF_INET && sockaddr.Length >= 8) address = sockaddr.Slice(4, 4);
        else if (family == Interop.Sockets.AF_INET6 && sockaddr.Length >= 24) address = sockaddr.Slice(8, 16);
        else return Verdict.Continue; // not an inet destination: not guarded
        int port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        // PERF: DNS and non-production destinations are decided here without allocating.
        if (port == 53) return Verdict.Continue;
        string env = addresses.EnvironmentOf(address, port);
        if (env != Production) return Verdict.Continue;
        int pid = (int)n.pid, tgid = ProcessInfo.Tgid(pid);
        var key = new ProcessTable.ConnectKey(tgid, ProcessInfo.StartTime(tgid), Address16.From(address), port);
        var settled = trust.Settle(key, env, trust.ExecCovers(tgid, env), null, cache: true, out string? exe, out string? codeChanged);
        if (settled == TrustLedger.Settled.Refused) return Verdict.Refuse;
        // Where the wire layer decides production, what a connection sends is decided there; Fast
        // Open's bytes travel inside the connect, so it is refused whatever the process's trust.
        if (fastOpen && wire != null && wire.Takes(env))
        {
            var rule = SupervisorRules.FastOpenToWire;
            var ip = new System.Net.IPAddress(address);
            notifier.Write(pid, rule.Refusal($"TCP Fast Open to {(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)}:{port}"));
            audit.Note(rule.Decision, pid, default, null, syscall, AuditOutcome.Blocked);
            return Verdict.Refuse;
        }
        if (settled == TrustLedger.Settled.Allowed) return Verdict.Continue;
        var d = unknown.Decide(tgid, address, port, env, exe, out var cmdline, out _,
            why: codeChanged != null ? SupervisorRules.LibraryChanged : null, detail: codeChanged);
        if (!IdValid(listener, n.id)) return Verdict.Refuse;
        if (d.Action == PolicyAction.Allow)
        {
            trust.RememberConnect(key, true);
            return Verdict.Continue;
        }
        // A send cannot wait for a person: a pause refuses it, and says so.
        string reason = d.Action != PolicyAction.Pause ? d.Reason
            : fastOpen ? "a TCP Fast Open send cannot wait for approval; connect() first" : SupervisorRules.DatagramCannotWait;
        trust.RememberConnect(key, false);
        notifier.Write(pid, $"agentshell: blocked {d.Describe()}: {reason}");
        audit.Note(d, pid, Core.Model.Argv.FromStrings(cmdline), null, syscall, AuditOutcome.Blocked);
        return Verdict.Refuse;
    }

    /// <summary>Reads a sockaddr of <paramref name="len"/> bytes (at most 128): its length, or -1.</summary>
    private static int ReadName(int pid, ulong at, int len, Span<byte> into)
    {
        if (len <= 0) return 0;
        int want = Math.Min(len, into.Length);
        return Interop.ProcessMemory.Read(pid, at, into[..want], out _) == want ? want : -1;
    }

    /// <summary>The process's socket, as a dup of ours, with what decides whether its sends are guarded.</summary>
    private sealed class Socket : IDisposable
    {
        public int Fd { get; private init; }
        public int Domain { get; private init; }
        public int Type { get; private init; }
        public bool NonBlocking { get; private init; }

        /// <summary>IPv4/IPv6 and a datagram (or raw) socket, or a Fast Open send on a stream one.</summary>
        public bool Guarded(int flags) =>
            Domain is Interop.Sockets.AF_INET or Interop.Sockets.AF_INET6 && (Type != Interop.Sockets.SOCK_STREAM || (flags & MSG_FASTOPEN) != 0);

        /// <summary>The socket <paramref name="fd"/> of <paramref name="pid"/>, or null with the errno its send would fail with.</summary>
        public static Socket? Of(int pid, int fd, out int error)
        {
            error = EBADF;
            int pidfd = Interop.Pidfd.OpenTask(pid);
            if (pidfd < 0) { error = (int)Errno.EPERM; return null; }
            int dup;
            try { dup = Interop.Pidfd.GetFd(pidfd, fd, out _); }
            finally { Interop.Libc.close(pidfd); }
            if (dup < 0) return null;
            int domain = Interop.Sockets.GetSocketOption(dup, Interop.Sockets.SO_DOMAIN);
            if (domain < 0) { Interop.Libc.close(dup); error = ENOTSOCK; return null; }
            return new Socket
            {
                Fd = dup, Domain = domain, Type = Interop.Sockets.GetSocketOption(dup, Interop.Sockets.SO_TYPE) & 0xf,
                NonBlocking = Interop.Sockets.IsNonBlocking(dup),
            };
        }

        public void Dispose() => Interop.Libc.close(Fd);
    }

    /// <summary>A struct msghdr as read from the process (x86_64 layout, 56 bytes).</summary>
    private sealed record Message(ulong Name, int NameLength, ulong Iov, int IovLength, ulong Control, int ControlLength)
    {
        public static Message? Read(int pid, ulong at)
        {
            Span<byte> h = stackalloc byte[56];
            if (Interop.ProcessMemory.Read(pid, at, h, out _) != 56) return null;
            return new Message(BinaryPrimitives.ReadUInt64LittleEndian(h), (int)BinaryPrimitives.ReadUInt32LittleEndian(h[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[16..]), (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(h[24..]), 1024UL),
                BinaryPrimitives.ReadUInt64LittleEndian(h[32..]), (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(h[40..]), (ulong)int.MaxValue));
        }

        /// <summary>The bytes of every iovec, in order (at most 64 KiB; null when more or unreadable).</summary>
        public byte[]? Gather(int pid)
        {
            Span<byte> vec = stackalloc byte[16];
            var parts = new List<(ulong Base, int Length)>();
            long total = 0;
            for (int i = 0; i < IovLength; i++)
            {
                if (Interop.ProcessMemory.Read(pid, Iov + (ulong)i * 16, vec, out _) != 16) return null;
                ulong len = BinaryPrimitives.ReadUInt64LittleEndian(vec[8..]);
                total += (long)Math.Min(len, MaxDatagram + 1UL);
                if (total > MaxDatagram) return null;
                parts.Add((BinaryPrimitives.ReadUInt64LittleEndian(vec), (int)len));
            }
            var data = new byte[total];
            int pos = 0;
            foreach (var (b, len) in parts)
            {
                if (len > 0 && Interop.ProcessMemory.Read(pid, b, data.AsSpan(pos, len), out _) != len) return null;
                pos += len;
            }
            return data;
        }
    }
}
