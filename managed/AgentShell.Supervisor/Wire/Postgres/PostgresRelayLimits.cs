namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>Bounds on what the relay holds in memory for one connection.</summary>
/// <param name="MaxStatementBytes">The largest Query or Parse read whole to be decided (larger ones are drained and refused).</param>
/// <param name="MaxAuthBytes">The largest authentication, parameter or error message inspected.</param>
/// <param name="StartupTimeout">How long the client and server may take to get through TLS and the startup message.</param>
public sealed record PostgresRelayLimits(int MaxStatementBytes, int MaxAuthBytes, TimeSpan StartupTimeout)
{
    /// <summary>16 MiB statements (a migration sent as one Query), 1 MiB for the rest, 30 s to start.</summary>
    public static PostgresRelayLimits Default { get; } = new(16 * 1024 * 1024, 1024 * 1024, TimeSpan.FromSeconds(30));
}
