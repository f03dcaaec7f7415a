using System.Runtime.InteropServices;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Daemon;

/// <summary>`agentshell daemon -- CMD`, a container's entrypoint: runs CMD supervised as `run` does,
/// acts as init (reaps every orphan that reaches it, passes SIGTERM/SIGINT/SIGHUP/SIGQUIT to CMD,
/// exits with CMD's status, or 0 after passing on a SIGTERM), and supervises the trees that
/// `agentshell shell` attaches later through the daemon socket. All trees share the policy, the
/// resolved addresses, the pause registry, the audit log and one control socket; each has its own
/// listener, loop and trust. Connects are decided by seccomp notification (root mode's programs
/// follow one tree; a container rarely may load them).</summary>
public sealed class SupervisingDaemon
{
    private readonly RunOptions _o;
    private readonly string _socketPath;
    private readonly DaemonSessions _sessions = new();
    private int _cmdPid;
    private volatile bool _terminated;

    // Shared by every session; set once in Run before any session starts.
    private PendingRegistry _registry = null!;
    private ControlServer _control = null!;
    private IAddressEnvironments _addresses = null!;
    private readonly ExecutableIdentity _identity = new();
    private (ulong, ulong)? _executable;
    private int _processGroup;
    // What every tree's launcher makes read-only for it (set once the sockets are bound); null: nothing.
    private TreeProtection? _protection;
    // The CA the trees' TLS clients trust (TLS to production is terminated with it); null: not terminated.
    private Wire.Tls.RunAuthority? _authority;

    /// <summary>Prepares a daemon. <paramref name="options"/>' <see cref="RunOptions.SocketPath"/> is the
    /// control socket (default: a new one in <see cref="SocketPaths.Directory"/>).</summary>
    public SupervisingDaemon(RunOptions options, string daemonSocketPath)
    {
        _o = options;
        _socketPath = daemonSocketPath;
        Id = RandomIds.Hex(4);
    }

    /// <summary>The daemon's id, which is also its command's session id.</summary>
    public string Id { get; }

