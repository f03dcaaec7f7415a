using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Wire;

/// <summary>Seccomp mode's end of the wire: loopback listeners (127.0.0.1, and ::1 for IPv6-only
/// sockets) that the supervisor connects a process's socket to, on its behalf, instead of the
/// production address it asked for. Each connection is known by the process socket's own address
/// (<see cref="Place"/>, right after the connect), which says where it was going and who opened
/// it. A connection nobody placed (a process of the tree connecting by itself is refused at
/// connect; anything else on this machine) is reset without a byte read.</summary>
internal sealed class WireListener : IDisposable
{
    /// <summary>How long an accepted connection waits for its placement (the connect returns
    /// before the supervisor has looked up the address the kernel gave the socket).</summary>
    private static readonly TimeSpan PlacementWait = TimeSpan.FromSeconds(1);

    private readonly Socket _v4;
    private readonly Socket? _v6;
    private readonly Action<WireConnection> _serve;
    private readonly TextWriter _log;
    private readonly ConcurrentDictionary<(Address16, int), (WireConnectionFacts Facts, long At)> _placed = new();
    private volatile bool _stopping;

    /// <summary>Where a placed connection was going and who opened it.</summary>
    internal sealed record WireConnectionFacts(IPEndPoint Destination, string Environment, WireClient Client);

    /// <param name="serve">Serves one connection on the calling thread (the connection's own).</param>
    /// <param name="log">The supervisor's log.</param>
    internal WireListener(Action<WireConnection> serve, TextWriter log)
    {
        _serve = serve;
        _log = log;
        _v4 = Listen(new IPEndPoint(IPAddress.Loopback, 0));
        if (Socket.OSSupportsIPv6)
        {
            try { _v6 = Listen(new IPEndPoint(IPAddress.IPv6Loopback, 0)); }
            catch (SocketException) { _v6 = null; } // no ::1 here: an IPv6-only socket to production is refused at connect
        }
        Port4 = ((IPEndPoint)_v4.LocalEndPoint!).Port;
        Port6 = _v6 != null ? ((IPEndPoint)_v6.LocalEndPoint!).Port : 0;
        StartAccepting(_v4);
        if (_v6 != null) StartAccepting(_v6);
    }

    /// <summary>The IPv4 listener's port (on 127.0.0.1).</summary>
    internal int Port4 { get; }

    /// <summary>The IPv6 listener's port (on ::1), or 0.</summary>
    internal int Port6 { get; }

