using System.Buffers.Binary;
using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>What the supervisor knows about itself, to protect itself from the tree.</summary>
public sealed class SelfIdentity
{
    /// <summary>Our pid (the supervisor's).</summary>
    public int Pid { get; init; } = Environment.ProcessId;
    /// <summary>Our process group: kill(0, …) from a tree process in it would reach us.</summary>
    public int ProcessGroup { get; init; }
    /// <summary>Device/inode of the control socket; connects to it from the tree are refused.</summary>
    public (ulong Dev, ulong Ino)? ControlSocket { get; set; }
    /// <summary>Device/inode of the agentshell executable: `agentshell approve` from the tree is refused.</summary>
    public (ulong Dev, ulong Ino)? Executable { get; init; }
    /// <summary>Pid of the agent (top of the tree).</summary>
    public int AgentPid { get; set; }
}

/// <summary>Receives seccomp notifications on a few dedicated threads and answers each one. A
/// decision is made on the receiving thread (no hand-off on the hot path); a paused one is
/// parked in the <see cref="PendingRegistry"/> so the thread goes back to the kernel. Several
/// threads mean a slow decision never stops the others. Any failure answers EPERM.</summary>
public sealed class NotificationLoop : INotificationResponder
{
    private const int EPERM = 1, ENOENT = 2;
    private const short PollIn = 1;
    private const int NR_kill = 62, NR_tkill = 200, NR_pidfd_send_signal = 424;
    private readonly int _listener;
    private readonly IExecDecider _decider;
    private readonly TextWriter _log;
    private readonly BlockNotifier _notifier = new();
    private readonly SelfIdentity _self;
    private long _handled;

    /// <summary>Creates a loop over <paramref name="listener"/> (owned by the caller).</summary>
    public NotificationLoop(int listener, IExecDecider decider, TextWriter log, SelfIdentity? self = null)
    {
        _listener = listener;
        _decider = decider;
        _log = log;
        _self = self ?? new SelfIdentity();
    }

    /// <summary>Where paused execs wait; without one, a pause is refused (fail closed).</summary>
    public PendingRegistry? Registry { get; set; }

    /// <summary>Notifications answered so far.</summary>
    public long Handled => Interlocked.Read(ref _handled);

