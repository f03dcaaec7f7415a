using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>Root mode's set-up: the kernel's connect programs loaded (or why not), then the gate
/// started and the kernel's maps filled, before the agent's launcher is told to go.</summary>
internal static class RootMode
{
    private const string Production = "production";

    /// <summary>Loads the connect programs unless connects are to be decided by seccomp; null when
    /// they are not used. <paramref name="error"/>: the run must not start (--connect-guard kernel).</summary>
    public static KernelConnectGuard? TryStart(RunOptions o, IAddressEnvironments addresses, out string? error) =>
        TryStart(o, addresses, out error, out _);

    /// <summary>As above; <paramref name="whyNot"/> says why the programs are not used (null when they are).</summary>
    public static KernelConnectGuard? TryStart(RunOptions o, IAddressEnvironments addresses, out string? error, out string? whyNot)
    {
        error = null;
        whyNot = "--connect-guard seccomp";
        if (o.ConnectGuard == ConnectGuardMode.Seccomp) return null;
        string reason = "a custom address map cannot be copied into the kernel";
        if (addresses is AddressEnvironments
            && KernelConnectGuard.TryCreate(o.BpfObjectPath ?? KernelConnectGuard.DefaultObjectPath(o.LauncherPath), out reason, o.Preload) is { } guard)
        {
            whyNot = null;
            // A pool entry that did not check out: not used, but someone or something changed it.
            if (o.Preload?.Discarded is string discarded)
                o.Log.WriteLine($"agentshell: warning: a pre-loaded set of connect programs was discarded ({discarded}); this run loaded its own");
            return guard;
        }
        whyNot = reason;
        if (o.ConnectGuard == ConnectGuardMode.Kernel) error = $"--connect-guard kernel: {reason}";
        // Auto as root: say why every connect will cost a round trip; as a user this is expected.
        else if (Interop.Process.GetEffectiveUid() == 0 && !o.Quiet) o.Log.WriteLine($"agentshell: connects are decided by seccomp notification ({reason})");
        return null;
    }

    /// <summary>The gate, the kernel's maps filled, the agent's launcher (and the tree's init, forked
    /// by it before the programs knew the launcher) made the tree's first tasks.</summary>
    public static ConnectGate Connect(KernelConnectGuard kernel, GatedConnects gated, VerifiedExecs verified, AddressEnvironments addresses, Policy policy,
        IReadOnlyList<int> roots, TextWriter log)
    {
        var gate = new ConnectGate(kernel, gated.Gated, log);
        gate.Start();
        // The kernel settles untrusted connects by the profile's action alone, but it does not know the
        // profile's named clients: with some named for production, a block goes to the gate too, where
        // a named client is let through (TrustLedger.Settle) and any other program is still blocked.
        var unknownAction = policy.Network.UnknownClientToProduction;
        if (unknownAction == PolicyAction.Block && policy.Network.Clients.TryGetValue(Production, out var named) && named.Count > 0)
            unknownAction = PolicyAction.Pause;
        kernel.Configure(gate.Port, unknownAction, wire: !policy.WireFor(Production).Off);
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
                log.WriteLine($"agentshell: production addresses could not be copied into the kernel ({e.Message}); every connect is decided by the supervisor");
                try { kernel.SetReady(false); }
                catch (Exception)
                {
                    // The kernel refused even that: the tree cannot stay guarded, so it ends.
                    log.WriteLine("agentshell: the kernel's connect configuration cannot be updated; stopping the supervised tree");
                    TreeTeardown.TryKillKernelTree(kernel);
                }
            }
        }
        addresses.Published += Publish;
        // Resolved while the programs loaded (usually done by now): until then the kernel would
        // have to refuse every datagram of the tree, since it cannot hold one at the gate.
        addresses.WaitUntilReady();
        Publish(); // the first resolution may have finished before the subscription
        kernel.StartEvents(e =>
        {
            if (e.Kind == KernelConnectGuard.EventExecChanged) verified.KernelKilled(e, "its arguments, environment or program changed");
            else if (e.Kind == KernelConnectGuard.EventExecTraced) verified.KernelKilled(e, "another process traces it");
            else if (e.Kind == KernelConnectGuard.EventControlSocket) gated.ControlSocketRefused(e);
            else if (e.Kind == KernelConnectGuard.EventUnixUnseen) gated.UnixUnseenRefused(e);
            else if (e.Kind is KernelConnectGuard.EventTrustedDatagram or KernelConnectGuard.EventDatagram) gated.FirstDatagram(e);
            else gated.KernelRefused(e);
        });
        foreach (int pid in roots.Distinct()) kernel.AddTreeRoot(pid);
        return gate;
    }
}
