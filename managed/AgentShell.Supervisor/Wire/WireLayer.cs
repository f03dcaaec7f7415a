using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Wire;

/// <summary>The wire layer of one run: what decides production connections by what they send.
/// Built with the run, started at the first production connection (the protocol handlers, the
/// dispatcher and, in seccomp mode, the listener), so a run that never reaches production pays
/// nothing. Root mode hands it the connections its gate holds; seccomp mode connects processes to
/// its <see cref="Listener"/>.</summary>
internal sealed class WireLayer(Policy policy, RunAuthority? authority, WireDecisions decisions, WireFallback fallback, BlockNotifier notifier, TextWriter log,
    bool ownsAuthority = true)
    : IDisposable
{
    private const string Production = "production";
    private readonly Lock _gate = new();
    private WireDispatcher? _dispatcher;
    private WireListener? _listener;

    /// <summary>True when connections to <paramref name="environment"/> are terminated: production,
    /// unless its profile switched both protocols off.</summary>
    public bool Takes(string environment) => environment == Production && !policy.WireFor(environment).Off;

    /// <summary>Serves a terminated connection on a thread of its own (blocking I/O: the fastest
    /// path on Linux, and a pause simply waits there).</summary>
    public void Serve(WireConnection c)
    {
        // PERF: no Nagle on the client's leg (the gate's accepted socket has it on): a handshake's
        // or a response's second small write would wait for the delayed ACK of the first (40 ms).
        c.Socket.NoDelay = true;
        var dispatcher = Dispatcher;
        WireThreads.Run(() => dispatcher.Serve(c));
    }

    /// <summary>Seccomp mode's listener (started on first use).</summary>
    public WireListener Listener
    {
        get
        {
            if (Volatile.Read(ref _listener) is { } l) return l;
            lock (_gate) return _listener ??= new WireListener(c => Dispatcher.Serve(c), log);
        }
    }

    /// <summary>True for the listener's address and port (once started): refused to the tree.</summary>
    public bool IsListener(Address16 address, int port) => Volatile.Read(ref _listener) is { } l && l.IsListener(address, port);

    private WireDispatcher Dispatcher
    {
        get
        {
            if (Volatile.Read(ref _dispatcher) is { } d) return d;
            lock (_gate)
            {
                // The first connection served: the CA's signing half (OpenSSL) loads now, ahead of its handshake.
                if (_dispatcher == null) authority?.WarmInBackground(log);
                return _dispatcher ??= new WireDispatcher(WireProtocols.Create(), policy, decisions, fallback,
                    authority != null ? new TlsTermination(authority) : null, notifier, log);
            }
        }
    }

    public void Dispose()
    {
        _listener?.Dispose();
        decisions.Dispose();
        if (ownsAuthority) authority?.Dispose(); // a daemon's serves every session, and outlives each
    }
}