    private readonly record struct Verdict(int Error, uint Flags, bool Held = false)
    {
        public static readonly Verdict Continue = new(0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
        public static readonly Verdict Refuse = new(-EPERM, 0);
        public static readonly Verdict Parked = new(0, 0, Held: true);
    }

    /// <summary>Starts <paramref name="threads"/> receiving threads (background: they end with the process).</summary>
    public void Start(int threads)
    {
        for (int i = 0; i < threads; i++)
        {
            var t = new Thread(Run) { IsBackground = true, Name = $"seccomp-recv-{i}" };
            t.Start();
        }
    }

    private void Run()
    {
        var reader = new ExecReader();
        while (true)
        {
            // The kernel signals POLLHUP once no task uses the filter: the tree is gone.
            if (!WaitReadable()) return;
            var e = Receive(_listener, out var n);
            if (e == Errno.ENOENT) continue;   // target died between notify and receive
            if (e != 0)
            {
                if (e != Errno.EBADF) _log.WriteLine($"agentshell: seccomp receive failed: {e}; supervision stopped, the tree fails closed");
                return;
            }
            Verdict v;
            try
            {
                v = Handle(ref n, reader);
            }
            catch (Exception ex)
            {
                // Fail closed: an error in the supervisor never turns into "allow".
                _log.WriteLine($"agentshell: error deciding syscall {n.data.nr} of pid {n.pid}, refused: {ex.GetType().Name}: {ex.Message}");
                v = Verdict.Refuse;
            }
            if (v.Held) continue; // answered later by the registry
            var se = Send(_listener, n.id, v.Error, v.Flags);
            if (se != 0 && se != Errno.ENOENT) _log.WriteLine($"agentshell: seccomp send failed: {se}");
            Interlocked.Increment(ref _handled);
        }
    }

    private unsafe bool WaitReadable()
    {
        var pfd = new Tmds.Linux.pollfd { fd = _listener, events = PollIn };
        while (true)
        {
            int r = Interop.Libc.poll(&pfd, 1, -1);
            if (r < 0 && Interop.LastErrno == Errno.EINTR) continue;
            if (r < 0) return false;
            if ((pfd.revents & PollIn) != 0) return true;
            if (pfd.revents != 0) return false; // POLLHUP, POLLERR, POLLNVAL
        }
    }

    private unsafe Verdict Handle(ref seccomp_notif n, ExecReader reader)
    {
        if (n.data.arch != AUDIT_ARCH_X86_64) return Verdict.Refuse; // the filter kills these first
        return n.data.nr switch
        {
            NR_execve => Exec(ref n, reader, n.data.args[0], n.data.args[1], n.data.args[2], -1),
            NR_execveat => Exec(ref n, reader, n.data.args[1], n.data.args[2], n.data.args[3], (int)n.data.args[0]),
            NR_connect => Connect(ref n, n.data.args[1], (int)n.data.args[2]),
            NR_kill => KillOwnGroup(ref n, (int)n.data.args[1]),
            NR_tkill => Directory.Exists($"/proc/self/task/{(int)n.data.args[0]}") ? RefuseSignal(ref n) : Verdict.Continue,
            NR_pidfd_send_signal => PidfdTarget((int)n.pid, (int)n.data.args[0]) == _self.Pid ? RefuseSignal(ref n) : Verdict.Continue,
            _ => Verdict.Refuse,
        };
    }

    private Verdict Exec(ref seccomp_notif n, ExecReader reader, ulong pathAddr, ulong argvAddr, ulong envpAddr, int dirfd)
    {
        int pid = (int)n.pid;
        var f = reader.ReadFilename(pid, pathAddr);
        Argv argv = default;
        if (f == ReadFailure.None) f = reader.ReadVector(pid, argvAddr, out argv);
        // The pid may have been recycled while we read: trust nothing unless the id is still valid.
        if (!IdValid(_listener, n.id)) return Verdict.Refuse;
        if (f != ReadFailure.None)
        {
            if (f == ReadFailure.TooLarge)
                _notifier.Write(pid, $"agentshell: blocked an exec whose arguments exceed what can be inspected ({ExecReader.MaxArgs} args, {ExecReader.MaxArgBytes / 1024 / 1024} MiB) [rule supervisor:unreadable-argv]");
            return Verdict.Refuse;
        }
        string? resolved = dirfd >= 0 && reader.Filename.Length == 0 ? ResolveFd(pid, dirfd) : null;
        var request = reader.Request(argv, resolved);
        if (IsSelfApproval(pid, request))
        {
            _notifier.WriteOnce(pid, argv, "agentshell: refused: a supervised process cannot answer approval requests; a person must run 'agentshell approve ID' in a terminal outside the agent [rule supervisor:self-approval]");
            return Verdict.Refuse;
        }
        var ctx = new RemoteExecContext(pid, envpAddr, reader);
        Decision d = _decider.Decide(request, ctx);
        if (!IdValid(_listener, n.id)) return Verdict.Refuse;
        switch (d.Action)
        {
            case PolicyAction.Allow:
                return Verdict.Continue;
            case PolicyAction.Pause when Registry != null:
                return Pause(ref n, request, d, ctx);
            default:
                string verb = d.Action == PolicyAction.Block ? "blocked" : "refused (needs approval, none available)";
                _notifier.WriteOnce(pid, argv, $"agentshell: {verb} {d.Describe()}{(d.Reason.Length > 0 ? ": " + d.Reason : "")}");
                return Verdict.Refuse;
        }
    }

    private Verdict Pause(ref seccomp_notif n, ExecRequest request, Decision d, RemoteExecContext ctx)
    {
        int pid = (int)n.pid;
        // A PATH search also tries directories where the program is not: answer those as the
        // kernel would instead of asking a person about a file that does not exist.
        if (!TargetExists(pid, request.FilenameString)) return new Verdict(-ENOENT, 0);
        var argv = request.Argv.ToStrings();
        string joined = string.Join('\0', argv);
        string runKey = $"{joined}\u0001{d.Environment}\u0001{d.Target}";
        if (Registry!.IsApprovedForRun(runKey)) return Verdict.Continue;
        int tgid = ProcessInfo.Tgid(pid);
        ulong id = n.id;
        string? cwd = ctx.WorkingDirectory;
        Registry.Hold(id, pid, (itemId, now) => new PendingItem
        {
            Id = itemId, Created = now, Deadline = now + Registry.Timeout, Pid = pid,
            Chain = ExecChain(pid, argv), Cwd = cwd, Argv = argv, Decision = d,
            JoinKey = $"{tgid}\u0001{joined}", RunKey = runKey,
        }, $"{tgid}\u0001{joined}");
        return Verdict.Parked;
    }

    private IReadOnlyList<string> ExecChain(int pid, string[] argv)
    {
        // The last hop has not exec'd yet: /proc still names the forked parent; name the program.
        var chain = ProcessInfo.Chain(pid, _self.AgentPid).ToList();
        string prog = argv.Length > 0 ? Path.GetFileName(argv[0]) : "?";
        string self = $"{prog}({ProcessInfo.Tgid(pid)})";
        if (chain.Count > 0) chain[^1] = self; else chain.Add(self);
        return chain;
    }

    /// <inheritdoc/>
    public void Answer(ulong notifId, int pid, bool allow, string? message)
    {
        if (!allow && message != null) _notifier.Write(pid, message);
        var e = allow ? Send(_listener, notifId, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE) : Send(_listener, notifId, -EPERM, 0);
        if (e != 0 && e != Errno.ENOENT) _log.WriteLine($"agentshell: seccomp send failed: {e}");
        Interlocked.Increment(ref _handled);
    }

    /// <inheritdoc/>
    public bool IsStillWaiting(ulong notifId) => IdValid(_listener, notifId);

    private bool IsSelfApproval(int pid, ExecRequest r)
    {
        if (r.Argv.Count < 2) return false;
        bool named = r.Argv[0].EndsWith("agentshell"u8) || r.Filename.EndsWith("/agentshell"u8);
        bool same = _self.Executable is { } exe && Stat(pid, r.FilenameString) == exe;
        if (!named && !same) return false;
        for (int i = 1; i < r.Argv.Count; i++)
        {
            var a = r.Argv[i];
            if (a.SequenceEqual("approve"u8) || a.SequenceEqual("deny"u8) || a.SequenceEqual("watch"u8)) return true;
        }
        return false;
    }

    private unsafe Verdict Connect(ref seccomp_notif n, ulong addr, int len)
    {
        if (_self.ControlSocket is not { } control || len < 3) return Verdict.Continue;
        int pid = (int)n.pid;
        Span<byte> sa = stackalloc byte[110]; // sizeof(struct sockaddr_un)
        int got = Interop.ProcessMemory.Read(pid, addr, sa[..Math.Min(len, 110)], out _);
        if (got < 3) return Verdict.Continue; // the kernel will fail it with EFAULT too
        if (BinaryPrimitives.ReadUInt16LittleEndian(sa) != 1 /* AF_UNIX */) return Verdict.Continue;
        var path = sa[2..got];
        if (path[0] == 0) return Verdict.Continue; // abstract: not our socket
        int nul = path.IndexOf((byte)0);
        if (nul >= 0) path = path[..nul];
        // Compare by identity, so symlinks, /proc/self/root/... and relative paths do not help.
        if (Stat(pid, Encoding.UTF8.GetString(path)) is { } st && st == control && IdValid(_listener, n.id))
        {
            _notifier.Write(pid, "agentshell: refused: a supervised process cannot connect to the approval socket [rule supervisor:self-approval]");
            return Verdict.Refuse;
        }
        return Verdict.Continue;
    }

    private Verdict KillOwnGroup(ref seccomp_notif n, int sig)
    {
        // kill(0, sig) signals the caller's process group; ours too when the caller shares it.
        if (sig != 0 && ProcessInfo.TryStat((int)n.pid, out _, out int pgrp, out _) && pgrp == _self.ProcessGroup)
            return RefuseSignal(ref n);
        return Verdict.Continue;
    }

    private Verdict RefuseSignal(ref seccomp_notif n)
    {
        _notifier.Write((int)n.pid, "agentshell: refused a signal aimed at the supervisor [rule supervisor:protect-self]");
        return Verdict.Refuse;
    }

    private static int PidfdTarget(int pid, int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/fdinfo/{fd}"))
                if (line.StartsWith("Pid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4).Trim(), out int t)) return t;
            // pidfd_send_signal also takes a /proc/PID directory fd.
            var link = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;
            if (link != null && link.StartsWith("/proc/", StringComparison.Ordinal) && int.TryParse(link.AsSpan(6), out int p)) return p;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return -1;
    }

    private static bool TargetExists(int pid, string path) => path.Length == 0 || Stat(pid, path) != null;

    /// <summary>stat() of a path as the process would resolve it (its root and cwd), following symlinks.</summary>
    internal static (ulong Dev, ulong Ino)? Stat(int pid, string path)
    {
        string full = path.StartsWith('/') ? $"/proc/{pid}/root{path}" : $"/proc/{pid}/cwd/{path}";
        return Mono.Unix.Native.Syscall.stat(full, out var st) == 0 ? (st.st_dev, st.st_ino) : null;
    }

    private static string ResolveFd(int pid, int fd)
    {
        // fexecve / memfd arrive as execveat(fd, "", AT_EMPTY_PATH): name the file by its fd.
        try { return new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? ""; }
        catch (IOException) { return ""; }
    }
}
