using System.Collections.Concurrent;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>Clients that refused the run CA's certificate (they pin, or bring their own trust
/// store): the failed handshake is reported, and that program's later connections to the same
/// server name and destination are not intercepted but decided as before the wire layer. The
/// attempt that failed cannot be saved: its handshake was with us, and a TLS handshake cannot be
/// replayed to the destination.</summary>
internal sealed class DistrustingClients(BlockNotifier notifier, TextWriter log)
{
    private readonly ConcurrentDictionary<string, bool> _clients = new(StringComparer.Ordinal);

    /// <summary>True when this program refused the run CA for this server name and destination before.</summary>
    public bool Distrusts(WireConnection c, string? serverName) => _clients.ContainsKey(Key(c, serverName));

    /// <summary>Remembers a failed handshake and says so, once, on the process's stderr and the supervisor's log.</summary>
    public void Remember(WireConnection c, string? serverName, Exception e)
    {
        if (!_clients.TryAdd(Key(c, serverName), true)) return;
        string line = $"agentshell: client {c.Client.Program} does not trust the run CA for {serverName ?? c.Host} ({c.Destination}); decided on argv " +
            "from its next connection there (this one failed its TLS handshake)";
        notifier.Write(c.Client.Pid, line);
        log.WriteLine($"{line}: {e.GetBaseException().Message}");
    }

    private static string Key(WireConnection c, string? serverName) => $"{c.Client.Exe}\u0001{serverName}\u0001{c.Destination}";
}
