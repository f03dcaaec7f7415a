using System.Net.Security;
using System.Security.Authentication;
using AgentShell.Supervisor.Wire.Postgres;
using AgentShell.Supervisor.Wire.Tls;
using PgVerdict = AgentShell.Supervisor.Wire.Postgres.WireVerdict;

namespace AgentShell.Supervisor.Wire;

/// <summary>The wire infrastructure's side of one PostgreSQL connection (<see cref="IPostgresWireHost"/>):
/// the destination's sockets and TLS, the run CA's leaf toward the client, and each statement
/// decided as an HTTP request is (<see cref="WireSession.Decide"/>: the policy in the
/// destination's environment, the process's stderr, the audit log, a pending item for a pause).</summary>
internal sealed class PostgresHost(WireSession s) : IPostgresWireHost
{
    // The largest statement text a pending item shows in full.
    private const int DetailChars = 4000;

    public WireDestination Destination { get; } =
        new(s.Destination.Address, s.Destination.Port, s.ClientTls?.ServerName, s.Environment);

    public Task<Stream> ConnectUpstreamAsync(CancellationToken ct) => Task.FromResult(s.ConnectUpstreamTcp());

    private string? _sni;
    private volatile AgentShell.Core.Credentials.CredentialMatch? _credential;
    private SslApplicationProtocol? _alpn;

    /// <summary>Reads the client's ClientHello first (its server name picks the leaf; ALPN
    /// <c>postgresql</c> is answered when offered), then completes the handshake with the run CA's leaf.</summary>
    public Task<Stream> AuthenticateClientAsync(Stream client, CancellationToken ct)
    {
        if (!s.CanTerminateTls) throw new AuthenticationException("the run has no CA");
        var (head, hello) = ReadHello(client);
        _sni = hello?.ServerName;
        _alpn = hello?.Protocols.Contains("postgresql") == true ? new SslApplicationProtocol("postgresql") : null;
        return Task.FromResult<Stream>(s.AcceptClientTls(new ReplayStream(client, head), _sni, _alpn is { } a ? [a] : null));
    }

    /// <summary>TLS to the server verified for the name the client asked for when it has already
    /// said it (direct TLS), else the destination address: with SSLRequest the relay opens the
    /// server's TLS before the client's handshake (a server whose certificate names only a host
    /// name is then refused, never downgraded).</summary>
    public Task<Stream> AuthenticateUpstreamAsync(Stream upstream, CancellationToken ct) =>
        Task.FromResult<Stream>(s.ConnectUpstreamTls(upstream, s.ClientTls?.ServerName ?? _sni, s.ClientTls?.Protocol ?? _alpn));

    /// <summary>Decides on the relay's own thread: an allow or a block answers at once; a pause
    /// answers later, so the relay first sends on what was allowed before it.</summary>
    public ValueTask<PgVerdict> DecideAsync(PostgresRequest request, CancellationToken ct)
    {
        // PERF: the policy first, on the intents alone; an allow shows, records and holds nothing,
        // so the statement's one-line form and pending-item text are made only for the rest.
        var credential = _credential;
        var evaluated = s.Evaluate(request.Intents, credential);
        if (evaluated?.Action == AgentShell.Core.Policy.PolicyAction.Allow) return new ValueTask<PgVerdict>(PgVerdict.Allow(evaluated));
        var r = Request(request, credential);
        if (evaluated?.Action != AgentShell.Core.Policy.PolicyAction.Pause) return new ValueTask<PgVerdict>(Verdict(s.Decide(r, evaluated)));
        return new ValueTask<PgVerdict>(WireThreads.Run(() => Verdict(s.Decide(r, evaluated))));
    }

    public bool IsClientGone() => !s.ClientConnected;

    /// <summary>The password is matched against the profiles' fingerprints (issue 14): a listed
    /// one's environment is considered for every statement of the connection, and decisions name
    /// it. Only the match is kept; the password is never logged.</summary>
    public void CleartextPassword(ReadOnlySpan<byte> password, PostgresSession session)
    {
        if (s.Credentials.Match(password) is { } m) _credential = m;
    }

    public void Notice(WireNotice kind, string line)
    {
        s.Log.WriteLine(line);
        switch (kind)
        {
            case WireNotice.ClientRefusedTls:
                // Tells the process once and decides its next connections here on argv.
                s.ClientRefusedTls(s.ClientTls?.ServerName, new AuthenticationException(line));
                break;
            case WireNotice.UpstreamTlsFailed or WireNotice.UpstreamUnreachable or WireNotice.ChannelBinding or WireNotice.RelayRefusal:
                s.Tell(line);
                break;
        }
    }

    private static PgVerdict Verdict(WireVerdict v) => v.Allowed ? PgVerdict.Allow(v.Decision) : PgVerdict.Refuse(v.Decision, v.Message);

    /// <summary>The statement as the wire layer shows it: one line, and the whole text for a pause.</summary>
    private static WireRequest Request(PostgresRequest r, AgentShell.Core.Credentials.CredentialMatch? credential)
    {
        string sql = r.Kind == PostgresMessageKind.FunctionCall ? "fast-path function call" : r.Sql;
        string line = string.Join(' ', sql.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim().TrimEnd(';').TrimEnd();
        if (line.Length > 200) line = line[..200] + "…";
        // A read made unknown by the session's startup settings says why.
        if (r.Session.Shadows is string why) line += $" (names resolved by {why})";
        string detail = $"Database {r.Session.Database} as {r.Session.User}{(r.Intents.Count > 1 ? $", {r.Intents.Count} statements" : "")}: " +
            (sql.Length > DetailChars ? sql[..DetailChars] + "…" : sql);
        return new WireRequest(r.Intents, line, detail, Key: $"{r.Session.Database}\u0001{sql}", Credential: credential);
    }

    /// <summary>Reads until a whole ClientHello is in (bounded by the handshake timeout).</summary>
    private static (ReadOnlyMemory<byte>, ClientHello?) ReadHello(Stream client)
    {
        var buf = new byte[4096];
        int n = 0;
        client.ReadTimeout = (int)TlsTermination.HandshakeTimeout.TotalMilliseconds;
        try
        {
            while (true)
            {
                if (n == buf.Length)
                {
                    if (buf.Length >= ClientHello.MaxBytes) return (buf.AsMemory(0, n), null);
                    Array.Resize(ref buf, Math.Min(buf.Length * 4, ClientHello.MaxBytes));
                }
                int r = client.Read(buf, n, buf.Length - n);
                if (r == 0) return (buf.AsMemory(0, n), null);
                n += r;
                if (!ClientHello.Looks(buf.AsSpan(0, n))) return (buf.AsMemory(0, n), null);
                switch (ClientHello.TryParse(buf.AsSpan(0, n), out var hello))
                {
                    case WireSniff.Yes: return (buf.AsMemory(0, n), hello);
                    case WireSniff.No: return (buf.AsMemory(0, n), null);
                }
            }
        }
        finally
        {
            client.ReadTimeout = Timeout.Infinite;
        }
    }
}
