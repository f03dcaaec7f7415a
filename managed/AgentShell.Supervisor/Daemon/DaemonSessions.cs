using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Daemon;

/// <summary>One tree a daemon supervises: its command's, or an attached shell's.</summary>
/// <param name="Tree">Its decisions and loop.</param>
/// <param name="Listener">Its seccomp listener, closed when the tree has gone.</param>
/// <param name="Root">The launcher's pid (then the command's): the top of the tree.</param>
/// <param name="RootStart">When the root started: the same pid later is another process.</param>
/// <param name="Subreaper">Where the tree's orphans go (the shell; the daemon unless it is PID 1), or -1.</param>
internal sealed record DaemonSession(TreeSession Tree, FdHandle Listener, int Root, ulong RootStart, int Subreaper)
{
    /// <summary>The session's id.</summary>
    public string Id => Tree.Info.Id;
}

/// <summary>The trees a daemon supervises. Answers which tree a process belongs to: loosely for the
/// control socket (anything that may be in a tree is refused), strictly for a shell asking whether
/// it is already supervised (only what is proven).</summary>
internal sealed class DaemonSessions
{
    private readonly Lock _gate = new();
    private readonly List<DaemonSession> _live = [];

    /// <summary>Adds a session.</summary>
    public void Add(DaemonSession s)
    {
        lock (_gate) _live.Add(s);
    }

    /// <summary>Removes a session.</summary>
    public void Remove(DaemonSession s)
    {
        lock (_gate) _live.Remove(s);
    }

    /// <summary>The live sessions.</summary>
    public IReadOnlyList<DaemonSession> All
    {
        get { lock (_gate) return [.. _live]; }
    }

    /// <summary>What the control socket lists.</summary>
    public IReadOnlyList<SessionInfo> Infos() => All.Select(s => s.Tree.Info).ToList();

    /// <summary>True for a pid that is, or may be, a process of any tree (refused by the control
    /// socket; a process whose ancestry cannot be read counts as one).</summary>
    public bool IsInTree(int pid) => All.Any(s => ProcessInfo.IsInTree(pid, s.Root, s.Subreaper));

    /// <summary>The session <paramref name="pid"/> provably belongs to (a descendant of its root), or
    /// null. Orphans that left their root's line are not recognised: they are told to start a
    /// session and their launcher fails (one listener per tree), never run unsupervised.</summary>
    public string? SessionOf(int pid) => All.FirstOrDefault(s => ProcessInfo.DescendsFrom(pid, s.Root, s.RootStart))?.Id;

    /// <summary>Forgets processes that have exited, in every tree.</summary>
    public void Prune()
    {
        foreach (var s in All) s.Tree.Prune();
    }
}
