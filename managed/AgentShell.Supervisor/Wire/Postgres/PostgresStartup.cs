using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>A session past its startup message: both legs open (TLS where negotiated), the
/// startup message forwarded.</summary>
internal sealed record StartedSession(PgReader Client, Stream ClientStream, Stream Upstream, RelayState State, PostgresSession Session);

/// <summary>The opening of a connection, before authentication: GSSENCRequest is answered 'N' (the
/// relay cannot read GSS-encrypted traffic); SSLRequest is passed to the server and TLS is used on
/// both legs exactly when the server accepts (the server's 'N' reaches the client, which decides
/// whether it may go on in plaintext: sslmode=require does not); a CancelRequest is forwarded to
/// the same destination; the StartupMessage is read and forwarded.</summary>
internal static class PostgresStartup
{
    private static readonly byte[] SslRequest = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

    /// <summary>Null when the connection ended here (a cancel request forwarded, or the client left).
    /// Blocking, on the relay's thread: PERF: an async call on a socket makes .NET switch it to
    /// non-blocking for good, and every later blocking read of the relay's pumps then waits on the
    /// socket engine's epoll thread (a recv that fails EAGAIN, an epoll wake-up and a futex hand-off
    /// per message). The timeout closes what <paramref name="owned"/> holds, which ends a blocked read;
    /// <paramref name="ct"/> is checked after each stream is owned, so none opened after it is missed.</summary>
    /// <param name="clientTlsTerminated">The client opened with TLS directly (sslnegotiation=direct)
    /// and <paramref name="client"/> is already decrypted: the server leg must be TLS too.</param>
    internal static StartedSession? Negotiate(Stream client, ReadOnlyMemory<byte> first, IPostgresWireHost host,
        PostgresRelayLimits limits, List<IDisposable> owned, bool clientTlsTerminated, CancellationToken ct)
    {
        var reader = new PgReader(client, first.Span, PgProtocol.MaxStartupLength);
        Stream clientStream = client;
        Stream? upstream = null;
        bool clientTls = clientTlsTerminated, upstreamTls = false, gssAnswered = false;
        for (int round = 0; round < 3; round++)
        {
            if (!reader.Fill(8)) return null;
            var opening = PgProtocol.Recognise(reader.Span);
            int length = BinaryPrimitives.ReadInt32BigEndian(reader.Span);
            switch (opening)
            {
                case PgProtocol.Opening.GssEncRequest when !clientTls && !gssAnswered:
                    reader.Consume(8);
                    gssAnswered = true;
                    WriteByte(clientStream, (byte)'N');
                    continue;
                case PgProtocol.Opening.SslRequest when !clientTls && upstream == null:
                    reader.Consume(8);
                    // The client waits for the answer before its handshake; bytes already here were
                    // sent in plaintext ahead of TLS (CVE-2021-23214) and are not let in.
                    if (reader.Buffered > 0) throw new PgProtocolException("data after SSLRequest before the answer");
                    (upstream, upstreamTls) = Upstream(host, owned, ct);
                    if (upstreamTls)
                    {
                        WriteByte(clientStream, (byte)'S');
                        clientStream = Own(owned, Tls(WireNotice.ClientRefusedTls, host.AuthenticateClientAsync(clientStream, ct)), ct);
                        clientTls = true;
                        reader.Release();
                        reader = new PgReader(clientStream, ReadOnlySpan<byte>.Empty, PgProtocol.MaxStartupLength);
                    }
                    else WriteByte(clientStream, (byte)'N');
                    continue;
                case PgProtocol.Opening.CancelRequest:
                    if (!reader.Fill(length)) return null;
                    upstream ??= Direct(host, owned, clientTlsTerminated, ct);
                    upstream.Write(reader.Span[..length]);
                    upstream.Flush();
                    // The server closes without answering; wait for that so the cancel is delivered.
                    ReadByte(upstream);
                    return null;
                case PgProtocol.Opening.Startup:
                    if (!reader.Fill(length)) return null;
                    var session = Parse(reader.Span[8..length], clientTls) ?? throw new PgProtocolException("malformed startup message");
                    if (upstream == null)
                    {
                        upstream = Direct(host, owned, clientTlsTerminated, ct);
                        upstreamTls = clientTlsTerminated;
                    }
                    upstream.Write(reader.Span[..length]);
                    upstream.Flush();
                    reader.Consume(length);
                    // Statements may follow in the same read; the pump's reader starts with them.
                    var rest = reader.Span.ToArray();
                    reader.Release();
                    var pumpReader = new PgReader(clientStream, rest, 5 + limits.MaxStatementBytes);
                    return new StartedSession(pumpReader, clientStream, upstream, new RelayState(clientTls, upstreamTls), session);
                default:
                    throw new PgProtocolException(clientTls ? "an unexpected message inside TLS before the startup message" : "not a PostgreSQL startup, SSLRequest or CancelRequest");
            }
        }
        throw new PgProtocolException("too many requests before the startup message");
    }

