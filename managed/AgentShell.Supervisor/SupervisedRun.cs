using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

/// <summary>One `agentshell run`: spawn the launcher, take the listener, supervise, wait for the
/// agent, tear the rest of the tree down, and return the agent's exit status.</summary>
public sealed class SupervisedRun
{
    // The launcher's --status-fd.
    private const int StatusFd = 4;

    private readonly RunOptions _o;
    private int _agentPid;

    /// <summary>Prepares a run.</summary>
    public SupervisedRun(RunOptions options) => _o = options;

    /// <summary>The control socket, once the run has started.</summary>
    public string? ControlSocketPath { get; private set; }

    /// <summary>Checks that the kernel's seccomp notification structs are the sizes this build assumes.</summary>
    public static string? CheckKernel()
    {
        if (!Interop.Seccomp.TryGetNotifSizes(out var s))
            return $"seccomp(SECCOMP_GET_NOTIF_SIZES) failed: {Marshal.GetPInvokeErrorMessage((int)Interop.LastErrno)} (kernel without seccomp user notification?)";
        unsafe
        {
            if (s.seccomp_notif != sizeof(Interop.Seccomp.seccomp_notif) || s.seccomp_notif_resp != sizeof(Interop.Seccomp.seccomp_notif_resp) || s.seccomp_data != sizeof(Interop.Seccomp.seccomp_data))
                return $"kernel seccomp struct sizes {s.seccomp_notif}/{s.seccomp_notif_resp}/{s.seccomp_data} differ from this build's; refusing to run";
        }
        return null;
    }

