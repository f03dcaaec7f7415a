namespace AgentShell.Supervisor.Network;

/// <summary>Which environment an address belongs to (production, staging, local, unknown).</summary>
public interface IAddressEnvironments
{
    /// <summary><paramref name="address"/> is 4 (IPv4) or 16 (IPv6) bytes; hot path: allocate nothing.</summary>
    string EnvironmentOf(ReadOnlySpan<byte> address, int port);

    /// <summary>False only when <see cref="EnvironmentOf"/> can never answer <paramref name="environment"/>
    /// for the life of this table, whatever names resolve to (no profile address source names it).
    /// Default: true (unknown, so possible).</summary>
    bool MayBe(string environment) => true;
}