    /// <summary>Runs until CMD exits. Returns CMD's exit code (128+signal when killed), 0 after a
    /// SIGTERM was passed on, 125 when nothing could be started.</summary>
    public int Run()
    {
        if (SupervisedRun.CheckKernel() is string err) { _o.Log.WriteLine($"agentshell: {err}"); return 125; }
        if (!File.Exists(_o.LauncherPath)) { _o.Log.WriteLine($"agentshell: launcher not found at {_o.LauncherPath} (run make)"); return 125; }
        bool init = Environment.ProcessId == 1;
        // Orphans of the command's tree come to us; as PID 1 every orphan of the container does.
        if (Interop.Process.Prctl(Interop.Process.PR_SET_CHILD_SUBREAPER, 1) is var e1 and not 0)
            throw ThrowHelper.Syscall("prctl(PR_SET_CHILD_SUBREAPER)", e1);
        // The trees run as our uid: make sure they cannot ptrace us or read our memory.
        if (Interop.Process.Prctl(Interop.Process.PR_SET_DUMPABLE, 0) is var e2 and not 0)
            throw ThrowHelper.Syscall("prctl(PR_SET_DUMPABLE, 0)", e2);
        _processGroup = Interop.Process.GetProcessGroup();
        _executable = ProcessInfo.ExeIdentity(Environment.ProcessId);

        using var ownAddresses = _o.Addresses == null ? new AddressEnvironments(_o.Policy) : null;
        ownAddresses?.StartInBackground(_o.Log.WriteLine);
        _addresses = _o.Addresses ?? ownAddresses!;
        using var registry = _registry = new PendingRegistry(_o.Pause ?? _o.Policy.Pause);
        _o.Telemetry?.Start(Id, _o.Policy.Files);
        using var control = _control = new ControlServer(_o.SocketPath ?? Path.Combine(SocketPaths.Directory(), Id + ".sock"), Id, _o.Command,
            registry, _sessions.IsInTree, _o.Log, _sessions.Infos, kind: "daemon");
        DaemonSocket socket;
        try
        {
            socket = DaemonSocket.Bind(_socketPath, Id, _sessions.SessionOf, Attach,
                () => new ShellSetUp(_protection, _authority?.Pem, ChannelBindingOff()), _o.Log);
        }
        catch (IOException e)
        {
            _o.Log.WriteLine($"agentshell: {e.Message}; nothing was run");
            return 125;
        }
        using var daemonSocket = socket;
        // As `run` protects its tree: the profiles, the audit log, agentshell's files, and both sockets.
        if (_o.Protect.Count > 0 || _o.RequireProtection)
            _protection = TreeProtection.Of(ProtectedPaths.WithControlSocket(ProtectedPaths.WithControlSocket(_o.Protect, control.Path), socket.Path), _o.RequireProtection);
        using var prune = new Timer(_ => _sessions.Prune(), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        // As run's: the CA is made while the launcher starts; the command's TLS clients are pointed at it.
        using var ca = Wire.Tls.RunCa.Begin(_o.Policy, Id, Path.Combine(SocketPaths.Directory(), Id + ".ca"), _o.Log);
        (_cmdPid, int ours) = LauncherHandOff.Spawn(_o.LauncherPath, Environment.ProcessId, kernelConnect: false, _o.Command, _protection, ca?.Variables);
        using var signals = SignalForwarding.Start(_cmdPid, s => { if (s == PosixSignal.SIGTERM) _terminated = true; });
        int execErr;
        try
        {
            int listener = LauncherHandOff.ReceiveListener(ours, out int filterPid, out string? note);
            if (listener < 0) return LauncherHandOff.ExitCode(Reap()); // the launcher failed before installing the filter; it printed why
            _authority = ca?.Ready();
            StartSession(Id, listener, _cmdPid, init ? -1 : Environment.ProcessId, _o.Command,
                _o.Quiet ? null : line => PauseNotice.ToTerminal(line, _o.Log), SetUp(Id, _cmdPid, _o.Command, filterPid, note));
            LauncherHandOff.SendGo(ours);
            execErr = LauncherHandOff.ReadExecResult(ours);
        }
        catch (Exception)
        {
            Interop.Process.kill(_cmdPid, 9);
            throw;
        }
        finally
        {
            Interop.Libc.close(ours);
        }
        socket.Start();
        if (!_o.Quiet) _o.Log.WriteLine($"agentshell: daemon {Id} supervises '{string.Join(' ', _o.Command)}'; attach shells with: agentshell shell --socket {socket.Path}");
        int status = Reap();
        // The container's command is over: what is left of its tree goes with it. Attached shells'
        // trees fail closed (ENOSYS) once we exit, and each shell says so.
        TreeTeardown.KillOrphans(reap: true);
        _authority?.Dispose();
        if (execErr > 0) return LauncherHandOff.ExecFailed(execErr, _o.Command[0], _o.Log);
        return _terminated ? 0 : LauncherHandOff.ExitCode(status);
    }

    /// <summary>libpq's SCRAM channel binding is turned off for the CA's second TLS leg, as `run` does
    /// (<see cref="Wire.Tls.RunCa"/>; the shell keeps a PGCHANNELBINDING the person set).</summary>
    private bool ChannelBindingOff() => _authority != null && _o.Policy.WireFor("production").Postgres;

    /// <summary>An attached shell's tree: its listener, and its launcher, a child of the caller.</summary>
    private (string?, string?) Attach(AttachRequest r)
    {
        if (!ProcessInfo.IsSeccompListener(r.Listener)) return (null, "refused: the fd passed is not a seccomp listener");
        int root = ProcessInfo.PidOfPidfd(r.Pidfd);
        if (root <= 0) return (null, "refused: the launcher has exited");
        // The tree is the caller's own child: a caller cannot have another process's tree counted as its session.
        if (!ProcessInfo.TryStat(root, out int ppid, out _, out _) || ppid != r.PeerPid)
            return (null, $"refused: pid {root} is not a child of the caller (pid {r.PeerPid})");
        // The filter is installed by the launcher, or by the init of the tree's own pid namespace, its child.
        if (_protection != null && r.FilterPid > 0 && r.FilterPid != root && !(ProcessInfo.TryStat(r.FilterPid, out int fp, out _, out _) && fp == root))
            return (null, $"refused: pid {r.FilterPid} is not the tree's launcher (pid {root}) nor its child");
        string id = RandomIds.Hex(4);
        var setUp = SetUp(id, root, r.Command, r.FilterPid, r.FilterPid > 0 ? r.Note : "the shell that started the tree did not say how it was set up (an older agentshell shell?)");
        // The shell's launcher was told to refuse; a client that did not (or could not) is refused here.
        if (_protection?.Required == true && setUp.Unprotected is { } why)
            return (null, $"refused: the tree's files are not protected ({why}) and the daemon was started with --require-protection");
        StartSession(id, r.Listener, root, r.PeerPid, r.Command, r.Notice, setUp);
        return (id, null);
    }

    /// <summary>What the launcher set up for a session's tree (its namespaces, checked as `run` checks
    /// its own), said and recorded when its files are not protected.</summary>
    private TreeSetUp SetUp(string session, int root, IReadOnlyList<string> command, int filterPid, string? note)
    {
        if (_protection == null) return TreeSetUp.None;
        var tree = TreeSetUp.Of(filterPid, note, protectionAsked: true);
        if (tree.Unprotected is { } why) SupervisedRun.RecordUnprotected(_o, session, root, command, why);
        return tree;
    }

    /// <summary>Supervises one tree until it has gone: then its pauses end, it leaves the registry
    /// and its listener is closed. The listener is the session's once this returns; if it throws,
    /// it is still the caller's (closed exactly once, by one owner).</summary>
    private void StartSession(string id, int listener, int root, int subreaper, IReadOnlyList<string> command, Action<string>? notice, TreeSetUp setUp)
    {
        var info = new SessionInfo(id, command, DateTimeOffset.UtcNow, root);
        var me = new SelfIdentity(_processGroup, _executable, _control.Identity, root);
        DaemonSession? session = null;
        // Its orphans come back to the subreaper (an attached shell's client, which is not of the
        // tree), or to us as the container's init: only then are all its tasks found.
        int reaper = subreaper > 0 ? subreaper : Environment.ProcessId == 1 ? 1 : -1;
        // A tree with a pid namespace of its own keeps its orphans: the launcher's descendants are all of it.
        setUp = setUp with { Tasks = setUp.OwnPidNamespace ? new TreeTasks([root]) : reaper > 0 ? new TreeTasks([root, reaper], outside: [reaper]) : null };
        var tree = new TreeSession(_o, listener, info, _registry, me, _addresses, _identity, kernel: null,
            notice == null ? null : i => notice(PauseNotice.Line(i, id)),
            ended: () => End(session!), tree: setUp, authority: _authority, ownsAuthority: false);
        var owned = new FdHandle(listener);
        try
        {
            session = new DaemonSession(tree, owned, root, ProcessInfo.StartTime(root), subreaper);
            if (Environment.GetEnvironmentVariable("AGENTSHELL_SYNC_WAKEUP") != "0") Interop.Seccomp.SetSyncWakeUp(listener);
            _sessions.Add(session);
            tree.Start(_o.Threads);
        }
        catch
        {
            if (session != null) _sessions.Remove(session);
            tree.Dispose();
            owned.SetHandleAsInvalid(); // the caller closes it
            throw;
        }
    }

    private void End(DaemonSession s)
    {
        _registry.EndSession(s.Id);
        s.Tree.Dispose();
        _sessions.Remove(s);
        s.Listener.Dispose();
    }

    /// <summary>Reaps every child (orphans of the command's tree, of the whole container as PID 1)
    /// until the command has exited; returns its wait status. On the thread that spawned it, the
    /// process's first: the thread a later wait restricted to its own children (__WNOTHREAD, so as
    /// never to take the stops of a task another thread traces) must run on.</summary>
    private int Reap()
    {
        // Waits use __WNOTHREAD and peek first: a plain waitpid(-1) would take the stop of a task a
        // receiving thread traces (the check of a committed exec), and that check would wait forever.
        while (true)
        {
            var e = Interop.Ptrace.PeekChild(out var si);
            if (e == Errno.ECHILD) return -1;
            if (e != 0) { Thread.Sleep(50); continue; }
            if (si.si_code is not (Interop.Ptrace.CLD_EXITED or Interop.Ptrace.CLD_KILLED or Interop.Ptrace.CLD_DUMPED))
            {
                Thread.Sleep(1); // a tracee's stop: its tracer takes it
                continue;
            }
            if (Interop.Ptrace.ReapExited(si.si_pid, out _) != 0 || si.si_pid != _cmdPid) continue;
            // The wait status waitpid would have given: the code, or the signal.
            return si.si_code == Interop.Ptrace.CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
        }
    }
}
