namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>Relays one intercepted PostgreSQL connection: negotiates TLS on both sides as the
/// client and server do, passes authentication through, decides every statement before it reaches
/// the server, and refuses what is blocked in the protocol (ErrorResponse 42501), keeping the
/// session usable.</summary>
public static class PostgresRelay
{
    /// <summary>Runs the relay until either side closes. <paramref name="firstBytes"/> are the bytes
    /// the dispatcher already read from <paramref name="client"/> (at least the 8 it recognised with
    /// <see cref="PgProtocol.Recognise"/>). Never throws for what a peer does: a malformed or
    /// undecidable input closes the connection, with a <see cref="IPostgresWireHost.Notice"/>.</summary>
    public static Task RunAsync(Stream client, ReadOnlyMemory<byte> firstBytes, IPostgresWireHost host, CancellationToken ct) =>
        throw new NotImplementedException();
}
