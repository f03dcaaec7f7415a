using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>Everything that decides for one run, built in dependency order once the agent's
/// listener is in hand: the registry of pauses, the control socket, then the run's one
/// <see cref="TreeSession"/> (trust, answers, handlers and the loop). Each part gets what it needs
/// in its constructor; nothing is wired afterwards.</summary>
internal sealed class Supervision : IDisposable
{
    private readonly PendingRegistry _registry;
    private readonly ControlServer _control;
    private volatile bool _disposed;
    private readonly TreeSession _tree;
    private readonly string? _runId;

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
    /// <param name="authority">The run's CA (the tree was told to trust it), or null: TLS is not terminated.</param>
    public Supervision(RunOptions o, int listener, string runId, (int ProcessGroup, (ulong, ulong)? Executable, int AgentPid) self,
        IAddressEnvironments addresses, ExecutableIdentity identity, KernelConnectGuard? kernel, Func<int, bool> inTree,
        TreeSetUp tree, ControlEndpoint control, Wire.Tls.RunAuthority? authority = null)
    {
        _registry = new PendingRegistry(o.Pause ?? o.Policy.Pause);
        try
        {
            var info = new SessionInfo(runId, o.Command, DateTimeOffset.UtcNow, self.AgentPid);
            _runId = runId;
            _control = new ControlServer(control, runId, o.Command, _registry, inTree, o.Log, () => [info]);
            var me = new SelfIdentity(self.ProcessGroup, self.Executable, _control.Identity, self.AgentPid) { TreeHasOwnPids = tree.OwnPidNamespace };
            _tree = new TreeSession(o, listener, info, _registry, me, addresses, identity, kernel,
                o.Quiet ? null : i => PauseNotice.Print(i, o.Log), ended: _received.Set, tree: tree, authority: authority);
            // PERF: a sleeping thread of its own (Interop.Threads), not a Timer (see HeapTrim).
            Interop.Threads.StartBackground("tree-prune", () =>
            {
                while (true)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(10));
                    if (_disposed) return;
                    _tree.Prune();
                }
            });
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
    public void Start(int threads) => _tree.Start(threads);

    private readonly ManualResetEventSlim _received = new(false);

    /// <summary>Waits (at most <paramref name="timeout"/>) until every receiving thread has ended,
    /// which they do once the tree is gone, after writing the audit record of the last decision
    /// each made (it is written after the answer): a run that exits at once loses the record of the
    /// refusal that ended its agent (seen under load: ProtectedFilesTests, 1 of 2 rows written).</summary>
    public bool WaitForReceivers(TimeSpan timeout) => _received.Wait(timeout);

    /// <summary>Stops the gate, the control socket, the pause timer and the prune timer.</summary>
    public void Dispose()
    {
        _disposed = true;
        // What still waits ends as "process gone" while the tree still records it: a run can end
        // before the pause timer has seen a held process die, and its audit row must not be lost.
        if (_runId != null) _registry.EndSession(_runId);
        _tree?.Dispose();
        _control?.Dispose();
        _registry.Dispose();
    }
}
