namespace AgentShell.Supervisor.Wire;

/// <summary>Where a protocol handler registers: one line each, in the order they are asked to
/// recognise a connection's first bytes. A handler is created once per run (when the wire layer
/// starts) and serves every connection of its protocol, concurrently.</summary>
internal static class WireProtocols
{
    /// <summary>The handlers of this build.</summary>
    internal static IWireProtocol[] Create() =>
    [
        new Http.HttpProtocol(),
        new PostgresProtocol(),
    ];
}
