using System.Runtime.InteropServices;
using AgentShell.Core.Classification;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor;

/// <summary>Where outbound connects are decided.</summary>
public enum ConnectGuardMode
{
    /// <summary>In the kernel when the connect programs load (root), else by seccomp notification.</summary>
    Auto,
    /// <summary>In the kernel (eBPF cgroup connect programs); the run refuses to start without them.</summary>
    Kernel,
    /// <summary>Every connect stops in the supervisor (seccomp user notification).</summary>
    Seccomp,
}

/// <summary>Options of one supervised run.</summary>
public sealed class RunOptions
{
    /// <summary>Path of agentshell-launch.</summary>
    public required string LauncherPath { get; init; }
    /// <summary>The agent command and its arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }
    /// <summary>The compiled policy.</summary>
    public required Policy Policy { get; init; }
    /// <summary>Decides execs; default: the classifier and <see cref="Policy"/>.</summary>
    public IExecDecider? Decider { get; init; }
    /// <summary>Become the tree's subreaper and reap every child (the CLI). False when hosted in a
    /// process that has children of its own (tests): only the agent is waited for.</summary>
    public bool OwnsProcess { get; init; } = true;
    /// <summary>Where the supervisor writes its own messages.</summary>
    public TextWriter Log { get; init; } = Console.Error;
    /// <summary>Receiving threads.</summary>
    public int Threads { get; init; } = 2;
    /// <summary>How long a pause waits and what a timeout means.</summary>
    public PauseSettings? Pause { get; init; }
    /// <summary>Do not print the one-line pause notice on the terminal.</summary>
    public bool Quiet { get; init; }
    /// <summary>Address → environment map; default: the policy's addresses and resolved host names.</summary>
    public Network.IAddressEnvironments? Addresses { get; init; }
    /// <summary>Audit log; null: decisions are not recorded.</summary>
    public Audit.AuditLog? Audit { get; init; }
    /// <summary>Control socket path; default: a new one in <see cref="SocketPaths.Directory"/>.</summary>
    public string? SocketPath { get; init; }
    /// <summary>Where connects are decided.</summary>
    public ConnectGuardMode ConnectGuard { get; init; } = ConnectGuardMode.Auto;
    /// <summary>The root-mode connect programs; default: agentshell-connect.bpf.o beside the launcher.</summary>
    public string? BpfObjectPath { get; init; }
}

/// <summary>One `agentshell run`: spawn the launcher, take the listener, supervise, wait for the
/// agent, tear the rest of the tree down, and return the agent's exit status.</summary>
public sealed class SupervisedRun
{
    private readonly RunOptions _o;
    private int _agentPid;
    private int _agentStatus = -1;
    private readonly ManualResetEventSlim _agentExited = new();

    /// <summary>Prepares a run.</summary>
    public SupervisedRun(RunOptions options) => _o = options;

    /// <summary>The control socket, once the run has started.</summary>
    public string? ControlSocketPath { get; private set; }

