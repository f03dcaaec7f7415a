using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>Root mode: the kernel decides ordinary connects itself. A TCP connect it cannot settle
/// arrives here already connected to the gate, and is decided as a trapped connect would be, then
/// proxied to its destination, held for a person, or reset; a connect or datagram the kernel
/// refused by itself is reported here, so the process is told why and the refusal recorded. With
/// the wire layer on, the kernel sends every production TCP connect here, and the wire layer
/// decides what it sends.</summary>
internal sealed class GatedConnects(IAddressEnvironments addresses, KernelConnectGuard kernel, TrustLedger trust, UnknownClients unknown,
    HeldNotifications held, BlockNotifier notifier, AuditRecorder recorder, Wire.WireLayer? wire, TextWriter log)
{
    private const string Production = "production";

    /// <summary>One connection taken by the gate (its accept thread).</summary>
    public void Gated(GatedConnection g)
    {
        byte[] address = g.Address.ToIPAddress().GetAddressBytes();
        int port = g.Port, tgid = g.Tgid, pid = g.Tid;
        ulong gen = g.Slot.Gen;
        var key = new ProcessTable.ConnectKey(tgid, gen, g.Address, port);
        // The connect was made by the program of generation gen; the process may have exec'd since
        // (a held connect returns at once): trust, named clients and answers of another program do not apply.
        bool sameProgram = kernel.Generation(tgid) == gen;
        // Also reached while profile host names were still being resolved: this waits for them.
        string env = addresses.EnvironmentOf(address, port);
        if (port == 53 || env != Production)
        {
            trust.RememberConnect(key, true, gen);
            ConnectGate.Proxy(g, log);
            return;
        }
        if (wire != null && wire.Takes(env))
        {
            // What it was trusted with when it connected: used only if the wire does not know its protocol.
            var settled = sameProgram ? trust.Settle(key, env, kernel.Trusted(tgid), gen, cache: true, out _, out _, atWire: true) : TrustLedger.Settled.No;
            if (!UpstreamOwner.TryFor(pid, tgid, port, log, out var owner))
            {
                ConnectGate.Reset(g.Client);
                return;
            }
            wire.Serve(new Wire.WireConnection(g.Client, g.Destination, env, new Wire.WireClient(pid, tgid, key, gen, settled) { Owner = owner }));
            return;
        }
        string? exe = null, codeChanged = null;
        // The user-space answers are not asked: the kernel keeps those per generation, and had one applied it would not be here.
        if (sameProgram && trust.Settle(key, env, kernel.Trusted(tgid), gen, cache: false, out exe, out codeChanged) == TrustLedger.Settled.Allowed)
        {
            ConnectGate.Proxy(g, log);
            return;
        }
        var d = unknown.Decide(tgid, address, port, env, exe, out var cmdline, out var target,
            why: codeChanged != null ? SupervisorRules.LibraryChanged : null, detail: codeChanged);
        switch (d.Action)
        {
            case PolicyAction.Allow:
                trust.RememberConnect(key, true, gen);
                ConnectGate.Proxy(g, log);
                return;
            case PolicyAction.Pause:
                unknown.Hold(held.HoldGated(g), pid, tgid, d, cmdline, exe, target, key, gen);
                return;
            default:
                trust.RememberConnect(key, false, gen);
                notifier.Write(pid, $"agentshell: blocked {d.Describe()}: {d.Reason}");
                recorder.Record(d, pid, cmdline, null, AuditSyscall.Connect, AuditOutcome.Blocked);
                ConnectGate.Reset(g.Client);
                return;
        }
    }

    /// <summary>A connect of the tree to the approval socket, refused by the kernel (its event thread):
    /// said and recorded as the seccomp path does (ConnectNotifications.UnixConnect).</summary>
    public void ControlSocketRefused(KernelConnectGuard.Event e)
    {
        int pid = (int)e.Tid, tgid = (int)e.Tgid;
        var rule = SupervisorRules.SelfApproval;
        string line = rule.Refusal("a connect to the approval socket");
        if (!notifier.Write(pid, line) && (tgid == pid || !notifier.Write(tgid, line))) log.WriteLine(line);
        recorder.Record(rule.Decision, pid, [], null, AuditSyscall.Connect, AuditOutcome.Blocked);
    }

    /// <summary>A Unix connect of 16 or 28 bytes, which the seccomp filter cannot tell from an inet one,
    /// refused by the kernel while listed command servers keep Unix connects with the supervisor.</summary>
    public void UnixUnseenRefused(KernelConnectGuard.Event e)
    {
        int pid = (int)e.Tid, tgid = (int)e.Tgid;
        var rule = SupervisorRules.CommandServer;
        string line = rule.Refusal("a Unix connect whose address is 16 or 28 bytes long (it cannot be checked here: pad or shorten the address)");
        if (!notifier.Write(pid, line) && (tgid == pid || !notifier.Write(tgid, line))) log.WriteLine(line);
        recorder.Record(rule.About(null, detail: "a Unix address of an inet sockaddr's length"), pid, [], null, AuditSyscall.Connect, AuditOutcome.Blocked);
    }

    /// <summary>A program's first datagram to a production destination, refused by the kernel because
    /// it cannot wait for what a TCP connect gets at the gate (its event thread): a trusted program's
    /// code check, or the profile's named clients (which the kernel does not know). Settled now: a
    /// trusted program whose mapped code is unchanged since the run began, or a named client, sends
    /// its next datagrams there (the kernel remembers); otherwise (trust withdrawn, or an unknown
    /// client) the datagram is said and remembered as an unknown client's.</summary>
    public void FirstDatagram(KernelConnectGuard.Event e)
    {
        int pid = (int)e.Tid, tgid = (int)e.Tgid, port = (int)e.Port;
        ulong gen = kernel.Generation(tgid);
        var key = new ProcessTable.ConnectKey(tgid, gen, e.Address, port);
        // A burst before the answer reached the kernel: one check, one line.
        if (trust.Processes.TryGetConnect(key, out _)) return;
        if (trust.Settle(key, Production, kernel.Trusted(tgid), gen, cache: false, out _, out string? codeChanged) == TrustLedger.Settled.Allowed)
        {
            var rule = SupervisorRules.TrustedDatagramChecked;
            string line = rule.Refusal($"a first datagram to {e.Address.ToIPAddress()}:{port}");
            if (!notifier.Write(pid, line) && (tgid == pid || !notifier.Write(tgid, line))) log.WriteLine(line);
            recorder.Record(rule.Decision, pid, ProcessInfo.Cmdline(tgid), null, AuditSyscall.Connect, AuditOutcome.Blocked, tgid: tgid);
            return;
        }
        // An unknown client's datagram: the profile may let those through (the kernel now does).
        byte[] address = e.Address.ToIPAddress().GetAddressBytes();
        if (unknown.Decide(tgid, address, port, Production, null, out _, out _, why: codeChanged != null ? SupervisorRules.LibraryChanged : null).Action == PolicyAction.Allow)
        {
            trust.RememberConnect(key, true, gen);
            return;
        }
        KernelRefused(e, KernelConnectGuard.EventDatagram, codeChanged);
    }

    /// <summary>A connect or datagram the kernel refused by itself (its event thread), as
    /// <paramref name="kind"/> when given.</summary>
    /// <paramref name="codeChanged"/>: why a trusted program's trust was withdrawn (rule <see cref="SupervisorRules.LibraryChanged"/>).
    public void KernelRefused(KernelConnectGuard.Event e, uint? kind = null, string? codeChanged = null)
    {
        uint eventKind = kind ?? e.Kind;
        int pid = (int)e.Tid, tgid = (int)e.Tgid;
        byte[] address = e.Address.ToIPAddress().GetAddressBytes();
        string? exe = ProcessInfo.ExePath(tgid);
        var d = unknown.Decide(tgid, address, (int)e.Port, Production, exe, out var cmdline, out var target, PolicyAction.Block,
            why: codeChanged != null ? SupervisorRules.LibraryChanged : null, detail: codeChanged);
        string line;
        switch (eventKind)
        {
            case KernelConnectGuard.EventDatagram:
                line = $"agentshell: blocked {d.Describe()}: {SupervisorRules.DatagramCannotWait}{(codeChanged != null ? $" ({codeChanged})" : "")}";
                break;
            case KernelConnectGuard.EventNotReady:
                d = SupervisorRules.NamesNotResolved.About(d.Intent, target: target, environment: AddressEnvironments.Unknown);
                line = SupervisorRules.NamesNotResolved.Refusal($"a datagram to {target}");
                break;
            case KernelConnectGuard.EventGateUnavailable:
                d = SupervisorRules.GateUnavailable.About(d.Intent, target: target, environment: Production);
                line = SupervisorRules.GateUnavailable.Refusal($"a connect to {target}");
                break;
            default:
                line = $"agentshell: blocked {d.Describe()}: {d.Reason}";
                break;
        }
        // Remembered in the kernel: the process's next tries are refused there without a message
        // each, and those already in flight are told once.
        if (eventKind is KernelConnectGuard.EventBlocked or KernelConnectGuard.EventDatagram)
        {
            var key = new ProcessTable.ConnectKey(tgid, kernel.Generation(tgid), e.Address, (int)e.Port);
            if (trust.Processes.TryGetConnect(key, out bool allowed) && !allowed) return;
            trust.RememberConnect(key, false);
        }
        // The kernel refused at once and tells us after: a process that ended in between (a script's
        // last send) cannot be told, so its thread group, else the person's terminal, gets the line.
        if (!notifier.Write(pid, line) && (tgid == pid || !notifier.Write(tgid, line))) log.WriteLine(line);
        recorder.Record(d, pid, cmdline, null, AuditSyscall.Connect, AuditOutcome.Blocked);
    }
}