    private static Socket Listen(IPEndPoint at)
    {
        var s = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (at.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = false;
            s.SetRawSocketOption(1 /* SOL_SOCKET */, 25 /* SO_BINDTODEVICE */, "lo\0"u8);
            s.Bind(at);
            s.Listen(512);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>True for an address and port of these listeners (any loopback address on their
    /// ports: refused to the tree, as the gate's range is).</summary>
    internal bool IsListener(Address16 address, int port) => address.IsLoopback && port != 0 && (port == Port4 || port == Port6);

    /// <summary>Writes the sockaddr a socket of <paramref name="family"/> connects to reach us
    /// (IPv4, v4-mapped for a dual-stack IPv6 socket, ::1 for an IPv6-only one); its length, or 0
    /// when there is no listener it can reach.</summary>
    internal int Sockaddr(int family, bool v6Only, Span<byte> into)
    {
        into.Clear();
        if (family == Interop.Sockets.AF_INET)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(into, (ushort)family);
            BinaryPrimitives.WriteUInt16BigEndian(into[2..], (ushort)Port4);
            into[4] = 127; into[7] = 1;
            return 16;
        }
        if (family != Interop.Sockets.AF_INET6 || v6Only && Port6 == 0) return 0;
        BinaryPrimitives.WriteUInt16LittleEndian(into, (ushort)family);
        BinaryPrimitives.WriteUInt16BigEndian(into[2..], (ushort)(v6Only ? Port6 : Port4));
        if (v6Only) into[8 + 15] = 1; // ::1
        else { into[8 + 10] = 0xff; into[8 + 11] = 0xff; into[8 + 12] = 127; into[8 + 15] = 1; } // ::ffff:127.0.0.1
        return 28;
    }

    /// <summary>Writes the address a socket of <paramref name="family"/> binds to before it connects
    /// to us (loopback, port 0: the kernel picks one), so it can be placed before it connects.</summary>
    internal static int BindSockaddr(int family, bool v6Only, Span<byte> into)
    {
        into.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(into, (ushort)family);
        if (family == Interop.Sockets.AF_INET) { into[4] = 127; into[7] = 1; return 16; }
        if (v6Only) into[8 + 15] = 1;
        else { into[8 + 10] = 0xff; into[8 + 11] = 0xff; into[8 + 12] = 127; into[8 + 15] = 1; }
        return 28;
    }

    /// <summary>Records a connection the supervisor makes to us: <paramref name="sockname"/> is the
    /// process socket's own address (getsockname, before the connect when it has its port).</summary>
    internal void Place(ReadOnlySpan<byte> sockname, WireConnectionFacts facts)
    {
        if (Key(sockname) is not { } key) return;
        long now = Environment.TickCount64;
        _placed[key] = (facts, now);
        // A connect that never reached accept (it failed after EINPROGRESS): forget it after a minute.
        if (_placed.Count > 256)
            foreach (var kv in _placed)
                if (now - kv.Value.At > 60_000) _placed.TryRemove(kv.Key, out _);
    }

    /// <summary>Forgets a placement whose connect failed.</summary>
    internal void Unplace(ReadOnlySpan<byte> sockname)
    {
        if (Key(sockname) is { } key) _placed.TryRemove(key, out _);
    }

    private static (Address16, int)? Key(ReadOnlySpan<byte> sa)
    {
        int family = sa.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(sa) : 0;
        if (family == Interop.Sockets.AF_INET && sa.Length >= 8) return (Address16.From(sa.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sa[2..]));
        if (family == Interop.Sockets.AF_INET6 && sa.Length >= 24) return (Address16.From(sa.Slice(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(sa[2..]));
        return null;
    }

    private void StartAccepting(Socket listener) => WireThreads.Run(() => AcceptOne(listener));

    /// <summary>Accepts one connection, hands accepting on to a new thread, and serves the
    /// connection on this one. PERF: the connection waits for one thread to wake (this one), not
    /// for a second one to be made and scheduled (under load, milliseconds each).</summary>
    private void AcceptOne(Socket listener)
    {
        Socket c;
        while (true)
        {
            try { c = listener.Accept(); break; }
            catch (Exception) when (_stopping) { return; }
            catch (SocketException e)
            {
                // Out of fds, say: nothing was accepted, so nothing was let through; do not spin.
                _log.WriteLine($"agentshell: wire listener: accept failed: {e.SocketErrorCode}");
                Thread.Sleep(50);
            }
        }
        StartAccepting(listener);
        Admit(c);
    }

    private void Admit(Socket c)
    {
        try
        {
            var peer = (IPEndPoint)c.RemoteEndPoint!;
            Span<byte> bytes = stackalloc byte[16];
            peer.Address.TryWriteBytes(bytes, out int n);
            var key = (Address16.From(bytes[..n]), peer.Port);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            (WireConnectionFacts Facts, long At) placed;
            // Placed before its connect in the common case; after it (a socket bound without a port) within microseconds.
            for (int i = 0; !_placed.TryRemove(key, out placed); i++)
            {
                if (waited.Elapsed > PlacementWait) { ConnectGate.Reset(c); return; } // nobody placed it
                if (i < 50) Thread.Yield(); else Thread.Sleep(1);
            }
            c.NoDelay = true;
            _serve(new WireConnection(c, placed.Facts.Destination, placed.Facts.Environment, placed.Facts.Client)); // on this thread
        }
        catch (Exception e)
        {
            _log.WriteLine($"agentshell: wire listener: {e.Message}; connection refused");
            ConnectGate.Reset(c);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _v4.Dispose();
        _v6?.Dispose();
    }
}
