using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Wire;

/// <summary>What a protocol handler gets for one terminated connection: the client's bytes, the
/// way to the destination, and the decision for each request. A handler reads the client stream,
/// opens the upstream when it needs it, and asks <see cref="Decide"/> before anything that could
/// change production is forwarded. Every call blocks: the session has a thread of its own.</summary>
internal sealed class WireSession
{
    private readonly WireConnection _connection;
    private readonly WireDecisions _decisions;
    private readonly TlsTermination? _tls;
    private Socket? _upstream;
    private Task<Stream>? _prepared;
    private readonly Action<string?, Exception> _refusedTls;

    /// <param name="upstream">A TCP connection to the destination already made (a client that spoke late), or null.</param>
    /// <param name="prepared">The destination's TLS connection, being made while the client's handshake ran, or null.</param>
    /// <param name="refusedTls">Remembers a client that refused the run CA (its next connections are decided on argv).</param>
    internal WireSession(WireProtocolName protocol, WireConnection connection, ReplayStream client, ClientTls? clientTls, Socket? upstream,
        Task<Stream>? prepared, WireDecisions decisions, TlsTermination? tls, Action<string?, Exception> refusedTls, TextWriter log)
    {
        _refusedTls = refusedTls;
        _prepared = prepared;
        Protocol = protocol;
        _connection = connection;
        Client = client;
        ClientTls = clientTls;
        _upstream = upstream;
        _decisions = decisions;
        _tls = tls;
        Log = log;
    }

    /// <summary>The protocol serving the connection (messages name it: "http DELETE https://…").</summary>
    public WireProtocolName Protocol { get; }

    /// <summary>The client's bytes, from the first one (those the dispatcher sniffed are replayed);
    /// decrypted when the dispatcher terminated TLS (<see cref="ClientTls"/>). Writing to it answers the client.</summary>
    public Stream Client { get; }

    /// <summary>The bytes the dispatcher read to recognise the protocol (<see cref="Client"/> yields
    /// them first), for a handler that wants them apart: it then reads on from <see cref="ClientAfterSniffed"/>.</summary>
    public ReadOnlyMemory<byte> Sniffed => ((ReplayStream)Client).Prefix;

    /// <summary>The client's stream after <see cref="Sniffed"/> (not yielding them again).</summary>
    public Stream ClientAfterSniffed => ((ReplayStream)Client).Inner;

    /// <summary>Set when the client spoke TLS to us and the dispatcher terminated it: the server
    /// name it asked for and the application protocol agreed. The upstream is then TLS too.</summary>
    public ClientTls? ClientTls { get; }

    /// <summary>Where the client meant to connect.</summary>
    public IPEndPoint Destination => _connection.Destination;

    /// <summary>The destination's environment ("production"): every request is decided in it.</summary>
    public string Environment => _connection.Environment;

    /// <summary>The process that connected.</summary>
    public WireClient Process => _connection.Client;

    /// <summary>The destination's address as a literal ("10.0.0.5").</summary>
    public string Host => _connection.Host;

    /// <summary>The server name the client asked for (TLS SNI), else the destination address literal.</summary>
    public string ServerName => ClientTls?.ServerName ?? _connection.Host;

    /// <summary>The credentials the profiles list (a request's headers or a cleartext password are
    /// matched against them: <see cref="WireRequest.Credential"/>).</summary>
    public AgentShell.Core.Credentials.CredentialTable Credentials => _decisions.Credentials;

    /// <summary>The supervisor's log (not the process's stderr: <see cref="Decide"/> writes there).</summary>
    public TextWriter Log { get; }

    /// <summary>True while the client's side of the connection is open (a pause stops waiting
    /// once the process has gone).</summary>
    public bool ClientConnected => WireSockets.IsOpen(_connection.Socket);

    /// <summary>Decides one request in <see cref="Environment"/>: allowed, refused (the process's
    /// stderr gets the one line and the audit log the record), or held for a person (this call
    /// waits) and then either. Never throws for a decision; an error deciding is a refusal.</summary>
    public WireVerdict Decide(WireRequest request) => _decisions.Decide(this, request);

    /// <summary>As <see cref="Decide"/>, with the policy's answer <paramref name="evaluated"/> from
    /// <see cref="Evaluate"/> (null: an error evaluating, and the request is refused for it).</summary>
    public WireVerdict Decide(WireRequest request, AgentShell.Core.Policy.Decision? evaluated) =>
        evaluated == null ? _decisions.Decide(this, request) : _decisions.Decide(this, request, evaluated);

    /// <summary>The policy's answer for <paramref name="request"/> (nothing shown, recorded or held),
    /// or null when evaluating failed: a caller learns whether <see cref="Decide"/> would hold it
    /// (the Pause action) and passes the answer on, so the policy is asked once.</summary>
    public AgentShell.Core.Policy.Decision? Evaluate(WireRequest request)
    {
        try { return _decisions.Evaluate(this, request); }
        catch (Exception)
        {
            return null; // Decide asks again, meets the same error and refuses: still closed
        }
    }