    /// <summary>The parameters of a StartupMessage (after length and version): NUL-terminated name
    /// and value pairs, then an empty name. <c>user</c> is required; the database defaults to it.
    /// Every other parameter is a setting the session starts with: one that moves pg_catalog
    /// behind another schema is kept, and makes each statement's reads unknown.</summary>
    internal static PostgresSession? Parse(ReadOnlySpan<byte> p, bool clientTls)
    {
        string? user = null, database = null, application = null, shadows = null;
        while (true)
        {
            if (!PgMessages.CString(p, out var name, out int a)) return null;
            if (name.Length == 0) break;
            if (!PgMessages.CString(p[a..], out var value, out int b)) return null;
            string v = Encoding.UTF8.GetString(value);
            if (name.SequenceEqual("user"u8)) user = v;
            else if (name.SequenceEqual("database"u8)) database = v;
            else if (name.SequenceEqual("application_name"u8)) application = v;
            else shadows ??= AgentShell.Core.Tools.PostgresWire.StartupShadows(Encoding.UTF8.GetString(name), v);
            p = p[(a + b)..];
        }
        if (string.IsNullOrEmpty(user)) return null;
        return new PostgresSession(user, string.IsNullOrEmpty(database) ? user : database, application, clientTls, shadows);
    }

    /// <summary>Opens the server leg with an SSLRequest: TLS (verified) when the server answers 'S',
    /// plaintext when it answers 'N'. The server's handshake comes before the client hears 'S', so a
    /// server that fails verification is refused before the client could go on (never a downgrade).</summary>
    private static (Stream Upstream, bool Tls) Upstream(IPostgresWireHost host, List<IDisposable> owned, CancellationToken ct)
    {
        var upstream = Own(owned, Connect(host, ct), ct);
        upstream.Write(SslRequest);
        upstream.Flush();
        int answer = ReadByte(upstream);
        if (answer == 'N') return (upstream, false);
        if (answer != 'S') throw new PgProtocolException($"the server answered SSLRequest with 0x{answer:x2}");
        return (Own(owned, Tls(WireNotice.UpstreamTlsFailed, host.AuthenticateUpstreamAsync(upstream, ct)), ct), true);
    }

    /// <summary>The server leg for a client that went straight to its startup (or cancel): plaintext,
    /// or TLS when the client's own leg is direct TLS (a server refusing TLS is then refused).</summary>
    private static Stream Direct(IPostgresWireHost host, List<IDisposable> owned, bool tls, CancellationToken ct)
    {
        if (!tls) return Own(owned, Connect(host, ct), ct);
        var (upstream, isTls) = Upstream(host, owned, ct);
        if (!isTls) throw new WireSetupException(WireNotice.UpstreamTlsFailed, new System.Security.Authentication.AuthenticationException("the server does not offer TLS, and the client connected with direct TLS"));
        return upstream;
    }

    private static Stream Connect(IPostgresWireHost host, CancellationToken ct)
    {
        try { return host.ConnectUpstreamAsync(ct).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            throw new WireSetupException(WireNotice.UpstreamUnreachable, e);
        }
    }

    private static Stream Tls(WireNotice side, Task<Stream> handshake)
    {
        try { return handshake.GetAwaiter().GetResult(); }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            throw new WireSetupException(side, e);
        }
    }

    /// <summary>Adds <paramref name="d"/> to what the relay closes; throws when the startup was
    /// cancelled (its closing may have run before <paramref name="d"/> was added).</summary>
    private static T Own<T>(List<IDisposable> owned, T d, CancellationToken ct) where T : IDisposable
    {
        lock (owned) owned.Add(d);
        ct.ThrowIfCancellationRequested();
        return d;
    }

    private static void WriteByte(Stream s, byte b)
    {
        s.WriteByte(b);
        s.Flush();
    }

    private static int ReadByte(Stream s)
    {
        Span<byte> one = stackalloc byte[1];
        return s.Read(one) == 0 ? -1 : one[0];
    }
}

/// <summary>The way to the server, or a TLS handshake with one side, failed.</summary>
internal sealed class WireSetupException(WireNotice kind, Exception inner) : Exception(inner.Message, inner)
{
    internal WireNotice Kind { get; } = kind;
}
