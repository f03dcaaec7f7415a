using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Wire;

/// <summary>PostgreSQL protocol v3 at the wire: the relay of <see cref="PostgresRelay"/> (Wire/Postgres)
/// plugged into the dispatcher. Recognised from a connection's first 8 bytes (StartupMessage,
/// SSLRequest, GSSENCRequest, CancelRequest), or inside TLS the dispatcher terminated for a client
/// that offered ALPN <c>postgresql</c> (libpq's direct TLS); each statement is decided through
/// <see cref="WireSession.Decide"/> by <see cref="PostgresHost"/>.</summary>
internal sealed class PostgresProtocol : IWireProtocol
{
    public WireProtocolName Name => WireProtocolName.Postgres;

    /// <summary>Yes for a PostgreSQL opening; NeedMore while fewer than 8 bytes could still be one
    /// (its length word's high byte is 0: a startup packet is at most 10000 bytes; HTTP and TLS start otherwise).</summary>
    public WireSniff Recognise(ReadOnlySpan<byte> first)
    {
        if (first.Length < 8) return first.Length == 0 || (first[0] == 0 && (first.Length < 2 || first[1] <= 0x27)) ? WireSniff.NeedMore : WireSniff.No;
        return PgProtocol.Recognise(first) == PgProtocol.Opening.None ? WireSniff.No : WireSniff.Yes;
    }

    /// <summary>Runs the relay on the session's thread (its two directions get threads of their own).</summary>
    public void Serve(WireSession s)
    {
        var host = new PostgresHost(s);
        PostgresRelay.RunAsync(s.ClientAfterSniffed, s.Sniffed, host, CancellationToken.None, clientTlsTerminated: s.ClientTls != null)
            .GetAwaiter().GetResult();
    }
}
