using System.Net;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Network;

/// <summary>Address → environment through the policy's host patterns (literals and CIDRs only;
/// allocates). Used until host names are resolved by a dedicated map.</summary>
public sealed class PolicyAddressEnvironments(Policy policy) : IAddressEnvironments
{
    /// <inheritdoc/>
    public string EnvironmentOf(ReadOnlySpan<byte> address, int port)
    {
        var ip = new IPAddress(address);
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return policy.EnvironmentOf(new Target { Kind = TargetKind.Socket, Host = ip.ToString(), Port = port });
    }
}
