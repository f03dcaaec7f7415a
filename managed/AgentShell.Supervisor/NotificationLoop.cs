using System.Buffers.Binary;
using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Audit;
using AgentShell.Supervisor.Network;
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
    private const int NR_kill = 62, NR_tkill = 200, NR_pidfd_send_signal = 424;
    private const int NR_sendto = 44, NR_sendmsg = 46, NR_sendmmsg = 307;
    private const string Production = "production";
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

    /// <summary>The policy (network settings, environments of exec targets); null: connects are not guarded.</summary>
    public Policy? Policy { get; set; }

    /// <summary>Which environment an address is in.</summary>
    public IAddressEnvironments? Addresses { get; set; }

    /// <summary>Per-process exec understanding and connect decisions.</summary>
    internal ProcessTable Processes { get; } = new();

    /// <summary>Root mode: the kernel decides ordinary connects, and this loop keeps its maps in step
    /// (execs let go, connect decisions) and answers the connects it hands to the gate.</summary>
    internal KernelConnectGuard? Kernel { get; set; }

    // Pending ids of gated connects: random 64-bit values, as seccomp's own ids are (they start at a
    // random value), so the two never meet in the registry.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, GatedConnection> _gated = new();
    // Held execs: what each one's process may connect to if it is approved.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, (string[]? Envs, ExecFiles Files)> _heldExecs = new();

    /// <summary>Where decisions are recorded; null: not recorded.</summary>
    public AuditLog? Audit { get; set; }

    /// <summary>Id of this run, in every audit record.</summary>
    public string RunId { get; set; } = "";

    // The decision of this thread's last notification, recorded once the answer is sent, so an
    // audit write never delays a decision.
    [ThreadStatic] private static (Decision D, int Pid, string[] Argv, string? Cwd, string Syscall, string Outcome)? t_audit;

    /// <summary>Notifications answered so far.</summary>
    public long Handled => Interlocked.Read(ref _handled);

    private void RememberExec(int pid, Decision d, ExecRequest request, IExecContext ctx)
    {
        var envs = TrustedEnvironments(d, request, ctx);
        ExecLetGo(pid, envs, envs != null ? ExecFiles.Of(request) : default);
    }

    /// <summary>Every exec that is let go passes here: what the process may connect to once the
    /// exec commits, and only if what runs is the file that was checked (<paramref name="files"/>:
    /// it, or its script interpreter). PERF: programs no parser knows leave nothing behind (a
    /// remove of an absent key).</summary>
    private void ExecLetGo(int tid, string[]? envs, ExecFiles files)
    {
        Kernel?.StageExec(tid, envs != null && Array.IndexOf(envs, Production) >= 0, files);
        if (envs != null) Processes.Understood(ProcessInfo.Tgid(tid), envs, ProcessInfo.ExeIdentity(tid), files);
        else if (!Processes.IsEmpty) Processes.NotUnderstood(ProcessInfo.Tgid(tid));
    }

    /// <summary>Remembers a connect decision here and, in root mode, in the kernel (for the
    /// process's current program, or the one of generation <paramref name="gen"/>).</summary>
    private void RememberConnect(ProcessTable.ConnectKey key, bool allowed, ulong? gen = null)
    {
        Processes.RememberConnect(key, allowed);
        // In root mode the key's program is the kernel's generation of the program that connected.
        if (Kernel is not { } k) return;
        // Not in the kernel's map, the kernel asks again (the gate, or its own refusal): never an allow.
        try { k.Remember(key.Tgid, gen ?? key.Program, key.Address, key.Port, allowed); }
        catch (InvalidOperationException e) { _log.WriteLine($"agentshell: {e.Message}; the kernel will ask again"); }
    }

    /// <summary>True when the process's current program is an understood exec that named
    /// <paramref name="env"/>. Root mode asks the kernel, which saw the exec commit.</summary>
    private bool ExecCovers(int tgid, string env) =>
        Kernel is { } k ? env == Production && k.Trusted(tgid) : Processes.ExecCovers(tgid, env);

    /// <summary>The environments an allowed exec's own command named (what the process may then
    /// connect to), or null when the exec was not understood as its own command.</summary>
    private string[]? TrustedEnvironments(Decision d, ExecRequest request, IExecContext ctx)
    {
        if (d.Intent is not { } intent || intent.Tool == "shell" || Policy is not { } policy || !ExecDecider.IsOwnCommand(intent, request.Argv)
            || !Runs(request, intent.Tool) || LoadsForeignCode(ctx))
            return null;
        var envs = new string[intent.Targets.Count];
        for (int i = 0; i < envs.Length; i++) envs[i] = policy.EnvironmentOf(intent.Targets[i], ctx);
        return envs;
    }

    // The dynamic loader runs code from these before the tool's own: such a tool is not itself.
    private static readonly string[] LoaderVariables = ["LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "GCONV_PATH"];

    private static bool LoadsForeignCode(IExecContext ctx)
    {
        foreach (var v in LoaderVariables)
            if (ctx.GetEnvironmentVariable(v) is { Length: > 0 }) return true;
        return false;
    }

    /// <summary>Recognises copies of known clients by content (shared with the decider).</summary>
    internal ExecutableIdentity? Identity { get; set; }

    /// <summary>True when the exec runs <paramref name="tool"/> itself: a file found installed as
    /// that tool, or a copy of one. A program that is only named like the tool (argv[0], or its
    /// file name) gets no trust; its arguments are still parsed as the tool's, so it is blocked
    /// like the tool would be. Without an identity table (tests), the file name decides.</summary>
    private bool Runs(ExecRequest request, string tool) =>
        Identity is { } id ? id.IsTool(request.OpenablePath(), tool)
            : !request.EmptyPath && Core.Classification.CommandClassifier.NamesTool(request.Filename, tool);

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
        var ctx = new RemoteExecContext(new ExecReader());
        while (true)
        {
            // PERF: a blocking RECV wakes exactly one of the receiving threads per notification; a
            // poll() first would wake all of them (and cost a syscall) on every exec and connect.
            // Once the tree is gone nothing more arrives and these background threads end with the
            // process; a supervisor hosted in a longer-lived process leaves them parked.
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
                v = Handle(ref n, reader, ctx);
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
            if (t_audit is { } a)
            {
                t_audit = null;
                Record(a.D, a.Pid, a.Argv, a.Cwd, a.Syscall, a.Outcome, null, null);
            }
        }
    }

    private void Record(Decision d, int pid, IReadOnlyList<string> argv, string? cwd, string syscall, string outcome, string? by, long? waitedMs)
    {
        var audit = Audit;
        if (audit == null) return;
        try
        {
            var chain = ProcessInfo.Chain(pid, _self.AgentPid);
            var rec = AuditRecord.FromDecision(d, DateTimeOffset.UtcNow, RunId, syscall, pid, chain, argv, cwd, outcome, by, waitedMs);
            audit.Append(rec, parsedTool: d.Intent != null);
        }
        catch (Exception e)
        {
            _log.WriteLine($"agentshell: audit record failed: {e.Message}");
        }
    }

    /// <summary>What an answer implies, put in place before the process is let go.</summary>
    public void ApplyAnswer(PendingItem i)
    {
        bool approved = i.Outcome is PendingOutcome.Approved or PendingOutcome.ApprovedForRun;
        if (i.ConnectKey is { } key && i.Outcome != PendingOutcome.Gone)
            RememberConnect(key, approved, i.ConnectGeneration); // asked once per process and destination
        // An approved exec is let go in Answer, once per held notification (a PATH search or a
        // wrapper's re-exec joins the item and is answered with it).
    }

    /// <summary>Records a paused request once it is answered.</summary>
    public void RecordAnswered(PendingItem i)
    {
        string outcome = i.Outcome switch
        {
            PendingOutcome.Approved or PendingOutcome.ApprovedForRun => AuditOutcome.Approved,
            PendingOutcome.TimedOut => AuditOutcome.Timeout,
            _ => AuditOutcome.Denied,
        };
        string? by = i.Outcome == PendingOutcome.Gone ? "nobody (the process ended while waiting)" : i.AnsweredBy;
        long? waited = i.Answered is { } t ? (long)(t - i.Created).TotalMilliseconds : null;
        Record(i.Decision, i.Pid, i.Argv, i.Cwd, i.ConnectKey != null ? AuditSyscall.Connect : AuditSyscall.Execve, outcome, by, waited);
    }

    /// <summary>Queues this thread's decision for the audit log (written after the answer is sent).</summary>
    private void Note(Decision d, int pid, in Argv argv, RemoteExecContext? ctx, string syscall, string outcome)
    {
        var audit = Audit;
        if (audit == null) return;
        // PERF: allows of programs no parser knows (ls, git status) are not recorded by default:
        // decide that before building anything.
        if (d.Action == PolicyAction.Allow && d.Intent == null && !audit.LogAllowsOfUnparsedTools) return;
        t_audit = (d, pid, argv.Count == 0 ? [] : argv.ToStrings(), ctx?.WorkingDirectory, syscall, outcome);
    }

    private unsafe Verdict Handle(ref seccomp_notif n, ExecReader reader, RemoteExecContext ctx)
    {
        if (n.data.arch != AUDIT_ARCH_X86_64) return Verdict.Refuse; // the filter kills these first
        return n.data.nr switch
        {
            NR_execve => Exec(ref n, reader, ctx, n.data.args[0], n.data.args[1], n.data.args[2], -1),
            NR_execveat => Exec(ref n, reader, ctx, n.data.args[1], n.data.args[2], n.data.args[3], (int)n.data.args[0]),
            NR_connect => Connect(ref n, n.data.args[1], (int)n.data.args[2], AuditSyscall.Connect, sockFd: (int)n.data.args[0]),
            // The filter sends these only with MSG_FASTOPEN: TCP Fast Open connects inside the send.
            NR_sendto => n.data.args[4] == 0 ? Verdict.Continue : Connect(ref n, n.data.args[4], (int)n.data.args[5], AuditSyscall.Connect),
            NR_sendmsg => SendMsg(ref n),
            NR_sendmmsg => RefuseFastOpenBatch(ref n),
            NR_kill => KillOwnGroup(ref n, (int)n.data.args[1]),
            NR_tkill => Directory.Exists($"/proc/self/task/{(int)n.data.args[0]}") ? RefuseSignal(ref n) : Verdict.Continue,
            // A target that cannot be named might be us: refuse it.
            NR_pidfd_send_signal => PidfdTarget((int)n.pid, (int)n.data.args[0]) is int t && t != _self.Pid ? Verdict.Continue : RefuseSignal(ref n),
            _ => Verdict.Refuse,
        };
    }

    private Verdict Exec(ref seccomp_notif n, ExecReader reader, RemoteExecContext ctx, ulong pathAddr, ulong argvAddr, ulong envpAddr, int dirfd)
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
        var request = reader.Request(argv, resolved, pid, dirfd >= 0 ? dirfd : ProcessInfo.AtFdCwd);
        if (IsSelfApproval(pid, request))
        {
            _notifier.WriteOnce(pid, argv, "agentshell: refused: a supervised process cannot answer approval requests; a person must run 'agentshell approve ID' in a terminal outside the agent [rule supervisor:self-approval]");
            Note(SelfApprovalDecision, pid, argv, null, AuditSyscall.Execve, AuditOutcome.Blocked);
            return Verdict.Refuse;
        }
        ctx.Reset(pid, envpAddr);
        Decision d = _decider.Decide(request, ctx);
        if (!IdValid(_listener, n.id)) return Verdict.Refuse;
        if (ctx.EnvironmentUnreadable)
        {
            // A parser asked for a variable (PGHOST, KUBECONFIG, AWS_PROFILE) that could not be read:
            // the decision may rest on its absence.
            _notifier.WriteOnce(pid, argv, $"agentshell: blocked an exec whose environment could not be inspected (more than {ExecReader.MaxArgs} variables or {ExecReader.MaxArgBytes / 1024 / 1024} MiB, or unreadable) [rule supervisor:unreadable-argv]");
            return Verdict.Refuse;
        }
        string syscall = n.data.nr == NR_execveat ? AuditSyscall.Execveat : AuditSyscall.Execve;
        switch (d.Action)
        {
            case PolicyAction.Allow:
                RememberExec(pid, d, request, ctx);
                Note(d, pid, argv, ctx, syscall, AuditOutcome.Allowed);
                return Verdict.Continue;
            case PolicyAction.Pause when Registry != null:
                return Pause(ref n, request, d, ctx);
            default:
                string verb = d.Action == PolicyAction.Block ? "blocked" : "refused (needs approval, none available)";
                _notifier.WriteOnce(pid, argv, $"agentshell: {verb} {d.Describe()}{(d.Reason.Length > 0 ? ": " + d.Reason : "")}");
                Note(d, pid, argv, ctx, syscall, AuditOutcome.Blocked);
                return Verdict.Refuse;
        }
    }

    private Verdict Pause(ref seccomp_notif n, ExecRequest request, Decision d, RemoteExecContext ctx)
    {
        int pid = (int)n.pid;
        // A PATH search also tries directories where the program is not: answer those as the
        // kernel would instead of asking a person about a file that does not exist.
        if (Mono.Unix.Native.Syscall.stat(request.OpenablePath(), out _) != 0) return new Verdict(-ENOENT, 0);
        var argv = request.Argv.ToStrings();
        // The same request re-issued keeps its arguments but not always its argv[0]: a PATH search
        // tries other directories, and wrappers (Debian's pg_wrapper behind /usr/bin/psql, pyenv
        // shims) re-exec the real binary by its full path. Key on the basename and the rest.
        string joined = argv.Length == 0 ? "" : Path.GetFileName(argv[0]) + "\0" + string.Join('\0', argv.Skip(1));
        string runKey = $"{joined}\u0001{d.Environment}\u0001{d.Target}";
        if (Registry!.IsApprovedForRun(runKey))
        {
            RememberExec(pid, d, request, ctx); // approved like an allow: its connects are covered too
            return Verdict.Continue;
        }
        int tgid = ProcessInfo.Tgid(pid);
        ulong id = n.id;
        string? cwd = ctx.WorkingDirectory;
        string[]? envs = TrustedEnvironments(d, request, ctx);
        _heldExecs[id] = (envs, envs != null ? ExecFiles.Of(request) : default);
        Registry.Hold(id, pid, (itemId, now) => new PendingItem
        {
            Id = itemId, Created = now, Deadline = now + Registry.Timeout, Pid = pid,
            Chain = ExecChain(pid, argv), Cwd = cwd, Argv = argv, Decision = d, ExecEnvironments = envs,
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
        if (_gated.TryRemove(notifId, out var g))
        {
            if (allow) ConnectGate.Proxy(g, _log); else ConnectGate.Reset(g.Client);
            return;
        }
        if (_heldExecs.TryRemove(notifId, out var held) && allow)
        {
            try { ExecLetGo(pid, held.Envs, held.Files); }
            catch (Exception ex)
            {
                // What the process may connect to could not be recorded: refuse, as a decision would.
                _log.WriteLine($"agentshell: error letting pid {pid}'s approved exec go, refused: {ex.Message}");
                allow = false;
            }
        }
        var e = allow ? Send(_listener, notifId, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE) : Send(_listener, notifId, -EPERM, 0);
        if (e != 0 && e != Errno.ENOENT) _log.WriteLine($"agentshell: seccomp send failed: {e}");
        Interlocked.Increment(ref _handled);
    }

    /// <inheritdoc/>
    public bool IsStillWaiting(ulong notifId)
    {
        if (!_gated.TryGetValue(notifId, out var g))
        {
            if (IdValid(_listener, notifId)) return true;
            _heldExecs.TryRemove(notifId, out _);
            return false;
        }
        if (Directory.Exists($"/proc/{g.Tid}")) return true;
        if (_gated.TryRemove(notifId, out g)) ConnectGate.Reset(g.Client);
        return false;
    }

    private static readonly Decision SelfApprovalDecision = new()
    {
        Action = PolicyAction.Block, RuleId = "supervisor:self-approval",
        Reason = "a supervised process cannot answer approval requests",
    };

    private bool IsSelfApproval(int pid, ExecRequest r)
    {
        // PERF: look for the verbs first (no allocation, no syscall); stat only then.
        bool verb = false;
        for (int i = 1; i < r.Argv.Count && !verb; i++)
        {
            var a = r.Argv[i];
            verb = a.SequenceEqual("approve"u8) || a.SequenceEqual("deny"u8) || a.SequenceEqual("watch"u8);
        }
        if (!verb) return false;
        if (r.Argv[0].EndsWith("agentshell"u8) || r.Filename.EndsWith("/agentshell"u8)) return true;
        return _self.Executable is { } exe && Mono.Unix.Native.Syscall.stat(r.OpenablePath(), out var st) == 0 && (st.st_dev, st.st_ino) == exe;
    }

    private unsafe Verdict Connect(ref seccomp_notif n, ulong addr, int len, string syscall, int sockFd = -1)
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
                return UnixConnect(ref n, sa[2..got]);
            case 2 when got >= 8: // AF_INET: port (big-endian) at 2, address at 4
            case 10 when got >= 24: // AF_INET6: port at 2, address at 8
            {
                var address = family == 2 ? sa.Slice(4, 4) : sa.Slice(8, 16);
                Span<byte> effective = stackalloc byte[16];
                // The unspecified address (0.0.0.0, ::) connects to the socket's bound address, or loopback.
                if (!address.ContainsAnyExcept((byte)0) || Address16.From(address) == Address16.V4Unspecified)
                {
                    if (Unspecified(pid, (int)n.data.args[0], address.Length, address.ContainsAnyExcept((byte)0), effective) is not int length) return Verdict.Refuse;
                    address = effective[..length];
                }
                // The gate belongs to the supervisor (root mode): nothing of the tree reaches it.
                if (Kernel != null && Address16.From(address).IsGate) return Verdict.Refuse;
                return OnBehalf(ref n, InetConnect(ref n, address, BinaryPrimitives.ReadUInt16BigEndian(sa[2..]), syscall), sockFd, sa[..got], address);
            }
            default:
                return Verdict.Continue; // other families: not guarded
        }
    }

    /// <summary>Where a connect to the unspecified address goes: the socket's bound address, or
    /// loopback. Writes 4 or 16 bytes; null when the socket cannot be inspected (refused).</summary>
    private static int? Unspecified(int pid, int fd, int length, bool v4Mapped, Span<byte> into)
    {
        into.Clear();
        int pidfd = Interop.Pidfd.OpenTask(pid);
        if (pidfd < 0) return null;
        int dup;
        try { dup = Interop.Pidfd.GetFd(pidfd, fd, out _); }
        finally { Interop.Libc.close(pidfd); }
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
    /// rewritten since the check (kernel-notes pitfall 2). Approved pauses continue: the person
    /// approved the process, and its destination was remembered.</summary>
    private Verdict OnBehalf(ref seccomp_notif n, Verdict v, int sockFd, ReadOnlySpan<byte> sockaddr, ReadOnlySpan<byte> address)
    {
        if (sockFd < 0 || v.Held || v.Flags != SECCOMP_USER_NOTIF_FLAG_CONTINUE) return v;
        int pid = (int)n.pid;
        int pidfd = Interop.Pidfd.OpenTask(pid);
        if (pidfd < 0) return Verdict.Refuse; // the process is gone (or cannot be reached): nothing to connect
        int fd;
        Errno e;
        try { fd = Interop.Pidfd.GetFd(pidfd, sockFd, out e); }
        finally { Interop.Libc.close(pidfd); }
        if (fd < 0) return new Verdict(-(int)(e == Errno.EBADF ? Errno.EBADF : Errno.EPERM), 0);
        // PERF: loopback connects and non-blocking sockets finish at once: answer inline. A
        // blocking connect to another host waits for the handshake: off the receiving thread.
        bool inline = Interop.Sockets.IsNonBlocking(fd) || Address16.From(address).IsLoopback;
        if (inline)
        {
            int err = Interop.Sockets.Connect(fd, sockaddr);
            Interop.Libc.close(fd);
            return new Verdict(-err, 0);
        }
        ulong id = n.id;
        byte[] copy = sockaddr.ToArray();
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            int err = (int)Errno.EPERM; // answered whatever happens; a failure refuses
            try { err = Interop.Sockets.Connect(fd, copy); }
            catch (Exception ex) { _log.WriteLine($"agentshell: connect on behalf of pid {pid} failed, refused: {ex.Message}"); }
            finally
            {
                Interop.Libc.close(fd);
                var se = Send(_listener, id, -err, 0);
                if (se != 0 && se != Errno.ENOENT) _log.WriteLine($"agentshell: seccomp send failed: {se}");
            }
        }, null);
        return Verdict.Parked;
    }

    private Verdict UnixConnect(ref seccomp_notif n, Span<byte> path)
    {
        if (_self.ControlSocket is not { } control || path.Length == 0 || path[0] == 0) return Verdict.Continue; // abstract: not ours
        int pid = (int)n.pid;
        int nul = path.IndexOf((byte)0);
        if (nul >= 0) path = path[..nul];
        // Compare by identity, so symlinks, /proc/self/root/... and relative paths do not help.
        if (ProcessInfo.StatAs(pid, Encoding.UTF8.GetString(path)) is { } st && st == control && IdValid(_listener, n.id))
        {
            _notifier.Write(pid, "agentshell: refused: a supervised process cannot connect to the approval socket [rule supervisor:self-approval]");
            Note(SelfApprovalDecision, pid, default, null, AuditSyscall.Connect, AuditOutcome.Blocked);
            return Verdict.Refuse;
        }
        return Verdict.Continue;
    }

    private Verdict InetConnect(ref seccomp_notif n, ReadOnlySpan<byte> address, int port, string syscall)
    {
        // PERF: the common case (loopback, the internet, staging) is decided here without allocating.
        if (port == 53 || Addresses is not { } map || Policy is null) return Verdict.Continue; // DNS is always allowed
        string env = map.EnvironmentOf(address, port);
        if (env != Production) return Verdict.Continue;

        int pid = (int)n.pid;
        int tgid = ProcessInfo.Tgid(pid);
        ulong program = Kernel is { } k ? k.Generation(tgid) : ProcessInfo.StartTime(tgid);
        var key = new ProcessTable.ConnectKey(tgid, program, Address16.From(address), port);
        switch (Settle(key, env, ExecCovers(tgid, env), null, cache: true, out string? exe))
        {
            case Settled.Allowed: return Verdict.Continue;
            case Settled.Refused: return Verdict.Refuse;
        }
        var d = UnknownClient(tgid, address, port, env, exe, out var cmdline, out var target);
        if (!IdValid(_listener, n.id)) return Verdict.Refuse;
        switch (d.Action)
        {
            case PolicyAction.Allow:
                RememberConnect(key, true);
                return Verdict.Continue;
            case PolicyAction.Pause when Registry != null:
                HoldConnect(n.id, pid, tgid, d, cmdline, exe, target, key, null);
                return Verdict.Parked;
            default:
                RememberConnect(key, false);
                _notifier.Write(pid, $"agentshell: blocked {d.Describe()}: {d.Reason}");
                Note(d, pid, default, null, syscall, AuditOutcome.Blocked);
                return Verdict.Refuse;
        }
    }

    private enum Settled { No, Allowed, Refused }

    /// <summary>A connect to production settled without asking: a decision remembered for this
    /// process and destination, an exec that named production, or a client the profile names.</summary>
    private Settled Settle(ProcessTable.ConnectKey key, string env, bool execCovers, ulong? gen, bool cache, out string? exe)
    {
        exe = null;
        if (cache && Processes.TryGetConnect(key, out bool known)) return known ? Settled.Allowed : Settled.Refused;
        if (execCovers) { RememberConnect(key, true, gen); return Settled.Allowed; }
        exe = ProcessInfo.ExePath(key.Tgid);
        if (exe != null && Policy!.Network.Clients.TryGetValue(env, out var clients) && clients.Contains(exe))
        {
            RememberConnect(key, true, gen);
            return Settled.Allowed;
        }
        return Settled.No;
    }

    /// <summary>The decision for a program no parser understood connecting to production.</summary>
    private Decision UnknownClient(int tgid, ReadOnlySpan<byte> address, int port, string env, string? exe, out string[] cmdline, out Target target, PolicyAction? action = null)
    {
        var ip = new System.Net.IPAddress(address);
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        target = new Target { Kind = TargetKind.Socket, Host = ip.ToString(), Port = port };
        cmdline = ProcessInfo.Cmdline(tgid);
        string tool = exe != null ? Path.GetFileName(exe) : (cmdline.Length > 0 ? Path.GetFileName(cmdline[0]) : "?");
        return new Decision
        {
            Action = action ?? Policy!.Network.UnknownClientToProduction,
            RuleId = "network:unknown-client-to-production",
            Reason = "a program AgentShell does not understand is connecting to production",
            Explanation = $"{tool} (whose command line no parser understands) opens a connection to {target} in production. What it sends cannot be known from its arguments.",
            Intent = new CommandIntent { Tool = tool, Effect = Effect.Unknown, Targets = [target], Summary = $"connect {target}", Argv = cmdline },
            Target = target,
            Environment = env,
        };
    }

    private void HoldConnect(ulong id, int pid, int tgid, Decision d, string[] cmdline, string? exe, Target target, ProcessTable.ConnectKey key, ulong? gen)
    {
        string joinKey = $"{tgid}\u0001{key.Program}\u0001connect\u0001{target}";
        Registry!.Hold(id, pid, (itemId, now) => new PendingItem
        {
            Id = itemId, Created = now, Deadline = now + Registry.Timeout, Pid = pid,
            Chain = ProcessInfo.Chain(pid, _self.AgentPid), Cwd = null, Argv = cmdline, Decision = d,
            JoinKey = joinKey, RunKey = $"{exe}\u0001connect\u0001{target}", ConnectKey = key, ConnectGeneration = gen,
        }, joinKey);
    }

    /// <summary>Root mode: a TCP connect the kernel could not settle arrives here, already connected
    /// to the gate. Decided as a trapped connect would be; then proxied to its destination, or reset.</summary>
    internal void Gated(GatedConnection g)
    {
        byte[] address = g.Address.ToIPAddress().GetAddressBytes();
        int port = g.Port, tgid = g.Tgid, pid = g.Tid;
        ulong gen = g.Slot.Gen;
        var key = new ProcessTable.ConnectKey(tgid, gen, g.Address, port);
        // The connect was made by the program of generation gen; the process may have exec'd since
        // (a held connect returns at once): trust, named clients and answers of another program do not apply.
        bool sameProgram = Kernel is { } k && k.Generation(tgid) == gen;
        // Also reached while profile host names were still being resolved: this waits for them.
        string env = Addresses is { } map ? map.EnvironmentOf(address, port) : AddressEnvironments.Unknown;
        if (port == 53 || env != Production || Policy is null)
        {
            RememberConnect(key, true, gen);
            ConnectGate.Proxy(g, _log);
            return;
        }
        string? exe = null;
        // The user-space answers are not asked: the kernel keeps those per generation, and had one applied it would not be here.
        if (sameProgram && Settle(key, env, Kernel!.Trusted(tgid), gen, cache: false, out exe) == Settled.Allowed)
        {
            ConnectGate.Proxy(g, _log);
            return;
        }
        var d = UnknownClient(tgid, address, port, env, exe, out var cmdline, out var target);
        switch (d.Action)
        {
            case PolicyAction.Allow:
                RememberConnect(key, true, gen);
                ConnectGate.Proxy(g, _log);
                return;
            case PolicyAction.Pause when Registry != null:
                ulong id;
                do id = BinaryPrimitives.ReadUInt64LittleEndian(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
                while (!_gated.TryAdd(id, g));
                HoldConnect(id, pid, tgid, d, cmdline, exe, target, key, gen);
                return;
            default:
                RememberConnect(key, false, gen);
                _notifier.Write(pid, $"agentshell: blocked {d.Describe()}: {d.Reason}");
                Record(d, pid, cmdline, null, AuditSyscall.Connect, AuditOutcome.Blocked, null, null);
                ConnectGate.Reset(g.Client);
                return;
        }
    }

    /// <summary>Root mode: a connect or datagram the kernel refused by itself; the process is told
    /// why (as a refusal decided here would be) and the refusal is recorded.</summary>
    internal void KernelRefused(KernelConnectGuard.Event e)
    {
        int pid = (int)e.Tid, tgid = (int)e.Tgid;
        byte[] address = e.Address.ToIPAddress().GetAddressBytes();
        string? exe = ProcessInfo.ExePath(tgid);
        if (Policy is null) return;
        var d = UnknownClient(tgid, address, (int)e.Port, Production, exe, out var cmdline, out var target, PolicyAction.Block);
        string line = e.Kind switch
        {
            KernelConnectGuard.EventDatagram => $"agentshell: blocked {d.Describe()}: a datagram cannot wait for approval",
            KernelConnectGuard.EventNotReady => $"agentshell: refused a datagram to {target}: profile host names are still being resolved, so its environment is not known yet (retry in a moment) [rule supervisor:names-not-resolved]",
            KernelConnectGuard.EventGateUnavailable => $"agentshell: refused a connect to {target}: the supervisor's gate is unavailable [rule supervisor:gate-unavailable]",
            _ => $"agentshell: blocked {d.Describe()}: {d.Reason}",
        };
        // Remembered in the kernel: the process's next tries are refused there without a message
        // each, and those already in flight are told once.
        if (e.Kind is KernelConnectGuard.EventBlocked or KernelConnectGuard.EventDatagram && Kernel is { } k)
        {
            var key = new ProcessTable.ConnectKey(tgid, k.Generation(tgid), e.Address, (int)e.Port);
            if (Processes.TryGetConnect(key, out bool allowed) && !allowed) return;
            RememberConnect(key, false);
        }
        _notifier.Write(pid, line);
        if (e.Kind == KernelConnectGuard.EventNotReady)
            d = new Decision { Action = PolicyAction.Block, RuleId = "supervisor:names-not-resolved", Reason = "profile host names are still being resolved", Intent = d.Intent, Target = target, Environment = AddressEnvironments.Unknown };
        Record(d, pid, cmdline, null, AuditSyscall.Connect, AuditOutcome.Blocked, null, null);
    }

    private unsafe Verdict SendMsg(ref seccomp_notif n)
    {
        // struct msghdr { void *msg_name; socklen_t msg_namelen; ... }
        Span<byte> hdr = stackalloc byte[16];
        if (Interop.ProcessMemory.Read((int)n.pid, n.data.args[1], hdr, out _) < 16) return Verdict.Refuse; // as for connect
        ulong name = BinaryPrimitives.ReadUInt64LittleEndian(hdr);
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(hdr[8..]);
        return name == 0 ? Verdict.Continue : Connect(ref n, name, len, AuditSyscall.Connect);
    }

    private Verdict RefuseFastOpenBatch(ref seccomp_notif n)
    {
        _notifier.Write((int)n.pid, "agentshell: refused TCP Fast Open through sendmmsg (not inspected); use connect() or sendto() [rule supervisor:fastopen-batch]");
        return Verdict.Refuse;
    }

    private Verdict KillOwnGroup(ref seccomp_notif n, int sig)
    {
        // kill(0, sig) signals the caller's process group; ours too when the caller shares it.
        // A caller whose group cannot be read may share ours: refuse it.
        if (sig != 0 && (!ProcessInfo.TryStat((int)n.pid, out _, out int pgrp, out _) || pgrp == _self.ProcessGroup))
            return RefuseSignal(ref n);
        return Verdict.Continue;
    }

    private Verdict RefuseSignal(ref seccomp_notif n)
    {
        _notifier.Write((int)n.pid, "agentshell: refused a signal aimed at the supervisor [rule supervisor:protect-self]");
        return Verdict.Refuse;
    }

    /// <summary>The pid a pidfd (or a /proc/PID directory fd) of <paramref name="pid"/> refers to
    /// (-1: the process has exited), or null when it cannot be read.</summary>
    private static int? PidfdTarget(int pid, int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/fdinfo/{fd}"))
                if (line.StartsWith("Pid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4).Trim(), out int t)) return t;
            // pidfd_send_signal also takes a /proc/PID directory fd.
            var link = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;
            if (link != null && link.StartsWith("/proc/", StringComparison.Ordinal) && int.TryParse(link.AsSpan(6), out int p)) return p;
            return -1; // another kind of fd: the kernel fails the call (EBADF)
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ResolveFd(int pid, int fd)
    {
        // fexecve / memfd arrive as execveat(fd, "", AT_EMPTY_PATH): name the file by its fd.
        try { return new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? ""; }
        catch (IOException) { return ""; }
    }
}
