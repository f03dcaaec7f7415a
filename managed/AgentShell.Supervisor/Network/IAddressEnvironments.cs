namespace AgentShell.Supervisor.Network;

/// <summary>Which environment an address belongs to (production, staging, local, unknown).</summary>
public interface IAddressEnvironments
{
    /// <summary><paramref name="address"/> is 4 (IPv4) or 16 (IPv6) bytes; hot path: allocate nothing.</summary>
    string EnvironmentOf(ReadOnlySpan<byte> address, int port);
}