    private void PrintPauseNotice(PendingItem i)
    {
        // One line on the terminal we were started from, not the agent's stdout (a TUI owns it).
        string line = $"agentshell: paused {i.Decision.Describe()} — approve with: agentshell approve {i.Id}   (deny: agentshell deny {i.Id})";
        try
        {
            using var tty = new FileStream("/dev/tty", FileMode.Open, FileAccess.Write);
            var b = System.Text.Encoding.UTF8.GetBytes("\r\n" + line + "\r\n");
            tty.Write(b);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _o.Log.WriteLine(line);
        }
    }

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
            if (Interop.Libc.prctl(Interop.Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
                throw ThrowHelper.Syscall("prctl(PR_SET_CHILD_SUBREAPER)", Interop.LastErrno);
            // The tree runs as our uid: make sure it cannot ptrace us or read our memory.
            if (Interop.Libc.prctl(Interop.Libc.PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
                throw ThrowHelper.Syscall("prctl(PR_SET_DUMPABLE, 0)", Interop.LastErrno);
        }

        string runId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var self = new SelfIdentity
        {
            ProcessGroup = Mono.Unix.Native.Syscall.getpgrp(),
            Executable = Mono.Unix.Native.Syscall.stat("/proc/self/exe", out var exe) == 0 ? (exe.st_dev, exe.st_ino) : null,
        };
        // Profile host names are resolved while the agent starts (the first connect decision waits
        // for that), then refreshed off the hot path.
        using var ownAddresses = _o.Addresses == null ? new Network.AddressEnvironments(_o.Policy) : null;
        ownAddresses?.StartInBackground(_o.Log.WriteLine);
        Network.IAddressEnvironments addresses = _o.Addresses ?? ownAddresses!;
        var identity = new Network.ExecutableIdentity();

        using var kernel = StartKernelGuard(addresses, out string? guardError);
        if (guardError != null) { _o.Log.WriteLine($"agentshell: {guardError}; nothing was run"); return 125; }

        var (ours, theirs) = Interop.Sockets.SocketPair();
        var argv = new List<string> { _o.LauncherPath, "--sock-fd", "3", "--supervisor-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (kernel != null) argv.Add("--kernel-connect");
        argv.Add("--");
        argv.AddRange(_o.Command);
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables())
            env.Add($"{kv.Key}={kv.Value}");
        _agentPid = Interop.Spawn.Start(_o.LauncherPath, argv, env, theirs, 3);
        self.AgentPid = _agentPid;
        Interop.Libc.close(theirs);
        new Thread(Reap) { IsBackground = true, Name = "reaper" }.Start();
        using var signals = _o.OwnsProcess ? ForwardSignals() : null;

        int listener;
        try
        {
            int n = Interop.Sockets.ReceiveFd(ours, out _, out listener);
            if (n == 0 || listener < 0)
            {
                // The launcher failed before installing the filter; it printed why.
                _agentExited.Wait();
                return ExitCode(_agentStatus);
            }
        }
        catch (Exception)
        {
            Interop.Libc.kill(_agentPid, 9);
            throw;
        }

        using var listenerHandle = new FdHandle(listener);
        if (Environment.GetEnvironmentVariable("AGENTSHELL_SYNC_WAKEUP") != "0") Interop.Seccomp.SetSyncWakeUp(listener);
        var loop = new NotificationLoop(listener, _o.Decider ?? new ExecDecider(new CommandClassifier(_o.Policy.Tools), _o.Policy, identity), _o.Log, self);
        using var registry = new PendingRegistry(loop, _o.Pause ?? _o.Policy.Pause);
        loop.Registry = registry;
        loop.Identity = identity;
        loop.Audit = _o.Audit;
        loop.Policy = _o.Policy;
        loop.Addresses = addresses;
        using var prune = new Timer(_ =>
        {
            loop.Processes.Prune();
            kernel?.ReclaimStaleSlots();
        }, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        loop.RunId = runId;
        registry.Answering += loop.ApplyAnswer;
        registry.Resolved += loop.RecordAnswered;
        int subreaper = _o.OwnsProcess ? Environment.ProcessId : -1;
        using var control = new ControlServer(_o.SocketPath ?? Path.Combine(SocketPaths.Directory(), runId + ".sock"), runId, _o.Command, registry,
            pid => ProcessInfo.IsInTree(pid, _agentPid, subreaper) || kernel?.InTree(pid) == true, _o.Log);
        self.ControlSocket = control.Identity;
        ControlSocketPath = control.Path;
        if (!_o.Quiet) registry.Paused += PrintPauseNotice;
        using var gate = kernel != null ? ConnectKernel(kernel, loop, (Network.AddressEnvironments)addresses) : null;
        loop.Start(_o.Threads);
        SendGo(ours);

        int execErr = ReadExecResult(ours);
        Interop.Libc.close(ours);
        _agentExited.Wait();
        if (_o.OwnsProcess)
        {
            TearDownTree();
            if (kernel != null) TearDownKernelTree(kernel);
        }
        if (execErr > 0)
        {
            _o.Log.WriteLine($"agentshell: cannot run '{_o.Command[0]}': {Marshal.GetPInvokeErrorMessage(execErr)}");
            return execErr is 13 or 1 ? 126 : 127;
        }
        return ExitCode(_agentStatus);
    }

    private Network.KernelConnectGuard? StartKernelGuard(Network.IAddressEnvironments addresses, out string? error)
    {
        error = null;
        if (_o.ConnectGuard == ConnectGuardMode.Seccomp) return null;
        string reason = "a custom address map cannot be copied into the kernel";
        if (addresses is Network.AddressEnvironments
            && Network.KernelConnectGuard.TryCreate(_o.BpfObjectPath ?? Network.KernelConnectGuard.DefaultObjectPath(_o.LauncherPath), out reason) is { } guard)
            return guard;
        if (_o.ConnectGuard == ConnectGuardMode.Kernel) error = $"--connect-guard kernel: {reason}";
        // Auto as root: say why every connect will cost a round trip; as a user this is expected.
        else if (Mono.Unix.Native.Syscall.geteuid() == 0) _o.Log.WriteLine($"agentshell: connects are decided by seccomp notification ({reason})");
        return null;
    }

    /// <summary>Root mode: the gate, the kernel's maps filled, the agent's launcher made the tree's
    /// first task; all before the launcher is told to go.</summary>
    private Network.ConnectGate ConnectKernel(Network.KernelConnectGuard kernel, NotificationLoop loop, Network.AddressEnvironments addresses)
    {
        loop.Kernel = kernel;
        var gate = new Network.ConnectGate(kernel, loop.Gated, _o.Log);
        gate.Start();
        kernel.Configure(gate.Port, _o.Policy.Network.UnknownClientToProduction);
        void Publish()
        {
            try
            {
                kernel.SyncProduction(addresses.PrefixesOf(Production));
                kernel.SetReady(addresses.IsReady);
            }
            catch (Exception e)
            {
                // A production address the kernel may not know: every connect goes to the gate,
                // where the full table decides, until a later publish succeeds.
                _o.Log.WriteLine($"agentshell: production addresses could not be copied into the kernel ({e.Message}); every connect is decided by the supervisor");
                try { kernel.SetReady(false); }
                catch (Exception)
                {
                    // The kernel refused even that: the tree cannot stay guarded, so it ends.
                    _o.Log.WriteLine("agentshell: the kernel's connect configuration cannot be updated; stopping the supervised tree");
                    KillKernelTree(kernel);
                }
            }
        }
        addresses.Published += Publish;
        // Resolved while the programs loaded (usually done by now): until then the kernel would
        // have to refuse every datagram of the tree, since it cannot hold one at the gate.
        addresses.WaitUntilReady();
        Publish(); // the first resolution may have finished before the subscription
        kernel.StartEvents(loop.KernelRefused);
        kernel.AddTreeRoot(_agentPid);
        return gate;
    }

    private const string Production = "production";

    private static unsafe void SendGo(int sock)
    {
        byte g = (byte)'G';
        if (Interop.Libc.write(sock, &g, 1) != 1) throw ThrowHelper.Syscall("write(go)", Interop.LastErrno);
    }

    /// <summary>0 when the agent's exec succeeded (EOF: the close-on-exec socket closed), else its errno.</summary>
    private static unsafe int ReadExecResult(int sock)
    {
        int err = 0;
        nint n;
        while ((n = Interop.Libc.read(sock, (byte*)&err, sizeof(int))) < 0 && Interop.LastErrno == Errno.EINTR) { }
        return n == sizeof(int) ? err : 0;
    }

    private void Reap()
    {
        while (true)
        {
            int pid = Interop.Spawn.Wait(_o.OwnsProcess ? -1 : _agentPid, out int status, 0, out var e);
            if (pid < 0)
            {
                if (e == Errno.ECHILD) { Thread.Sleep(50); if (_agentExited.IsSet) return; continue; }
                return;
            }
            if (pid == _agentPid) { _agentStatus = status; _agentExited.Set(); }
        }
    }

    /// <summary>Kills what is left of the tree: children re-parented to us (we are their subreaper).</summary>
    private void TearDownTree()
    {
        int self = Environment.ProcessId;
        for (int round = 0; round < 50; round++)
        {
            bool any = false;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out int pid) && ProcessInfo.TryStat(pid, out int ppid, out _, out _) && ppid == self)
                {
                    Interop.Libc.kill(pid, 9);
                    any = true;
                }
            }
            if (!any) return;
            Thread.Sleep(20);
        }
    }

