using System.Collections.Concurrent;
using System.Net;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>Whether a TLS connection is to a host whose clients pin its certificate
/// (<c>Wire.PinnedHosts</c>), and so is not intercepted. The server name a client asks for is its
/// own to choose: a pinned name counts only when the connection's destination is one of that
/// name's addresses (resolved here, cached for a minute), so naming a pinned host on a connection
/// to another production address does not escape the wire.</summary>
internal sealed class PinnedServers
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (DateTime At, IPAddress[] Addresses)> _resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="serverName"/> is pinned and resolves to <paramref name="destination"/>'s address.</summary>
    public bool Pinned(WireSettings settings, string? serverName, IPEndPoint destination)
    {
        if (serverName == null || settings.PinnedHosts.Count == 0 || !settings.IsPinned(serverName, destination.Port)) return false;
        var now = DateTime.UtcNow;
        if (!_resolved.TryGetValue(serverName, out var r) || now - r.At > Keep)
        {
            IPAddress[] addresses;
            try { addresses = Dns.GetHostAddressesAsync(serverName).WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult(); }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or TimeoutException or ArgumentException)
            {
                addresses = []; // cannot tell where the name is: intercepted (a pinning client then falls back by itself)
            }
            _resolved[serverName] = r = (now, addresses);
        }
        var want = destination.Address;
        foreach (var a in r.Addresses)
            if ((a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(want)) return true;
        return false;
    }
}
