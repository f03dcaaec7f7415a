using AgentShell.Core.Classification;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>One supervised tree: its listener, what the tree is trusted with, the answers to its
/// held notifications, its audit records, the handlers of each kind of notification and the loop
/// that receives them. A run has one; a daemon has one per session, all sharing the policy, the
/// pause registry (each item scoped to its tree), the audit log and the control socket. Each part
/// gets what it needs in its constructor; nothing is wired afterwards.</summary>
internal sealed class TreeSession : IDisposable
{
    private readonly PendingRegistry _registry;
    private readonly Action<PendingItem> _answering, _resolved, _paused;
    private readonly TrustLedger _trust;
    private readonly KernelConnectGuard? _kernel;
    private readonly ConnectGate? _gate;
    private readonly NotificationLoop _loop;
    private readonly VerifiedExecs _verified;
    private readonly Wire.WireLayer? _wire;
    private readonly MissingFileWatches _watches;
    private readonly CommandServers? _servers;
    private readonly AuditRecorder _recorder;
    private readonly TreeRootDirectory? _root;

    /// <summary>Wires one tree's parts.</summary>
    /// <param name="o">The options of the run (or daemon): policy, audit log, decider, log.</param>
    /// <param name="listener">The tree's seccomp listener (owned by the caller, open until <paramref name="ended"/>).</param>
    /// <param name="info">The tree's id, command, start and top pid (audit records, process chains).</param>
    /// <param name="registry">The pause registry; shared by a daemon's sessions.</param>
    /// <param name="me">The supervisor's own identity, protected from the tree.</param>
    /// <param name="addresses">Which environment an address is in.</param>
    /// <param name="identity">Recognises known clients by content.</param>
    /// <param name="kernel">Root mode's connect programs, or null.</param>
    /// <param name="paused">Told of each new pause of this tree (the one-line notice), or null.</param>
    /// <param name="ended">Runs once the tree is gone and the loop has stopped using the listener.</param>
    /// <param name="tree">How the launcher set the tree up (its mount namespace and root, its pid
    /// namespace, whether its non-dumpable processes are reachable); default: nothing known.</param>
    /// <param name="authority">The run's CA, which the tree was told to trust, or null: TLS to production is not terminated.</param>
    /// <param name="ownsAuthority">The session disposes <paramref name="authority"/> (false: a daemon's, shared).</param>
    public TreeSession(RunOptions o, int listener, SessionInfo info, PendingRegistry registry, SelfIdentity me,
        IAddressEnvironments addresses, ExecutableIdentity identity, KernelConnectGuard? kernel, Action<PendingItem>? paused, Action? ended = null,
        TreeSetUp? tree = null, Wire.Tls.RunAuthority? authority = null, bool ownsAuthority = true)
    {
        Info = info;
        _registry = registry;
        _kernel = kernel;
        var notifier = new BlockNotifier();
        tree ??= TreeSetUp.None;
        // The process that installed the filter has the tree's root (it has run nothing yet).
        _root = tree.Root is { } r && tree.Roots.Count > 0 ? TreeRootDirectory.Open(tree.Roots[0], r) : null;
        _watches = new MissingFileWatches(_root);
        // Before the tree runs anything: the listed sockets as they are at its start.
        _servers = CommandServers.Create(o.Policy.Network, tree.Tasks);
        // Trust asks whether an exec's process is still in the tree's root: not looked at while none has left it.
        var treeRoot = tree.Root is { } theRoot && _root != null ? theRoot with { Directory = _root } : tree.Root;
        _trust = new TrustLedger(o.Policy, identity, kernel, treeRoot, o.Log) { Clis = _servers?.Clis };
        var recorder = _recorder = new AuditRecorder(o.Audit, info.Id, info.Pid, o.Log, o.Telemetry);
        var telemetry = o.Telemetry;
        _verified = new VerifiedExecs(kernel, _trust, notifier, recorder, o.Log) { Sealable = tree.CanSeal, Tree = tree.Tasks, Clis = _servers?.Clis };
        var held = new HeldNotifications(listener, _trust, _verified, notifier, o.Log);
        var scope = new PendingScope(info.Id, held);
        // The registry may be shared: each tree acts only on its own items.
        _answering = i => { if (i.Session == info.Id) held.ApplyAnswer(i); };
        _resolved = i => { if (i.Session == info.Id) { telemetry?.PauseClosed(i, info.Id); recorder.RecordAnswered(i); } };
        _paused = i => { if (i.Session == info.Id) { telemetry?.PauseOpened(i, info.Id); paused?.Invoke(i); } };
        registry.Answering += _answering;
        registry.Resolved += _resolved;
        registry.Paused += _paused;
        try
        {
            var servers = _servers;
            var decider = o.Decider ?? new ExecDecider(new CommandClassifier(o.Policy.Tools), o.Policy, identity, me.Executable,
                servers != null ? servers.AnyOutside : null);
            var unknown = new UnknownClients(o.Policy, registry, scope, me);
            _wire = new Wire.WireLayer(o.Policy, authority, new Wire.WireDecisions(o.Policy, registry, scope, held, notifier, recorder, info.Pid, o.Log),
                new Wire.WireFallback(_trust, unknown, held, notifier, recorder), notifier, o.Log, ownsAuthority);
            _loop = new NotificationLoop(listener,
                new ExecNotifications(listener, decider, _trust, registry, scope, held, _verified, notifier, me, _root),
                new ConnectNotifications(listener, addresses, kernel, _trust, unknown, held, notifier, me, _wire, o.Log, _root,
                    _servers),
                new DatagramSends(listener, addresses, _trust, unknown, notifier, _wire),
                new RootChanges(tree.Root, notifier, _root),
                new SignalProtection(me, notifier),
                recorder, _watches, o.Log, ended);
            if (kernel != null)
                _gate = RootMode.Connect(kernel, new GatedConnects(addresses, kernel, _trust, unknown, held, notifier, recorder, _wire, o.Log), _verified,
                    (AddressEnvironments)addresses, o.Policy, [info.Pid, .. tree.Roots], o.Log);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The tree's id, command, start and top pid.</summary>
    public SessionInfo Info { get; }

    /// <summary>Starts <paramref name="threads"/> receiving threads.</summary>
    public void Start(int threads) => _loop.Start(threads);

    /// <summary>Forgets processes that have exited (called every few seconds).</summary>
    public void Prune()
    {
        _trust.Processes.Prune();
        _servers?.Clis.Prune();
        _verified.Prune();
        _kernel?.ReclaimStaleSlots();
    }

    /// <summary>Stops the gate and the wire layer, closes the watches of the tree's roots and the
    /// pidfds of the audit chains' ancestors, and leaves the registry: later pauses of other trees
    /// are not ours.</summary>
    public void Dispose()
    {
        _gate?.Dispose();
        _wire?.Dispose();
        _watches.Dispose();
        _servers?.Dispose();
        _registry.Answering -= _answering;
        _registry.Resolved -= _resolved;
        _registry.Paused -= _paused;
        _recorder.Dispose();
        _root?.Dispose();
    }
}