    /// <summary>Root mode: the kernel follows every fork, so its tree map names what is left even of
    /// processes that left our reach (a double fork racing the teardown). Kill those; if any
    /// survives, keep the programs pinned so it stays guarded after we exit.</summary>
    private void TearDownKernelTree(Network.KernelConnectGuard kernel)
    {
        if (KillKernelTree(kernel)) return;
        kernel.KeepPinned = true;
        _o.Log.WriteLine("agentshell: processes of the tree survived the teardown; their connects stay guarded by the pinned programs");
    }

    /// <summary>SIGKILLs every task in the kernel's tree map, for up to a second; true once none is left.</summary>
    private static bool KillKernelTree(Network.KernelConnectGuard kernel)
    {
        for (int round = 0; round < 50; round++)
        {
            var left = kernel.TreeTasks().Where(t => Directory.Exists($"/proc/{t}")).ToList();
            if (left.Count == 0) return true;
            foreach (int tid in left)
            {
                // Through a pidfd taken first, then checked against the tree: a pid that was freed
                // and reused by another process in between is never signalled.
                int pidfd = Interop.Pidfd.OpenTask(tid);
                if (pidfd < 0) continue;
                if (kernel.InTree(tid)) Interop.Pidfd.SendSignal(pidfd, 9);
                Interop.Libc.close(pidfd);
            }
            Thread.Sleep(20);
        }
        return false;
    }

    private static int ExitCode(int status)
    {
        if (status < 0) return 125;
        int sig = status & 0x7f;
        return sig == 0 ? (status >> 8) & 0xff : 128 + sig;
    }

    private IDisposable ForwardSignals()
    {
        var regs = new List<PosixSignalRegistration>();
        bool tty = Interop.Libc.isatty(0) == 1;
        foreach (var sig in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            regs.Add(PosixSignalRegistration.Create(sig, ctx =>
            {
                ctx.Cancel = true; // we stay up until the agent is gone
                // A terminal already delivers SIGINT/SIGQUIT to the agent (same process group);
                // forwarding would deliver it twice (two Ctrl-Cs quit some agents).
                if (tty && (ctx.Signal == PosixSignal.SIGINT || ctx.Signal == PosixSignal.SIGQUIT)) return;
                int num = ctx.Signal switch { PosixSignal.SIGTERM => 15, PosixSignal.SIGHUP => 1, PosixSignal.SIGINT => 2, _ => 3 };
                Interop.Libc.kill(_agentPid, num);
            }));
        }
        return new Disposables(regs);
    }

    private sealed class Disposables(List<PosixSignalRegistration> items) : IDisposable
    {
        public void Dispose() { foreach (var i in items) i.Dispose(); }
    }
}
