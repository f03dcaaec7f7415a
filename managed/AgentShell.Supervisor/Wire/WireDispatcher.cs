using System.Net.Security;
using System.Net.Sockets;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Wire;

/// <summary>Serves each terminated connection: reads the client's first bytes (a short wait; a
/// client that says nothing may be waiting for a server that speaks first), recognises TLS, HTTP
/// or PostgreSQL, and hands the connection to its protocol handler; TLS is terminated here with
/// the run's CA and what is inside recognised again. Anything the wire layer does not decide (not
/// recognised, switched off, pinned, a client that does not trust the run CA) gets today's
/// decision (<see cref="WireFallback"/>) and, if allowed, is copied through untouched.</summary>
internal sealed class WireDispatcher(IWireProtocol[] protocols, Policy policy, WireDecisions decisions, WireFallback fallback,
    TlsTermination? tls, BlockNotifier notifier, TextWriter log)
{
    /// <summary>The first read's buffer; grown for a ClientHello that needs more.</summary>
    internal const int SniffBytes = 4096;

    /// <summary>How long the client may stay silent before it is taken for a client of a
    /// server-speaks-first protocol (SSH, SMTP, MySQL) and the connection decided without its bytes.</summary>
    internal static readonly TimeSpan SniffTimeout = TimeSpan.FromMilliseconds(300);

    private readonly PinnedServers _names = new();
    private readonly DistrustingClients _distrust = new(notifier, log);

    private enum Kind { NeedMore, None, Tls, Protocol }

    /// <summary>How many terminated connections the run holds open at once. Each holds a thread
    /// (and two sockets) for its life, and a client that says nothing, or half a request, holds it
    /// as long as it likes: past this, a new one is reset before a byte is read, so a tree that opens
    /// thousands cannot use up the machine's threads (pid_max) or the supervisor's descriptors.</summary>
    internal const int MaxOpenConnections = 1024;

    private int _open;
    private long _lastTold = long.MinValue / 2;

    /// <summary>Serves <paramref name="c"/> to its end, on the calling thread (one per connection);
    /// never throws (a failure resets the client).</summary>
    public void Serve(WireConnection c)
    {
        if (Interlocked.Increment(ref _open) > MaxOpenConnections)
        {
            Interlocked.Decrement(ref _open);
            c.Reset();
            string line = $"agentshell: refused a connection of pid {c.Client.Pid} to {c.Destination} (production): the run already holds {MaxOpenConnections} open production connections, the most the wire layer serves at once; close some first";
            // Once a second to the process: a flood of refusals is not a flood of lines.
            long now = Environment.TickCount64, last = Volatile.Read(ref _lastTold);
            if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastTold, now, last) == last)
            {
                log.WriteLine(line);
                notifier.Write(c.Client.Pid, line);
            }
            return;
        }
        Stream client = new RelayStream(c.Socket);
        try
        {
            Route(c, client);
        }
        catch (Exception e)
        {
            log.WriteLine($"agentshell: wire: connection of pid {c.Client.Pid} to {c.Destination} ended: {e.GetType().Name}: {e.Message}");
            WireSockets.Abort(client);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private void Route(WireConnection c, Stream client)
    {
        var settings = policy.WireFor(c.Environment);
        if (settings.Off || settings.IsPinned(c.Host, c.Destination.Port))
        {
            Pass(c, client, default, null, null);
            return;
        }
        var s = Sniff(client, inner: false, SniffTimeout);
        Socket? upstream = null;
        if (s.Length == 0 && s.TimedOut)
        {
            // Silent client: today's decision, then whoever speaks first says what this is.
            if (!fallback.Allows(c)) { c.Reset(); return; }
            upstream = c.ConnectUpstreamSocket();
            if (!ClientSpeaksFirst(c.Socket, upstream))
            {
                WireSockets.Pipe(client, new RelayStream(upstream));
                return;
            }
            s = Sniff(client, inner: false, Timeout.InfiniteTimeSpan);
        }
        if (s.Length == 0) { client.Dispose(); upstream?.Dispose(); return; } // closed without a word
        var head = s.Buffer.AsMemory(0, s.Length);
        switch (s.Kind)
        {
            case Kind.Tls:
                Tls(c, client, head, s.Hello!, upstream, settings);
                return;
            // A client that refused the run CA in a protocol's own TLS (PostgreSQL's SSLRequest) is decided on argv.
            case Kind.Protocol when Enabled(s.Protocol!, settings) && !(s.Protocol!.Name == WireProtocolName.Postgres && _distrust.Distrusts(c, null)):
                Serve(s.Protocol!, c, new ReplayStream(client, head), null, upstream);
                return;
            default:
                Pass(c, client, head, upstream, null);
                return;
        }
    }

    private void Tls(WireConnection c, Stream client, ReadOnlyMemory<byte> head, ClientHello hello, Socket? upstream, WireSettings settings)
    {
        var (protocol, alpn) = Pick(hello, settings);
        string? sni = hello.ServerName;
        if (tls == null || protocol == null || _names.Pinned(settings, sni, c.Destination) || _distrust.Distrusts(c, sni))
        {
            Pass(c, client, head, upstream, null);
            return;
        }
        // PERF: the destination's TLS is set up while the client's handshake runs (nothing is sent
        // through it until a request is allowed), so a new connection waits for one handshake, not
        // two. Not for PostgreSQL, whose relay opens the destination's TLS itself.
        Task<Stream>? prepared = protocol.Name != WireProtocolName.Http ? null
            : WireThreads.Run<Stream>(() => tls.ConnectUpstream(new RelayStream(upstream ?? c.ConnectUpstreamSocket()), sni ?? c.Host, alpn));
        SslStream ssl;
        try
        {
            ssl = tls.Accept(new ReplayStream(client, head), sni, c.Destination.Address, alpn is { } a ? [a] : null);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            // The first attempt fails: the handshake cannot be replayed to the destination.
            _distrust.Remember(c, sni, e);
            if (prepared != null) Drop(prepared);
            else upstream?.Dispose();
            return;
        }
        var s = Sniff(ssl, inner: true, SniffTimeout);
        var inside = new ReplayStream(ssl, s.Buffer.AsMemory(0, s.Length));
        var clientTls = new ClientTls(sni, ssl.NegotiatedApplicationProtocol == default ? null : ssl.NegotiatedApplicationProtocol);
        if (s.Kind == Kind.Protocol && Enabled(s.Protocol!, settings))
        {
            Serve(s.Protocol!, c, inside, clientTls, prepared == null ? upstream : null, prepared);
            return;
        }
        // Not a protocol the wire decides (or the client said nothing): today's decision, through
        // the prepared connection if it is allowed.
        if ((s.Length > 0 || s.TimedOut) && fallback.Allows(c))
        {
            Stream up;
            try { up = prepared?.GetAwaiter().GetResult() ?? tls.ConnectUpstream(new RelayStream(upstream ?? c.ConnectUpstreamSocket()), sni ?? c.Host, alpn); }
            catch (WireUpstreamException e)
            {
                log.WriteLine($"agentshell: wire: {c.Destination} refused: {e.Message}");
                WireSockets.Abort(inside);
                return;
            }
            WireSockets.Pipe(inside, up);
            return;
        }
        if (prepared != null) Drop(prepared);
        else upstream?.Dispose();
        WireSockets.Abort(inside);
    }

    private void Serve(IWireProtocol protocol, WireConnection c, ReplayStream client, ClientTls? clientTls, Socket? upstream, Task<Stream>? prepared = null)
    {
        var session = new WireSession(protocol.Name, c, client, clientTls, upstream, prepared, decisions, tls, (sni, e) => _distrust.Remember(c, sni, e), log);
        try
        {
            protocol.Serve(session);
            client.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or WireUpstreamException)
        {
            // The client or the destination went away, or the destination could not be reached: end it.
            WireSockets.Abort(client);
        }
        finally
        {
            session.DropUnused();
        }
    }

    /// <summary>Closes a prepared connection to the destination that will not be used, once it is made.</summary>
    internal static void Drop(Task<Stream> prepared) =>
        prepared.ContinueWith(static t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);

    /// <summary>Today's decision; if allowed, the connection is copied through as it is (after
    /// <paramref name="head"/>, the bytes already read). <paramref name="clientTls"/>: TLS was
    /// terminated here, so the destination gets a TLS connection of its own.</summary>
    private void Pass(WireConnection c, Stream client, ReadOnlyMemory<byte> head, Socket? upstream, ClientTls? clientTls)
    {
        if (!fallback.Allows(c))
        {
            upstream?.Dispose();
            WireSockets.Abort(client);
            return;
        }
        Stream up;
        try
        {
            up = new RelayStream(upstream ?? c.ConnectUpstreamSocket());
            if (clientTls != null) up = tls!.ConnectUpstream(up, clientTls.ServerName ?? c.Host, clientTls.Protocol);
        }
        catch (WireUpstreamException e)
        {
            log.WriteLine($"agentshell: wire: {c.Destination} refused: {e.Message}");
            WireSockets.Abort(client);
            return;
        }
        if (!head.IsEmpty) up.Write(head.Span);
        WireSockets.Pipe(client, up);
    }

    private bool Enabled(IWireProtocol p, WireSettings settings) => p.Name switch
    {
        WireProtocolName.Http => settings.Http,
        WireProtocolName.Postgres => settings.Postgres,
        _ => false,
    };

    private static readonly SslApplicationProtocol Http10 = new("http/1.0");

    /// <summary>The protocol to terminate TLS for, from what the client offers: PostgreSQL's direct
    /// TLS names itself; HTTP/1.1 or HTTP/1.0 when offered, or when nothing is named (HTTP/2 alone is
    /// not decided).</summary>
    private (IWireProtocol?, SslApplicationProtocol?) Pick(ClientHello hello, WireSettings settings)
    {
        foreach (var p in protocols)
        {
            if (!Enabled(p, settings)) continue;
            if (p.Name == WireProtocolName.Postgres && hello.Protocols.Contains("postgresql")) return (p, new SslApplicationProtocol("postgresql"));
            if (p.Name == WireProtocolName.Http && hello.Protocols.Count == 0) return (p, null);
            if (p.Name == WireProtocolName.Http && hello.Protocols.Contains("http/1.1")) return (p, SslApplicationProtocol.Http11);
            // HTTP/1.0 alone (curl --http1.0) is HTTP too: passed through, it went out decided on argv
            // alone, so a .curlrc rewritten after the exec's decision sent its DELETE unread.
            if (p.Name == WireProtocolName.Http && hello.Protocols.Contains("http/1.0")) return (p, Http10);
        }
        return (null, null);
    }

    private readonly record struct Sniffed(Kind Kind, byte[] Buffer, int Length, bool TimedOut, IWireProtocol? Protocol, ClientHello? Hello);

    /// <summary>Reads until the bytes say what they are, the client stops, or <paramref name="wait"/> passes.</summary>
    private Sniffed Sniff(Stream s, bool inner, TimeSpan wait)
    {
        var buf = new byte[SniffBytes];
        int n = 0;
        long deadline = wait == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)wait.TotalMilliseconds;
        try
        {
            while (true)
            {
                if (n == buf.Length)
                {
                    if (buf.Length >= ClientHello.MaxBytes) return new Sniffed(Kind.None, buf, n, false, null, null);
                    Array.Resize(ref buf, Math.Min(buf.Length * 4, ClientHello.MaxBytes));
                }
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return new Sniffed(Kind.None, buf, n, true, null, null);
                // A blocking read bounded by SO_RCVTIMEO: the socket never leaves blocking mode.
                s.ReadTimeout = deadline == long.MaxValue ? Timeout.Infinite : (int)Math.Max(1, left);
                int r;
                try { r = s.Read(buf, n, buf.Length - n); }
                catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
                {
                    return new Sniffed(Kind.None, buf, n, true, null, null);
                }
                if (r == 0)
                {
                    // The client stopped sending (a half-close): what it sent is all there is to go on.
                    var last = Classify(buf.AsSpan(0, n), inner, out var p, out var h);
                    return new Sniffed(last == Kind.NeedMore ? Kind.None : last, buf, n, false, p, h);
                }
                n += r;
                var kind = Classify(buf.AsSpan(0, n), inner, out var protocol, out var hello);
                if (kind != Kind.NeedMore) return new Sniffed(kind, buf, n, false, protocol, hello);
            }
        }
        finally
        {
            s.ReadTimeout = Timeout.Infinite;
        }
    }

    private Kind Classify(ReadOnlySpan<byte> first, bool inner, out IWireProtocol? protocol, out ClientHello? hello)
    {
        protocol = null;
        hello = null;
        bool more = false;
        if (!inner && ClientHello.Looks(first))
        {
            switch (ClientHello.TryParse(first, out hello))
            {
                case WireSniff.Yes: return Kind.Tls;
                case WireSniff.NeedMore: more = true; break;
            }
        }
        var head = first.Length > SniffBytes ? first[..SniffBytes] : first;
        foreach (var p in protocols)
        {
            switch (p.Recognise(head))
            {
                case WireSniff.Yes: protocol = p; return Kind.Protocol;
                case WireSniff.NeedMore: more = true; break;
            }
        }
        return more && first.Length < ClientHello.MaxBytes ? Kind.NeedMore : Kind.None;
    }

    /// <summary>After a silent start: true when the client's bytes come before the server's
    /// (select(2) on both; nothing is read).</summary>
    private static bool ClientSpeaksFirst(Socket client, Socket upstream)
    {
        var readable = new List<Socket> { client, upstream };
        Socket.Select(readable, null, null, -1);
        return readable.Contains(client);
    }
}