    /// <summary>As <see cref="Evaluate(WireRequest)"/> for a request not made yet: its intents and
    /// the credential it carries (PERF: an allowed statement needs nothing else).</summary>
    public AgentShell.Core.Policy.Decision? Evaluate(IReadOnlyList<AgentShell.Core.Model.CommandIntent> intents, AgentShell.Core.Credentials.CredentialMatch? credential)
    {
        try { return _decisions.Evaluate(this, intents, credential); }
        catch (Exception)
        {
            return null; // the caller's Decide asks again, meets the same error and refuses: still closed
        }
    }

    /// <summary>Writes one line to the process's stderr (a refusal that is not a decision: the
    /// destination could not be verified, say).</summary>
    public void Tell(string line) => _decisions.Tell(Process.Pid, line);

    /// <summary>Connects to <see cref="Destination"/>: plain TCP, or TLS verified against the
    /// system trust store when the client spoke TLS (same server name and application protocol).
    /// Throws <see cref="WireUpstreamException"/> when it cannot be reached or not be trusted
    /// (a failed verification is never downgraded).</summary>
    public Stream ConnectUpstream()
    {
        if (Interlocked.Exchange(ref _prepared, null) is { } prepared) return prepared.GetAwaiter().GetResult();
        var socket = Interlocked.Exchange(ref _upstream, null) ?? _connection.ConnectUpstreamSocket();
        var stream = new RelayStream(socket);
        if (ClientTls is not { } t) return stream;
        return Terminator.ConnectUpstream(stream, t.ServerName ?? _connection.Host, t.Protocol);
    }

    /// <summary>Closes a connection to the destination that was prepared and never used (the
    /// dispatcher calls it when the protocol is done).</summary>
    internal void DropUnused()
    {
        Interlocked.Exchange(ref _upstream, null)?.Dispose();
        if (Interlocked.Exchange(ref _prepared, null) is { } prepared) WireDispatcher.Drop(prepared);
    }

    /// <summary>A plain TCP connection to <see cref="Destination"/>, for a protocol that negotiates
    /// TLS itself (<see cref="ConnectUpstreamTls"/>). Throws <see cref="WireUpstreamException"/>.</summary>
    public Stream ConnectUpstreamTcp()
    {
        if (Interlocked.Exchange(ref _prepared, null) is { } prepared) WireDispatcher.Drop(prepared);
        return new RelayStream(Interlocked.Exchange(ref _upstream, null) ?? _connection.ConnectUpstreamSocket());
    }

    /// <summary>Says that the client did not complete TLS with the run CA's certificate
    /// (<see cref="AcceptClientTls"/> threw): it is told so, and its next connections from this
    /// program to this server name and destination are decided on argv.</summary>
    public void ClientRefusedTls(string? serverName, Exception e) => _refusedTls(serverName, e);

    /// <summary>False when the run has no CA (it could not be made): a protocol that would
    /// negotiate TLS in its own terms (PostgreSQL's SSLRequest) declines it, or passes through.</summary>
    public bool CanTerminateTls => _tls != null;

    private TlsTermination Terminator => _tls ?? throw new WireUpstreamException("the run has no CA, so TLS cannot be terminated");

    /// <summary>Terminates TLS that the protocol itself negotiated in plain text first (PostgreSQL's
    /// SSLRequest): our certificate for <paramref name="serverName"/> (or the destination address),
    /// signed by the run's CA. Throws when the client does not complete the handshake (it does not
    /// trust the run CA, say).</summary>
    public SslStream AcceptClientTls(Stream client, string? serverName, IReadOnlyList<SslApplicationProtocol>? protocols) =>
        Terminator.Accept(client, serverName ?? _connection.Host, _connection.Destination.Address, protocols);

    /// <summary>TLS to the destination over <paramref name="upstream"/>, verified against the system
    /// trust store (honouring SSL_CERT_FILE and SSL_CERT_DIR of agentshell's own environment).
    /// Throws <see cref="WireUpstreamException"/> when the server cannot be trusted.</summary>
    public SslStream ConnectUpstreamTls(Stream upstream, string? serverName, SslApplicationProtocol? protocol) =>
        Terminator.ConnectUpstream(upstream, serverName ?? _connection.Host, protocol);
}

/// <summary>TLS the dispatcher terminated on the client's side.</summary>
/// <param name="ServerName">The SNI the client sent, or null (an address was dialled).</param>
/// <param name="Protocol">The ALPN protocol agreed with the client, or null.</param>
internal sealed record ClientTls(string? ServerName, SslApplicationProtocol? Protocol);

/// <summary>The destination could not be reached, or could not be trusted: nothing was sent to it.</summary>
internal sealed class WireUpstreamException(string message, Exception? inner = null) : Exception(message, inner);
