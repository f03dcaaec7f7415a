using AgentShell.Core.Classification;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>Everything that decides for one run, built in dependency order once the agent's
/// listener is in hand: what the tree is trusted with, the answers to held notifications, the
/// registry of pauses (which answers through them), the control socket, then the handlers of each
/// kind of notification and the loop that receives them. Each part gets what it needs in its
/// constructor; nothing is wired afterwards.</summary>
internal sealed class Supervision : IDisposable
{
    private readonly PendingRegistry _registry;
    private readonly ControlServer _control;
    private readonly Timer _prune;
    private readonly ConnectGate? _gate;
    private readonly NotificationLoop _loop;

    /// <summary>Wires the run's parts.</summary>
    /// <param name="o">The run's options.</param>
    /// <param name="listener">The seccomp listener (owned by the caller).</param>
    /// <param name="runId">Id of the run (audit records, control socket name).</param>
    /// <param name="self">Our process group and executable; the agent's pid.</param>
    /// <param name="addresses">Which environment an address is in.</param>
    /// <param name="identity">Recognises known clients by content.</param>
    /// <param name="kernel">Root mode's connect programs, or null.</param>
    /// <param name="inTree">True for a pid of the supervised tree (refused by the control socket).</param>
    /// <param name="tree">How the tree was set up: its mount namespace and root, whether it has a
    /// pid namespace of its own, whether the supervisor can reach its non-dumpable processes.</param>
    /// <param name="control">The control socket, bound before the tree started.</param>
    public Supervision(RunOptions o, int listener, string runId, (int ProcessGroup, (ulong, ulong)? Executable, int AgentPid) self,
        IAddressEnvironments addresses, ExecutableIdentity identity, KernelConnectGuard? kernel, Func<int, bool> inTree,
        TreeSetUp tree, ControlEndpoint control)
    {
        var notifier = new BlockNotifier();
        var trust = new TrustLedger(o.Policy, identity, kernel, tree.Root, o.Log);
        var recorder = new AuditRecorder(o.Audit, runId, self.AgentPid, o.Log);
        var verified = new VerifiedExecs(kernel, trust, notifier, recorder, o.Log) { Sealable = tree.CanSeal };
        var held = new HeldNotifications(listener, trust, verified, notifier, o.Log);
        _registry = new PendingRegistry(held, o.Pause ?? o.Policy.Pause);
        try
        {
            _registry.Answering += held.ApplyAnswer;
            _registry.Resolved += recorder.RecordAnswered;
            _prune = new Timer(_ =>
            {
                trust.Processes.Prune();
                verified.Prune();
                kernel?.ReclaimStaleSlots();
            }, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
            _control = new ControlServer(control, runId, o.Command, _registry, inTree, o.Log);
            if (!o.Quiet) _registry.Paused += i => PauseNotice.Print(i, o.Log);
            var me = new SelfIdentity(self.ProcessGroup, self.Executable, _control.Identity, self.AgentPid) { TreeHasOwnPids = tree.OwnPidNamespace };
            var decider = o.Decider ?? new ExecDecider(new CommandClassifier(o.Policy.Tools), o.Policy, identity, me.Executable);
            var unknown = new UnknownClients(o.Policy, _registry, me);
            _loop = new NotificationLoop(listener,
                new ExecNotifications(listener, decider, trust, _registry, held, verified, notifier, me),
                new ConnectNotifications(listener, addresses, kernel, trust, unknown, notifier, me, o.Log),
                new DatagramSends(listener, addresses, trust, unknown, notifier),
                new RootChanges(tree.Root, notifier),
                new SignalProtection(me, notifier),
                recorder, o.Log);
            if (kernel != null)
                _gate = RootMode.Connect(kernel, new GatedConnects(addresses, kernel, trust, unknown, held, notifier, recorder, o.Log), verified,
                    (AddressEnvironments)addresses, o.Policy, [self.AgentPid, .. tree.Roots], o.Log);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Path of the run's control socket.</summary>
    public string ControlSocketPath => _control.Path;

    /// <summary>Starts <paramref name="threads"/> receiving threads.</summary>
    public void Start(int threads) => _loop.Start(threads);

    /// <summary>Stops the gate, the control socket, the pause timer and the prune timer.</summary>
    public void Dispose()
    {
        _gate?.Dispose();
        _control?.Dispose();
        _prune?.Dispose();
        _registry.Dispose();
    }
}
