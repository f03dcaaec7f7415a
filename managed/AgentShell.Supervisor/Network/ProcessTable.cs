using System.Collections.Concurrent;

namespace AgentShell.Supervisor.Network;

/// <summary>What the supervisor remembers per process: whether its current program was understood
/// (a parsed tool whose exec was allowed, e.g. psql -c 'SELECT 1', curl GET), and the connect
/// decisions already made for it. A process that is not in the table runs a program no parser
/// understood (python, node, a static binary).</summary>
internal sealed class ProcessTable
{
    private readonly ConcurrentDictionary<int, Exec> _understood = new(); // tgid → its understood exec
    private readonly ConcurrentDictionary<ConnectKey, bool> _connects = new();
    private readonly ConcurrentDictionary<int, byte> _connecting = new(); // tgids with entries in _connects

    /// <summary>A connect destination of one program: <paramref name="Program"/> is the kernel's
    /// program generation (root mode) or the process's start time, so an answer never carries over
    /// to a later process that reuses the pid, or (root mode) to what the process execs next.</summary>
    public readonly record struct ConnectKey(int Tgid, ulong Program, Address16 Address, int Port);

    /// <summary>An understood exec: the environments it named, and the program the process ran
    /// before it (to tell whether the exec really happened).</summary>
    private sealed record Exec(string[] Environments, (ulong Dev, ulong Ino)? Before, ExecFiles Files, ConfigReads? Reads);

    /// <summary>False when the process's current understood exec read files of which one changed
    /// since (<see cref="ConfigReads.Unchanged"/>; <paramref name="changed"/>: which); true when it
    /// read none, or no understood exec is recorded (nothing rests on its decision then).</summary>
    public bool ReadsUnchanged(int tgid, int pid, out string? changed)
    {
        changed = null;
        return !_understood.TryGetValue(tgid, out var e) || e.Reads is not { } r || r.Unchanged(pid, out changed);
    }

    // Set before anything is first added to either table, and never cleared.
    private volatile bool _used;

    /// <summary>True when nothing is remembered (the common case: programs no parser knows).
    /// PERF: one read until something is first remembered. ConcurrentDictionary.IsEmpty takes every
    /// lock of the table when it is empty, and this is asked on every exec let go (0.25–0.45 µs of a
    /// failing exec for the two tables). Never true while an entry exists: the flag is set before the
    /// first entry is added, and an exec's own earlier entry was added before its notification came.</summary>
    public bool IsEmpty => !_used || (_understood.IsEmpty && _connecting.IsEmpty);

    /// <summary>Records the allowed exec of a parsed tool and the environments its targets are in.
    /// <paramref name="before"/> is the program the process ran when the exec was decided.</summary>
    public void Understood(int tgid, string[] environments, (ulong Dev, ulong Ino)? before = null, ExecFiles files = default, ConfigReads? reads = null)
    {
        _used = true;
        _understood[tgid] = new Exec(environments, before, files, reads);
        Forget(tgid);
    }

    /// <summary>Records the exec of a program no parser understood. PERF: removes of absent keys allocate nothing.</summary>
    public void NotUnderstood(int tgid)
    {
        _understood.TryRemove(tgid, out _);
        Forget(tgid);
    }

    /// <summary>True when the process's exec was understood and named a target in <paramref name="environment"/>:
    /// psql -h prod-db connecting to prod-db's address. A curl aimed at staging that connects to a
    /// production address (--connect-to, --resolve) is not covered by its exec. Nor is an exec that
    /// failed: a process still running the program it ran before (python whose exec of
    /// /nonexistent/psql failed) is not the understood tool. Limit: a program that execs a script
    /// run by its own interpreter (python starting a python script) stays uncovered. Nor is a
    /// process running another file than the one checked (a path rewritten after the check).</summary>
    public bool ExecCovers(int tgid, string environment) =>
        _understood.TryGetValue(tgid, out var e) && Array.IndexOf(e.Environments, environment) >= 0
        && ProcessInfo.ExeIdentity(tgid) is { } now
        && (e.Before is not { } before || now != before)
        // and it runs the file that was checked (a path flipped after the check ran another)
        && (e.Files.File == null || e.Files.Matches(now));

    /// <summary>A decision already made for this process and destination.</summary>
    public bool TryGetConnect(ConnectKey key, out bool allowed) => _connects.TryGetValue(key, out allowed);

    /// <summary>Remembers a decision for the life of the process's current program.</summary>
    public void RememberConnect(ConnectKey key, bool allowed)
    {
        _used = true;
        _connecting[key.Tgid] = 0;
        _connects[key] = allowed;
    }

    private void Forget(int tgid)
    {
        if (!_connecting.TryRemove(tgid, out _)) return;
        foreach (var k in _connects.Keys) if (k.Tgid == tgid) _connects.TryRemove(k, out _);
    }

    /// <summary>Drops entries of processes that have exited.</summary>
    public void Prune()
    {
        foreach (var tgid in _understood.Keys) if (!Directory.Exists($"/proc/{tgid}")) _understood.TryRemove(tgid, out _);
        foreach (var k in _connects.Keys) if (!Directory.Exists($"/proc/{k.Tgid}")) _connects.TryRemove(k, out _);
        foreach (var tgid in _connecting.Keys) if (!Directory.Exists($"/proc/{tgid}")) _connecting.TryRemove(tgid, out _);
    }
}
