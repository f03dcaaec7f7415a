using System.Net;
using System.Net.Sockets;

namespace AgentShell.Supervisor.Wire;

/// <summary>Socket chores of the wire layer: connecting upstream, telling whether a client is
/// still there, and copying bytes both ways once a connection needs no more decisions.</summary>
internal static class WireSockets
{
    /// <summary>How long a connect to the destination may take.</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A TCP connection to <paramref name="destination"/>; throws <see cref="WireUpstreamException"/>.</summary>
    internal static async Task<Socket> ConnectAsync(IPEndPoint destination, CancellationToken ct)
    {
        var s = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ConnectTimeout);
            await s.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
            return s;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            s.Dispose();
            throw new WireUpstreamException($"{destination} cannot be reached: {(e is SocketException se ? se.SocketErrorCode.ToString() : "timed out")}", e);
        }
    }

    /// <summary>True while the peer has not closed or reset <paramref name="s"/> (bytes waiting count as open).</summary>
    internal static bool IsOpen(Socket s)
    {
        try { return !s.SafeHandle.IsClosed && (!s.Poll(0, SelectMode.SelectRead) || s.Available > 0); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
    }

    /// <summary>Copies both ways until both directions are done; a reset on one side resets the
    /// other. Disposes both streams.</summary>
    internal static async Task PipeAsync(Stream client, Stream upstream, CancellationToken ct = default)
    {
        try
        {
            await Task.WhenAll(CopyAsync(client, upstream, ct), CopyAsync(upstream, client, ct)).ConfigureAwait(false);
        }
        finally
        {
            await client.DisposeAsync().ConfigureAwait(false);
            await upstream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buf = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
                await to.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
            ShutdownSend(to);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side failed or went away: end both (closing cannot let anything through).
            Abort(to);
            Abort(from);
        }
    }

    /// <summary>Half-closes the sending side of <paramref name="s"/> (a FIN), as the peer did to us.</summary>
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
