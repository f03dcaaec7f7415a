using System.Net;
using System.Net.Sockets;

namespace AgentShell.Supervisor.Network;

/// <summary>A connect the kernel handed to the gate. The process's socket is connected to the
/// supervisor; nothing has reached <see cref="Destination"/>.</summary>
internal sealed class GatedConnection(Socket client, KernelConnectGuard.Slot slot)
{
    internal Socket Client { get; } = client;
    internal KernelConnectGuard.Slot Slot { get; } = slot;
    internal int Tgid => (int)Slot.Tgid;
    internal int Tid => (int)Slot.Tid;
    internal int Port => (int)Slot.Port;
    internal Address16 Address => Slot.Address;

    /// <summary>Where the process meant to connect.</summary>
    internal IPEndPoint Destination => new(Address.ToIPAddress(), Port);
}

/// <summary>Where the kernel redirects a TCP connect that needs a person (root mode): a loopback
/// listener on 127.254.0.0/16, the slot number in the low 16 bits of the address it was reached
/// on. A connect that is approved is proxied to its destination; one that is refused is reset, so
/// the process reads ECONNRESET and nothing reaches the destination.</summary>
internal sealed class ConnectGate : IDisposable
{
    private readonly Socket _listener;
    private readonly KernelConnectGuard _guard;
    private readonly Action<GatedConnection> _onConnection;
    private readonly TextWriter _log;
    private volatile bool _stopping;

    /// <summary>The port the kernel redirects to.</summary>
    internal int Port { get; }

    internal ConnectGate(KernelConnectGuard guard, Action<GatedConnection> onConnection, TextWriter log)
    {
        _guard = guard;
        _onConnection = onConnection;
        _log = log;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Any address (the whole 127.254/16 range) but only on the loopback device: nothing from
        // another host can reach the gate.
        _listener.SetRawSocketOption(1 /* SOL_SOCKET */, 25 /* SO_BINDTODEVICE */, "lo\0"u8);
        _listener.Bind(new IPEndPoint(IPAddress.Any, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    // PERF: Interop.Threads, not Thread.Start (which spins until the new thread runs): root mode's start.
    internal void Start() => Interop.Threads.StartBackground("connect-gate", AcceptLoop);

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket c;
            try { c = _listener.Accept(); }
            catch (Exception) when (_stopping) { return; }
            catch (SocketException e)
            {
                // Out of fds, say: nothing was accepted, so nothing was let through; do not spin.
                _log.WriteLine($"agentshell: connect gate: accept failed: {e.SocketErrorCode}");
                Thread.Sleep(50);
                continue;
            }
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Item1.Admit(s.c), (this, c), preferLocal: false);
        }
    }

    private void Admit(Socket c)
    {
        try
        {
            var local = (IPEndPoint)c.LocalEndPoint!;
            var b = local.Address.MapToIPv4().GetAddressBytes();
            uint a = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
            int n = (int)(a & ~KernelConnectGuard.GateMask);
            // Only a connect the kernel redirected, and each slot once: anything else is refused.
            if ((a & KernelConnectGuard.GateMask) != KernelConnectGuard.GateNetwork || !_guard.TryTakeSlot(n, out var slot))
            {
                Reset(c);
                return;
            }
            _onConnection(new GatedConnection(c, slot));
        }
        catch (Exception e)
        {
            _log.WriteLine($"agentshell: connect gate: {e.Message}; connection refused");
            Reset(c);
        }
    }

    /// <summary>Refuses a gated connection: an RST, so the process reads ECONNRESET.</summary>
    internal static void Reset(Socket s)
    {
        try { s.LingerState = new LingerOption(true, 0); }
        catch (SocketException) { } // already reset by the peer: the close below still ends it
        s.Dispose();
    }

    /// <summary>Connects to the destination the process asked for and copies bytes both ways until
    /// both sides are done. A destination that cannot be reached resets the process's connection.</summary>
    internal static void Proxy(GatedConnection g, TextWriter log)
    {
        _ = ProxyAsync(g, log);
    }

    private static async Task ProxyAsync(GatedConnection g, TextWriter log)
    {
        var dest = g.Destination;
        // Made as the process's own socket (UpstreamOwner), before the first await: on this thread.
        var owner = UpstreamOwner.For(g.Tid, g.Tgid, out bool unknown);
        Socket upstream;
        try
        {
            if (unknown) throw new SocketException((int)SocketError.AccessDenied);
            upstream = UpstreamOwner.NewTcp(dest.AddressFamily, owner);
        }
        catch (SocketException)
        {
            log.WriteLine($"agentshell: connect gate: pid {g.Tid}'s connection to {dest} reset: its socket could not be made as its user");
            Reset(g.Client);
            return;
        }
        upstream.NoDelay = true;
        try
        {
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                await upstream.ConnectAsync(dest, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            upstream.Dispose();
            Reset(g.Client);
            return;
        }
        g.Client.NoDelay = true;
        try
        {
            await Task.WhenAll(Pump(g.Client, upstream), Pump(upstream, g.Client)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            log.WriteLine($"agentshell: connect gate: proxy to {dest} ended: {e.Message}");
        }
        finally
        {
            g.Client.Dispose();
            upstream.Dispose();
        }
    }

    private static async Task Pump(Socket from, Socket to)
    {
        var buf = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buf, SocketFlags.None).ConfigureAwait(false)) > 0)
                await to.SendAsync(buf.AsMemory(0, n), SocketFlags.None).ConfigureAwait(false);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception) when (from.SafeHandle.IsClosed || to.SafeHandle.IsClosed)
        {
            // The other direction ended the connection: nothing left to copy.
        }
        catch (SocketException)
        {
            // One side reset: reset the other too (closing is all that is left; it cannot fail open).
            try { to.LingerState = new LingerOption(true, 0); to.Close(); } catch (Exception) { }
            try { from.Close(); } catch (Exception) { }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Dispose();
    }
}
