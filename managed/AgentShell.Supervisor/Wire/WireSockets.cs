using System.Net;
using System.Net.Sockets;

namespace AgentShell.Supervisor.Wire;

/// <summary>Socket chores of the wire layer: connecting upstream, telling whether a client is
/// still there, and copying bytes both ways once a connection needs no more decisions. Every
/// socket here stays in blocking mode (no async call is ever made on it): a blocking read wakes
/// its thread directly, where .NET's async path adds the socket engine's and the thread pool's hops.</summary>
internal static class WireSockets
{
    /// <summary>How long a connect to the destination may take.</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A TCP connection to <paramref name="destination"/>; throws <see cref="WireUpstreamException"/>.</summary>
    internal static Socket Connect(IPEndPoint destination, TaskCredentials? owner = null)
    {
        Socket s;
        try { s = UpstreamOwner.NewTcp(destination.AddressFamily, owner); }
        catch (SocketException e) { throw new WireUpstreamException($"{destination}: a socket could not be made as the process's user ({e.SocketErrorCode})", e); }
        s.NoDelay = true;
        try
        {
            // A blocking connect gives up after SO_SNDTIMEO (connect(2)); cleared once connected.
            s.SendTimeout = (int)ConnectTimeout.TotalMilliseconds;
            s.Connect(destination);
            s.SendTimeout = 0;
            return s;
        }
        catch (SocketException e)
        {
            s.Dispose();
            throw new WireUpstreamException($"{destination} cannot be reached: {e.SocketErrorCode}", e);
        }
    }

    /// <summary>True while the peer has not closed or reset <paramref name="s"/> (bytes waiting count as open).</summary>
    internal static bool IsOpen(Socket s)
    {
        try { return !s.SafeHandle.IsClosed && (!s.Poll(0, SelectMode.SelectRead) || s.Available > 0); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
    }

    /// <summary>Copies both ways until both directions are done (the other direction on a thread of
    /// its own); a failure on one side ends both. Disposes both streams.</summary>
    internal static void Pipe(Stream client, Stream upstream)
    {
        var back = WireThreads.Run(() => { Copy(upstream, client); return true; });
        Copy(client, upstream);
        back.GetAwaiter().GetResult();
        client.Dispose();
        upstream.Dispose();
    }

    private static void Copy(Stream from, Stream to)
    {
        var buf = new byte[16384];
        try
        {
            int n;
            while ((n = from.Read(buf)) > 0) to.Write(buf, 0, n);
            ShutdownSend(to);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // One side failed or went away: end both (closing cannot let anything through).
            Abort(to);
            Abort(from);
        }
    }

    /// <summary>Half-closes the sending side of <paramref name="s"/> (a FIN, or TLS close_notify), as the peer did to us.</summary>
    internal static void ShutdownSend(Stream s)
    {
        try
        {
            switch (Inner(s))
            {
                case NetworkStream ns: ns.Socket.Shutdown(SocketShutdown.Send); break;
                case System.Net.Security.SslStream ssl: ssl.ShutdownAsync().GetAwaiter().GetResult(); break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already closed: nothing more can be sent either way.
        }
    }

    /// <summary>Resets the connection under <paramref name="s"/> (RST), or closes it.</summary>
    internal static void Abort(Stream s)
    {
        try
        {
            // Inside TLS the socket is out of reach: that side is closed rather than reset.
            if (Inner(s) is NetworkStream ns) ns.Socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone: the dispose below is all there is to do.
        }
        s.Dispose();
    }

    private static Stream Inner(Stream s) => s is ReplayStream r ? Inner(r.Inner) : s;
}
