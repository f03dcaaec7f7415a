using System.Collections.Concurrent;

namespace AgentShell.Supervisor.Network;

/// <summary>What the supervisor remembers per process: whether its current program was understood
/// (a parsed tool whose exec was allowed, e.g. psql -c 'SELECT 1', curl GET), and the connect
/// decisions already made for it. A process that is not in the table runs a program no parser
/// understood (python, node, a static binary).</summary>
internal sealed class ProcessTable
{
    private readonly ConcurrentDictionary<int, string[]> _understood = new(); // tgid → environments its exec named
    private readonly ConcurrentDictionary<ConnectKey, bool> _connects = new();

    /// <summary>A connect destination of one process.</summary>
    public readonly record struct ConnectKey(int Tgid, Address16 Address, int Port);

    /// <summary>Records the allowed exec of a parsed tool and the environments its targets are in.</summary>
    public void Understood(int tgid, string[] environments)
    {
        _understood[tgid] = environments;
        Forget(tgid);
    }

    /// <summary>Records the exec of a program no parser understood. PERF: a remove of an absent key allocates nothing.</summary>
    public void NotUnderstood(int tgid)
    {
        if (_understood.TryRemove(tgid, out _)) Forget(tgid);
    }

    /// <summary>True when the process's exec was understood and named a target in <paramref name="environment"/>:
    /// psql -h prod-db connecting to prod-db's address. A curl aimed at staging that connects to a
    /// production address (--connect-to, --resolve) is not covered by its exec.</summary>
    public bool ExecCovers(int tgid, string environment) =>
        _understood.TryGetValue(tgid, out var envs) && Array.IndexOf(envs, environment) >= 0;

    /// <summary>A decision already made for this process and destination.</summary>
    public bool TryGetConnect(ConnectKey key, out bool allowed) => _connects.TryGetValue(key, out allowed);

    /// <summary>Remembers a decision for the life of the process (or until it execs something else).</summary>
    public void RememberConnect(ConnectKey key, bool allowed) => _connects[key] = allowed;

    private void Forget(int tgid)
    {
        foreach (var k in _connects.Keys) if (k.Tgid == tgid) _connects.TryRemove(k, out _);
    }

    /// <summary>Drops entries of processes that have exited.</summary>
    public void Prune()
    {
        foreach (var tgid in _understood.Keys) if (!Directory.Exists($"/proc/{tgid}")) _understood.TryRemove(tgid, out _);
        foreach (var k in _connects.Keys) if (!Directory.Exists($"/proc/{k.Tgid}")) _connects.TryRemove(k, out _);
    }
}
