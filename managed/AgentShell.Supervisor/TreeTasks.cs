namespace AgentShell.Supervisor;

/// <summary>Every task (thread) of the supervised tree, listed from /proc: the descendants of
/// <paramref name="roots"/>, whose orphans come back to one of them (a subreaper, or the init of the
/// tree's pid namespace), so that no process of the tree is left out by having lost its parent.
/// The supervisor itself is never listed, nor the <paramref name="outside"/> roots (a subreaper
/// that is not of the tree, such as an attached shell's client: its descendants are). Used to hold
/// the tree still while a trusted tool's exec commits (<see cref="TreeFreeze"/>, one at a time); a
/// list that cannot be made is null (the caller fails closed).</summary>
internal sealed class TreeTasks(IReadOnlyList<int> roots, IReadOnlyList<int>? outside = null)
{

    private readonly int _self = Environment.ProcessId;
    private readonly Lock _lock = new();

    // PERF: whether a process is of the tree never changes while it lives (its parent changes only
    // to a reaper, of the tree for a process of the tree and outside it for one outside), so each
    // is read once: keyed by pid and the inode of its /proc directory, which a later process with
    // the same pid does not share. A listing is then one read of /proc, not a stat per process
    // (~600 µs for 85 processes here, with a stat of each).
    private Dictionary<int, (ulong Ino, bool InTree)> _known = [];

    // The last listing's tasks (StillListed).
    private List<(int Tid, int Tgid)>? _last;

    /// <summary>Every task of the tree now, with its process (processes created meanwhile may be
    /// missing: the caller lists again once what it found is stopped), or null when /proc cannot be read.</summary>
    public List<(int Tid, int Tgid)>? Snapshot()
    {
        lock (_lock)
        {
            var now = new Dictionary<int, ulong>();
            if (!Interop.Directories.ForEachEntry("/proc", static (name, ino, state) =>
                {
                    if (int.TryParse(name, out int pid)) ((Dictionary<int, ulong>)state!)[pid] = ino;
                }, now)) return null;
            var known = new Dictionary<int, (ulong, bool)>(now.Count);
            var members = new List<int>();
            foreach (var (pid, ino) in now)
            {
                var at = InTree(pid, ino, now, known, 0);
                if (at == Place.Unresolved) return null; // a parent that stays gone: fail closed
                if (at != Place.In) continue; // out, or gone: runs nothing
                if (pid != _self && outside?.Contains(pid) != true) members.Add(pid);
            }
            _known = known;
            var tasks = new List<(int, int)>();
            var threads = new List<int>();
            foreach (int p in members)
            {
                // A process's threads; one that exited since it was listed has none. One that lives
                // but cannot be listed fails the listing: its threads would not be held.
                threads.Clear();
                if (!Interop.Directories.ForEachName($"/proc/{p}/task", static (name, state) =>
                    {
                        if (int.TryParse(name, out int tid)) ((List<int>)state!).Add(tid);
                    }, threads) && !ProcessInfo.TaskGone(p)) return null;
                foreach (int t in threads) tasks.Add((t, p));
            }
            _last = tasks;
            return tasks;
        }
    }

    /// <summary>The tasks of the last <see cref="Snapshot"/> that are still those tasks: a process
    /// whose /proc directory has the inode it was listed with (a pid reused since has another),
    /// and, of it, each thread still among its threads. Never a task of another process; some may
    /// have exited since. Empty before the first listing. PERF: a stat per task, where a listing
    /// reads all of /proc, whose cost grows with every task on the machine (~55 µs a listing here
    /// under load, with ~180 processes; most of the hold's CPU in perf).</summary>
    public List<(int Tid, int Tgid)> StillListed()
    {
        lock (_lock)
        {
            var still = new List<(int, int)>();
            if (_last == null) return still;
            int process = 0;
            bool same = false;
            foreach (var (tid, tgid) in _last)
            {
                if (tgid != process)
                {
                    process = tgid;
                    same = _known.TryGetValue(tgid, out var k) && k.InTree
                        && Interop.Files.TryStat($"/proc/{tgid}", out var st) && st.Ino == k.Ino;
                }
                if (same && (tid == tgid || Interop.Files.TryStat($"/proc/{tgid}/task/{tid}", out _))) still.Add((tid, tgid));
            }
            return still;
        }
    }

    /// <summary>Whether process <paramref name="pid"/> is of the tree now: null when its chain of
    /// parents cannot be read (the caller fails closed). The supervisor and the outside roots are not.</summary>
    public bool? Holds(int pid)
    {
        if (pid == _self || outside?.Contains(pid) == true) return false;
        lock (_lock)
        {
            // The chain up to a root or init, with each /proc inode (InTree's view of a listing).
            var now = new Dictionary<int, ulong>();
            for (int p = pid, depth = 0; p > 1 && depth < 4096 && !now.ContainsKey(p); depth++)
            {
                if (!Interop.Files.TryStat($"/proc/{p}", out var st)) break;
                now[p] = st.Ino;
                if (roots.Contains(p) || !ProcessInfo.TryStat(p, out int ppid, out _, out _)) break;
                p = ppid;
            }
            if (!now.TryGetValue(pid, out ulong ino)) return null;
            var at = InTree(pid, ino, now, new Dictionary<int, (ulong, bool)>(), 0);
            return at == Place.In ? true : at == Place.Out ? false : null;
        }
    }

    private enum Place { Out, In, Gone, Unresolved }

    // A process whose parent is reaped between the read of its stat and its parent's was
    // reparented before (to a reaper of the tree, for one of the tree): its stat, read again, names
    // the new parent. Its answer is remembered only once its whole chain was read; a "gone" met on
    // the way is never turned into "not in the tree" (it would be remembered for a live child).
    private Place InTree(int pid, ulong ino, Dictionary<int, ulong> now, Dictionary<int, (ulong Ino, bool InTree)> known, int depth)
    {
        if (known.TryGetValue(pid, out var k) && k.Ino == ino) return k.InTree ? Place.In : Place.Out;
        bool inTree;
        if (_known.TryGetValue(pid, out k) && k.Ino == ino) inTree = k.InTree;
        else if (roots.Contains(pid)) inTree = true;
        else
        {
            for (int tries = 0; ; tries++)
            {
                // Gone runs nothing (not remembered); alive but unreadable is not known.
                if (!ProcessInfo.TryStat(pid, out int ppid, out _, out _)) return ProcessInfo.TaskGone(pid) ? Place.Gone : Place.Unresolved;
                // A parent's pid reused since the listing read /proc (the pid space wraps; a tree can
                // set ns_last_pid) names another process, whose place is not its child's: the parent
                // listed is gone (its child is retried, then fails closed). Another inode is another
                // process; for a process of its own (depth 0) the one now at the pid is judged.
                if (depth > 0 && !(Interop.Files.TryStat($"/proc/{pid}", out var now0) && now0.Ino == ino)) return Place.Gone;
                if (roots.Contains(ppid)) { inTree = true; break; }
                if (ppid <= 1) { inTree = false; break; }
                if (depth > 4096) return Place.Unresolved;
                var up = now.TryGetValue(ppid, out ulong pino) ? InTree(ppid, pino, now, known, depth + 1) : Place.Gone;
                if (up == Place.Unresolved) return up;
                if (up != Place.Gone) { inTree = up == Place.In; break; }
                if (tries == 3) return Place.Unresolved; // its parent went and it was not reparented: not known
            }
        }
        known[pid] = (ino, inTree);
        return inTree ? Place.In : Place.Out;
    }
}
