namespace AgentShell.Supervisor;

/// <summary>The process chain of an audit record ("name(pid)" from the agent down to the process),
/// with each ancestor's name and parent remembered while it lives. PERF: a tree's execs come from a
/// few long-lived ancestors (the agent, its shells); reading every ancestor's /proc/PID/stat for
/// every record was an open, read and close each (13 syscalls for a chain of 4, ~100 µs of the
/// receiving thread's CPU per parsed exec here). Now the process itself is read, and the ancestors
/// it names are checked with one poll of their pidfds: a pidfd refers to one process, so one that
/// has not exited still has its pid, and its parent (a parent changes only when the old one
/// exits, which the poll of that parent's pidfd shows). An ancestor seen making an exec is
/// forgotten (<see cref="ExecSeen"/>): its name changes with its program. What stays approximate,
/// as with a /proc read made after the answer: a name changed by prctl(PR_SET_NAME) or an exec of
/// a non-leader thread is seen once the ancestor is read again (when it or its parent is gone, or
/// the table is full). Names are the process's own choice (prctl) and never decided on: the chain
/// tells a person where a command came from; pids are exact.</summary>
internal sealed class ParentChain : IDisposable
{
    private const int MaxKnown = 128, MaxDepth = 64;

    private sealed class Known(int pid, string name, int parent, int pidfd)
    {
        public readonly string Name = name;
        public readonly int Pid = pid, Parent = parent, Pidfd = pidfd;
        public bool Closed;
    }

    [ThreadStatic] private static Known?[]? t_used;

    private readonly Dictionary<int, Known> _known = new();
    private bool _disposed;

    /// <summary>Ancestors remembered now (tests).</summary>
    internal int Count
    {
        get { lock (_known) return _known.Count; }
    }

    /// <summary>"name(pid)" from the outermost supervised ancestor down to <paramref name="pid"/>,
    /// as <see cref="ProcessInfo.Chain"/> reads it; <paramref name="tgid"/>: its thread group when
    /// known for certain (0: looked up); <paramref name="self"/>: <paramref name="pid"/>'s own stat,
    /// when read for this exec already (used when it is its thread group's leader).</summary>
    public IReadOnlyList<string> Of(int pid, int stopAt, int tgid = 0, (int Parent, string Name)? self = null)
    {
        var chain = new List<string>(8);
        int p = tgid > 0 ? tgid : ProcessInfo.Tgid(pid);
        // The process itself, read now (or for this exec's check): its exec has just changed its name,
        // or is about to.
        int ppid = 0;
        string comm = "";
        bool known;
        if (self is { } s && p == pid && p > 1) { (ppid, comm, known) = (s.Parent, s.Name, true); }
        else known = p > 1 && ProcessInfo.TryStat(p, out ppid, out _, out comm);
        if (known)
        {
            chain.Add($"{comm}({p})");
            // An ancestor that exited meanwhile is forgotten and the walk made again; twice, and it is read as before.
            if (p != stopAt && !Ancestors(ppid, stopAt, chain) && !Ancestors(ppid, stopAt, chain)) Plain(ppid, stopAt, chain);
        }
        return ProcessInfo.FromTheTop(chain);
    }

    /// <summary>An exec notification from <paramref name="tid"/>: its name will change, so it is read
    /// again the next time it is an ancestor. PERF: nothing but a lookup while nothing is remembered.</summary>
    public void ExecSeen(int tid)
    {
        if (Volatile.Read(ref _count) == 0) return;
        lock (_known)
        {
            if (_known.Remove(tid, out var k)) Close(k);
            _count = _known.Count;
        }
    }

    private int _count;

    /// <summary>Adds the ancestors from <paramref name="p"/> up to <paramref name="stopAt"/>; false
    /// (nothing added) when one remembered has exited meanwhile: it was forgotten, walk again.</summary>
    private bool Ancestors(int p, int stopAt, List<string> chain)
    {
        Span<int> pidfds = stackalloc int[MaxDepth];
        var used = t_used ??= new Known?[MaxDepth];
        int n = 0, from = chain.Count;
        for (int depth = 1; depth < MaxDepth && p > 1; depth++)
        {
            if (Remembered(p) is not { } k && (k = Read(p)) == null) break;
            used[n] = k;
            pidfds[n++] = k.Pidfd;
            chain.Add(k.Name);
            if (p == stopAt) break;
            p = k.Parent;
        }
        if (n == 0) return true;
        lock (_known)
        {
            // Closed only under this lock: a pidfd polled here is the one its entry opened.
            bool alive = true;
            for (int i = 0; i < n && alive; i++) alive = !used[i]!.Closed;
            if (alive && Interop.Libc.NoneReadable(pidfds[..n])) return TransientsClosed(used, n);
            for (int i = 0; i < n; i++)
            {
                var k = used[i]!;
                if (k.Closed) continue;
                // Forget what may be stale: the exited one and, to be simple, all of this walk's.
                if (_known.TryGetValue(k.Pid, out var same) && ReferenceEquals(same, k)) _known.Remove(k.Pid);
                Close(k);
            }
            _count = _known.Count;
        }
        chain.RemoveRange(from, chain.Count - from);
        return false;
    }

    /// <summary>The ancestors read one by one, as <see cref="ProcessInfo.Chain"/> does.</summary>
    private static void Plain(int p, int stopAt, List<string> chain)
    {
        for (int depth = 1; depth < MaxDepth && p > 1; depth++)
        {
            if (!ProcessInfo.TryStat(p, out int ppid, out _, out var comm)) break;
            chain.Add($"{comm}({p})");
            if (p == stopAt) break;
            p = ppid;
        }
    }

    /// <summary>After a walk whose ancestors all live: the pidfds of entries that were not kept
    /// (the table was full) are closed. True.</summary>
    private bool TransientsClosed(Known?[] used, int n)
    {
        for (int i = 0; i < n; i++)
        {
            var k = used[i]!;
            if (!k.Closed && !(_known.TryGetValue(k.Pid, out var same) && ReferenceEquals(same, k))) Close(k);
        }
        return true;
    }

    private Known? Remembered(int p)
    {
        lock (_known) return _known.TryGetValue(p, out var k) ? k : null;
    }

    /// <summary>Reads <paramref name="p"/>: its pidfd first, then its stat, so that the poll after
    /// the walk proves the stat was the pidfd's process (had it exited before the read, its pid
    /// could name another; the poll says it exited). Null when it is gone or unreadable.</summary>
    private Known? Read(int p)
    {
        int fd = Interop.Pidfd.Open(p, out _);
        if (fd < 0) return null;
        if (!ProcessInfo.TryStat(p, out int ppid, out _, out var comm))
        {
            Interop.Libc.close(fd);
            return null;
        }
        var k = new Known(p, $"{comm}({p})", ppid, fd);
        lock (_known)
        {
            if (!_disposed && _known.Count < MaxKnown && _known.TryAdd(p, k)) _count = _known.Count;
        }
        return k;
    }

    private static void Close(Known k)
    {
        if (k.Closed) return;
        k.Closed = true;
        Interop.Libc.close(k.Pidfd);
    }

    /// <summary>Closes every pidfd (the tree has ended); chains are then read without remembering.</summary>
    public void Dispose()
    {
        lock (_known)
        {
            _disposed = true;
            foreach (var k in _known.Values) Close(k);
            _known.Clear();
            _count = 0;
        }
    }
}