    /// <summary>Runs the agent to completion. Returns its exit code (128+signal when killed).</summary>
    public int Run()
    {
        if (CheckKernel() is string err) { _o.Log.WriteLine($"agentshell: {err}"); return 125; }
        if (!File.Exists(_o.LauncherPath)) { _o.Log.WriteLine($"agentshell: launcher not found at {_o.LauncherPath} (run make)"); return 125; }

        if (_o.OwnsProcess)
        {
            // Orphans of the tree are re-parented to us, so we can reap them and tear them down.
            if (Interop.Process.Prctl(Interop.Process.PR_SET_CHILD_SUBREAPER, 1) is var e1 and not 0)
                throw ThrowHelper.Syscall("prctl(PR_SET_CHILD_SUBREAPER)", e1);
            // The tree runs as our uid: make sure it cannot ptrace us or read our memory.
            if (Interop.Process.Prctl(Interop.Process.PR_SET_DUMPABLE, 0) is var e2 and not 0)
                throw ThrowHelper.Syscall("prctl(PR_SET_DUMPABLE, 0)", e2);
        }

        string runId = RandomIds.Hex(4);
        int processGroup = Interop.Process.GetProcessGroup();
        var executable = ProcessInfo.ExeIdentity(Environment.ProcessId);
        using var ownAddresses = _o.Addresses == null ? new Network.AddressEnvironments(_o.Policy) : null;
        Network.IAddressEnvironments addresses = _o.Addresses ?? ownAddresses!;

        Diagnostics.StartupTrace.Mark("kernel-checked");
        using var kernel = RootMode.TryStart(_o, addresses, out string? guardError, out string? whyNotKernel);
        if (guardError != null) { _o.Log.WriteLine($"agentshell: {guardError}; nothing was run"); return 125; }

        Diagnostics.StartupTrace.Mark("root-mode");
        // The run's CA is made while the launcher starts; the tree's TLS clients are pointed at it.
        using var ca = Wire.Tls.RunCa.Begin(_o.Policy, runId, Path.Combine(Approval.SocketPaths.Directory(), runId + ".ca"), _o.Log);

        // The control socket exists before the tree does, so it is among the paths the tree cannot touch.
        using var control = Approval.ControlEndpoint.Bind(_o.SocketPath ?? Path.Combine(Approval.SocketPaths.Directory(), runId + ".sock"));
        Diagnostics.StartupTrace.Mark("control-bound");
        bool protect = _o.Protect.Count > 0 || _o.RequireProtection;
        var (ours, theirs) = Interop.Sockets.SocketPair();
        Interop.Sockets.PassCredentials(ours);
        var argv = new List<string> { _o.LauncherPath, "--sock-fd", "3", "--supervisor-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (kernel != null) argv.Add("--kernel-connect");
        // PERF: the tree's Unix connects (nscd: four per `curl --version`) no longer stop in seccomp
        // once the kernel guards the approval socket (cgroup/connect_unix); else they stay trapped.
        // A profile listing command servers keeps them trapped: cgroup/connect_unix sees only the path
        // string, before the kernel looks it up, so a link or another spelling would pass it (their
        // servers, unlike the approval socket, do not refuse the tree by its credentials).
        // Those of 16 or 28 bytes the filter cannot tell from inet connects: the kernel refuses them then.
        bool servers = _o.Policy.Network.CommandServers.Count > 0;
        if (kernel?.GuardControlSocket(control.Path, unseen: servers) == true && !servers) argv.Add("--kernel-unix");
        // A protected tree has a pid namespace: the launcher reports its init's end on a pipe before
        // its own exit tears the namespaces down (~1 ms here), and a run that owns its process returns then.
        var (statusRead, statusWrite) = protect && _o.OwnsProcess ? Interop.Pipe.Open() : (-1, -1);
        using var statusHandle = statusRead >= 0 ? new FdHandle(statusRead) : null;
        if (protect)
        {
            if (statusWrite >= 0) { argv.Add("--status-fd"); argv.Add(StatusFd.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
            foreach (var p in ProtectedPaths.WithControlSocket(_o.Protect, control.Path)) { argv.Add("--protect"); argv.Add(p); }
            if (_o.RequireProtection) argv.Add("--require-protection");
        }
        argv.Add("--");
        argv.AddRange(_o.Command);
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables())
            if (ca == null || !ca.Variables.ContainsKey((string)kv.Key)) env.Add($"{kv.Key}={kv.Value}");
        if (ca != null) foreach (var (k, v) in ca.Variables) env.Add($"{k}={v}");
        try { _agentPid = Interop.Spawn.Start(_o.LauncherPath, argv, env, theirs, 3, statusWrite, StatusFd); }
        finally { if (statusWrite >= 0) Interop.Libc.close(statusWrite); }
        Interop.Libc.close(theirs);
        Diagnostics.StartupTrace.Mark("launcher-spawned");
        // PERF: the command line's parser, the profiles' readers and the rules' tests leave the
        // resident set now, while the launcher starts (its exec, namespaces and filter): the rest
        // of start-up (identity, hand-off, supervision) stacked on them made the run's peak, just
        // before the drop after the go below. The executable only: start-up goes on in libc.
        // Measured with the first trim 40 ms after the go (see there), bench telemetry_export's RSS
        // workload (100,000 blocked execs), peak RSS, medians (min-max): one build's knobs, export
        // on, 5 interleaved rounds, load 6-11: neither 15.74 (15.50-16.30), both 15.28
        // (14.87-15.46), this drop alone 16.00 (the growth before the first trim was the peak
        // then); main's binary vs this, 6 rounds, load 10-13: export on 15.81 (15.55-16.39) ->
        // 15.46 (15.29-15.99), off 15.70 (15.15-16.65) -> 14.58 (14.18-14.88). run -- /bin/true
        // CPU 12.50 -> 12.69 ms (median of 40 interleaved).
        ImagePages.Drop(executableOnly: true);
        using var signals = _o.OwnsProcess ? SignalForwarding.Start(_agentPid) : null;

        int listener, filterPid;
        string? note;
        Network.ExecutableIdentity identity;
        try
        {
            // PERF: what the launcher does not need is done while it starts (its exec, namespaces
            // and filter, ~4.5 ms): the known tools' binaries are looked up (in place before the
            // go) and the profiles' host names start resolving (the first connect decision waits
            // for that; later they are refreshed off the hot path).
            ownAddresses?.StartInBackground(_o.Log.WriteLine);
            identity = new Network.ExecutableIdentity();
            Diagnostics.StartupTrace.Mark("identity");
            listener = LauncherHandOff.ReceiveListener(ours, out filterPid, out note);
            // The launcher failed before installing the filter; it printed why.
            if (listener < 0) return ExitCode(Reap());
            Diagnostics.StartupTrace.Mark("listener-received");
        }
        catch (Exception)
        {
            Interop.Process.kill(_agentPid, 9);
            throw;
        }

        using var listenerHandle = new FdHandle(listener);
        if (Environment.GetEnvironmentVariable("AGENTSHELL_SYNC_WAKEUP") != "0") Interop.Seccomp.SetSyncWakeUp(listener);
        var tree = protect ? TreeSetUp.Of(filterPid, note, protectionAsked: true) : TreeSetUp.None;
        if (tree.Unprotected is { } why) RecordUnprotected(_o, runId, _agentPid, _o.Command, why);
        int subreaper = _o.OwnsProcess ? Environment.ProcessId : -1;
        // The tree's processes can all be listed when its orphans come back into it: to us (a
        // subreaper), or to the init of its own pid namespace.
        tree = tree with { Tasks = subreaper > 0 || tree.OwnPidNamespace ? new TreeTasks([_agentPid, subreaper]) : null };
        _o.Telemetry?.Start(runId, _o.Policy.Files);
        using var supervision = new Supervision(_o, listener, runId, (processGroup, executable, _agentPid), addresses, identity, kernel,
            pid => ProcessInfo.IsInTree(pid, _agentPid, subreaper) || kernel?.InTree(pid) == true, tree, control, ca?.Ready());
        ControlSocketPath = supervision.ControlSocketPath;
        Diagnostics.StartupTrace.Mark("supervision-built");
        supervision.Start(_o.Threads);
        _o.Started?.Invoke(new RunStarted(runId, ControlSocketPath, kernel != null ? ConnectGuardMode.Kernel : ConnectGuardMode.Seccomp,
            whyNotKernel, RunStarted.Of(kernel != null, _o.OwnsProcess)));
        SendGo(ours);
        Diagnostics.StartupTrace.Mark("go-sent");
        // No collection forced here (issue 16): a blocking one held the tree's first exec for its
        // length (it suspends the receiving threads) and cost ~6 ms of CPU per run. What it was for,
        // a young generation's budget sized from start-up's survivors (~4.5 MiB of decisions'
        // garbage resident before the first collection), is capped in the build instead
        // (GCGen0MaxBudget): peak RSS at 100,000 decisions 14.1 with the collection, 14.4-14.5
        // with the cap alone, 14.7 with neither.
        // From here on, the old generation's growth is given back as decisions go (see HeapTrim).
        // Checked every 20 ms until the first trim: start-up's survivors and the first decisions'
        // promotions had grown the heap by ~2 MiB (export on) in the 250 ms before the first
        // check, a second peak as high as start-up's (VmRSS traced every ms: 15.5 MiB at 335 ms,
        // 13.3 after the trim). Export on, 100,000 blocked execs, one build's knobs, 6 interleaved
        // rounds, load 5-12: one check at 40 ms 15.47 (15.13-15.89) MiB, every 10 ms 15.17
        // (14.89-15.61), every 20 ms 15.08 (14.72-15.45).
        using var trim = HeapTrim.Start(TimeSpan.FromMilliseconds(250), first: TimeSpan.FromMilliseconds(20));

        int execErr = ReadExecResult(ours);
        Interop.Libc.close(ours);
        Diagnostics.StartupTrace.Mark("agent-exec-done");
        // Start-up's code and read-only data (the command line's parser, the profiles' readers, the
        // launcher's hand-off, the supervision's set-up) leave the resident set; what decisions use
        // comes back as they go (issue 16; see ImagePages). Once the agent's own exec is decided and
        // done: dropped at the go, its decision ran on pages being unmapped under it and the
        // agent started ~5 ms later. (A drop of the executable before the launcher's start, the
        // earlier one's place until export19, only made the rest of start-up fault its pages in
        // again: peak 14.5 with it, 14.3 without, when the growth before the first trim was the peak.)
        if (execErr == 0) ImagePages.Drop();
        // Reported: the tree's init was reaped, so its whole pid namespace is gone, and no orphan of
        // it ever reached us (a namespace's orphans go to its init); the launcher is left to exit.
        int? reported = statusHandle != null ? ReadReportedStatus(statusRead) : null;
        Diagnostics.StartupTrace.Mark("pages-dropped");
        int status = reported ?? Reap();
        Diagnostics.StartupTrace.Mark("tree-ended");
        if (_o.OwnsProcess)
        {
            if (reported == null) TreeTeardown.KillOrphans();
            if (kernel != null) TreeTeardown.KillKernelTree(kernel, _o.Log, reported != null ? _agentPid : 0);
        }
        // The last decisions' audit records are written after their answers: not cut off by the exit.
        if (!supervision.WaitForReceivers(TimeSpan.FromSeconds(2))) Diagnostics.StartupTrace.Mark("receivers-still-running");
        // Now, while the listener is still open: removing files opens fds, and a receiving thread
        // must not meet the listener's number reused by one.
        ca?.Dispose();
        Diagnostics.StartupTrace.Mark("teardown-done");
        if (execErr > 0)
        {
            _o.Log.WriteLine($"agentshell: cannot run '{_o.Command[0]}': {Marshal.GetPInvokeErrorMessage(execErr)}");
            return execErr is 13 or 1 ? 126 : 127;
        }
        return ExitCode(status);
    }

    private static unsafe void SendGo(int sock)
    {
        byte g = (byte)'G';
        if (Interop.Libc.write(sock, &g, 1) != 1) throw ThrowHelper.Syscall("write(go)", Interop.LastErrno);
    }

    /// <summary>The wait status of the tree's init as the launcher reported it (4 bytes), or null
    /// when it did not (no pid namespace: the fd closed on exec; the launcher killed): then reap.</summary>
    private static unsafe int? ReadReportedStatus(int fd)
    {
        int st = 0, got = 0;
        while (got < sizeof(int))
        {
            nint n = Interop.Libc.read(fd, (byte*)&st + got, sizeof(int) - got);
            if (n < 0 && Interop.LastErrno == Errno.EINTR) continue;
            if (n <= 0) return null;
            got += (int)n;
        }
        return st;
    }

    /// <summary>0 when the agent's exec succeeded (EOF: the close-on-exec socket closed), else its errno.</summary>
    private static unsafe int ReadExecResult(int sock)
    {
        int err = 0;
        nint n;
        while ((n = Interop.Libc.read(sock, (byte*)&err, sizeof(int))) < 0 && Interop.LastErrno == Errno.EINTR) { }
        return n == sizeof(int) ? err : 0;
    }

    /// <summary>Reaps until the agent has exited; returns its wait status. On this thread, which
    /// spawned the agent and (as the process's first thread) receives the tree's orphans: waits use
    /// __WNOTHREAD, so they never take the stops of a task another thread traces (a check of an
    /// exec), and peek first, leaving a stopped child (an orphan being checked) to its tracer.</summary>
    private int Reap()
    {
        while (true)
        {
            var e = _o.OwnsProcess ? Interop.Ptrace.PeekChild(out var si) : Interop.Ptrace.PeekChild(_agentPid, out si);
            if (e == Errno.ECHILD) return -1;
            if (e != 0) throw ThrowHelper.Syscall("waitid", e);
            if (si.si_code is not (Interop.Ptrace.CLD_EXITED or Interop.Ptrace.CLD_KILLED or Interop.Ptrace.CLD_DUMPED))
            {
                Thread.Sleep(1); // a tracee's stop: its tracer takes it
                continue;
            }
            if (Interop.Ptrace.ReapExited(si.si_pid, out _) != 0 || si.si_pid != _agentPid) continue;
            // The wait status waitpid would have given: the code, or the signal.
            return si.si_code == Interop.Ptrace.CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
        }
    }

    private static int ExitCode(int status)
    {
        if (status < 0) return 125;
        int sig = status & 0x7f;
        return sig == 0 ? (status >> 8) & 0xff : 128 + sig;
    }

    /// <summary>The line a tree whose files could not be made read-only gets on stderr (run, daemon, shell).</summary>
    internal static string UnprotectedWarning(string why) =>
        $"agentshell: warning: the agent can change agentshell's profiles, audit log and control sockets: {why} (--require-protection refuses to run instead) [rule {SupervisorRules.Unprotected.Id}]";

    /// <summary>A run whose files could not be made read-only says so on stderr and in the audit log
    /// (always recorded, like a refusal: a later reader must know the log itself was within reach).</summary>
    internal static void RecordUnprotected(RunOptions o, string runId, int pid, IReadOnlyList<string> command, string why)
    {
        var rule = SupervisorRules.Unprotected;
        o.Log.WriteLine(UnprotectedWarning(why));
        var d = new Core.Policy.Decision { Action = rule.Action, RuleId = rule.Id, Reason = $"{rule.Reason}: {why}", Explanation = rule.Explanation };
        o.Audit?.Append(Core.Audit.AuditRecord.FromDecision(d, DateTimeOffset.UtcNow, runId, Core.Audit.AuditSyscall.Start, pid, [], command,
            Environment.CurrentDirectory), parsedTool: true);
    }
}
