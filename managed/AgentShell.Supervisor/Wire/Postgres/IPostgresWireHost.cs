using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>What the wire infrastructure hands the PostgreSQL relay for one intercepted
/// connection, and what the relay asks of it. The relay owns the protocol (framing, TLS
/// negotiation, statements, refusals); the host owns sockets to the destination, certificates,
/// pauses and the audit log. One host per accepted connection.</summary>
public interface IPostgresWireHost
{
    /// <summary>Where the client meant to connect (remembered when its connect was redirected).</summary>
    WireDestination Destination { get; }

    /// <summary>Opens a TCP connection to <see cref="Destination"/> from the supervisor itself (not
    /// intercepted again). Throws on failure; the relay then closes the client's connection.</summary>
    Task<Stream> ConnectUpstreamAsync(CancellationToken ct);

    /// <summary>TLS server side towards the client: a leaf certificate for the destination (the
    /// client's SNI, else <see cref="WireDestination.Host"/>, else the address) signed by the run CA.
    /// Throws (<see cref="System.Security.Authentication.AuthenticationException"/> or
    /// <see cref="IOException"/>) when the client does not complete the handshake.</summary>
    Task<Stream> AuthenticateClientAsync(Stream client, CancellationToken ct);

    /// <summary>TLS client side towards the server, verifying its certificate against the system
    /// store (honouring <c>SSL_CERT_FILE</c>/<c>SSL_CERT_DIR</c>) for <see cref="WireDestination.Host"/>.
    /// Throws when verification fails: the relay never falls back to plaintext.</summary>
    Task<Stream> AuthenticateUpstreamAsync(Stream upstream, CancellationToken ct);

    /// <summary>The decision callback: every statement (or batch of statements in one Query
    /// message) before any of its bytes reach the server. Allow → forwarded; block → refused in the
    /// protocol; pause → the call returns once a person has answered or the pause has timed out.
    /// <see cref="PostgresDecisions.DecideAsync"/> does this with the profiles' policy; a host adds
    /// its pending items and audit records around it.</summary>
    ValueTask<WireVerdict> DecideAsync(PostgresRequest request, CancellationToken ct);

    /// <summary>True when the client has closed its end (a check that consumes nothing, e.g.
    /// <c>Socket.Poll(0, SelectRead) &amp;&amp; Available == 0</c>). A held statement whose client has gone
    /// is not forwarded even when approved; a pause may end early on it.</summary>
    bool IsClientGone();

    /// <summary>A password the client sent in cleartext (authentication method <c>password</c>), for
    /// credential fingerprints (issue 14). It is still forwarded untouched; never log it. The span is
    /// valid only during the call.</summary>
    void CleartextPassword(ReadOnlySpan<byte> password, PostgresSession session);

    /// <summary>One line for the person (never a secret), and what it is about, so the host can act
    /// on it (a client that refused the run CA: decide its next connections on argv).</summary>
    void Notice(WireNotice kind, string line);
}

/// <summary>What a <see cref="IPostgresWireHost.Notice"/> is about.</summary>
public enum WireNotice : byte
{
    /// <summary>The client did not complete TLS with the run CA's leaf (it does not trust the CA, or pins).</summary>
    ClientRefusedTls,
    /// <summary>The server's TLS failed verification (or its handshake): refused, never downgraded.</summary>
    UpstreamTlsFailed,
    /// <summary>The destination could not be reached; the client's connection was closed.</summary>
    UpstreamUnreachable,
    /// <summary>The client asked for SCRAM channel binding, which two TLS legs cannot carry.</summary>
    ChannelBinding,
    /// <summary>A peer broke the protocol (or took too long to start); the connection was closed.</summary>
    ProtocolViolation,
    /// <summary>The relay refused a statement on its own rule (too large, decision failed).</summary>
    RelayRefusal,
    /// <summary>The client closed its connection while a statement was held; an approval was not used.</summary>
    ClientGone,
}

/// <summary>Where an intercepted connection was going.</summary>
/// <param name="Address">The address the client connected to.</param>
/// <param name="Port">Its port.</param>
/// <param name="Host">The name that made the address production (profile host, or TLS SNI), when known.</param>
/// <param name="Environment">The environment the address is in (<c>production</c>).</param>
public sealed record WireDestination(System.Net.IPAddress Address, int Port, string? Host, string Environment)
{
    /// <summary>The host as shown in targets and messages: the name when known, else the address.</summary>
    public string Shown => Host ?? Address.ToString();
}

/// <summary>What the client said in its startup message (no secrets).</summary>
/// <param name="User">The <c>user</c> parameter.</param>
/// <param name="Database">The <c>database</c> parameter (defaults to the user, as the server does).</param>
/// <param name="ApplicationName">The <c>application_name</c> parameter, if any.</param>
/// <param name="ClientTls">True when the client's side of the connection is TLS.</param>
/// <param name="Shadows">A startup parameter that makes built-in names resolve to other schemas for
/// the whole session (<see cref="AgentShell.Core.Tools.PostgresWire.StartupShadows"/>), if any.</param>
public sealed record PostgresSession(string User, string Database, string? ApplicationName, bool ClientTls, string? Shadows = null);

/// <summary>Which protocol message carried the statements.</summary>
public enum PostgresMessageKind : byte
{
    /// <summary>Simple query protocol: one or more statements, run as one implicit transaction.</summary>
    Query,
    /// <summary>Extended protocol Parse: one statement, prepared now, executed by later Bind/Execute.</summary>
    Parse,
    /// <summary>Fast-path FunctionCall: a function called by object id, arguments opaque.</summary>
    FunctionCall,
}

/// <summary>One decision the relay asks for.</summary>
/// <param name="Kind">The message.</param>
/// <param name="Sql">The statement text as the server will read it (empty for a function call).</param>
/// <param name="Intents">One intent per statement (tool <c>postgres-wire</c>, acting as psql), aimed at the destination.</param>
/// <param name="Session">Who is connected to which database.</param>
/// <param name="Destination">Where.</param>
public sealed record PostgresRequest(PostgresMessageKind Kind, string Sql, IReadOnlyList<CommandIntent> Intents, PostgresSession Session, WireDestination Destination);

/// <summary>The answer to a <see cref="PostgresRequest"/>.</summary>
/// <param name="Forward">True to send the message to the server.</param>
/// <param name="Decision">The decision (rule id, reason) that produced the answer.</param>
/// <param name="Message">For a refusal: the text of the ErrorResponse the client reads.</param>
public readonly record struct WireVerdict(bool Forward, Decision Decision, string? Message)
{
    /// <summary>Forward it.</summary>
    public static WireVerdict Allow(Decision d) => new(true, d, null);

    /// <summary>Refuse it with <paramref name="message"/>.</summary>
    public static WireVerdict Refuse(Decision d, string message) => new(false, d, message);
}
