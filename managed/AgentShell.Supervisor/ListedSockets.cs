namespace AgentShell.Supervisor;

/// <summary>Which listed command-server socket (<see cref="CommandServers"/>) a socket file is, by
/// identity. Each directory holding listed sockets keeps its own set, rescanned only when that
/// directory changed (a directory not there yet is watched through the nearest one that is, whose
/// entries its making changes). A socket once listed stays listed for the run (by identity): moving
/// it out of its directory (the agent is its owner) does not make it another server. The sets are
/// first made when the run starts, before the tree runs anything.
/// PERF: a connect to any existing socket (X11, syslog, an app's) asks. Stating every directory on
/// each connect and rescanning all on any change cost up to +70 µs a connect here (/tmp changes all
/// the time). Now a change is an inotify event on the directories (one non-blocking read a question,
/// no stat while nothing changed), and only a changed directory is rescanned. Where inotify cannot
/// be had (or its watches run out), the directories on the socket's own filesystem are stated each
/// time (a socket is on the filesystem of the directory that holds it), each once, as byte paths;
/// a socket on a filesystem no directory is on (one mounted since: mounts make no inotify event)
/// states them all.</summary>
internal sealed class ListedSockets : IDisposable
{
    private sealed class Holder(string path, string[] names, string[] globs, Dictionary<string, byte[]> interned)
    {
        /// <summary>The directory, then each parent up to "/", NUL-terminated (one array per path, shared).</summary>
        public readonly byte[][] Chain = Ancestors(path, interned);
        public (int Level, ulong Dev, ulong Ino, long Mtime, long Ctime) Seen = (-1, 0, 0, 0, 0);
        public Dictionary<(ulong, ulong), string> Sockets = [];

        /// <summary>The directory to watch: itself, or the nearest parent that exists; null: none.</summary>
        public byte[]? Watched => Seen.Level >= 0 && Seen.Level < Chain.Length ? Chain[Seen.Level] : null;

        /// <summary>Rescans when the directory (or the nearest existing parent, when it is missing) changed.</summary>
        public void Refresh(Stats stats)
        {
            var now = State(stats);
            if (now == Seen) return;
            var sockets = new Dictionary<(ulong, ulong), string>(Sockets); // once listed, listed for the run
            if (now.Level == 0)
            {
                foreach (var name in names)
                    if (Interop.Files.TryStat(Path.Join(path, name), out var st) && st.IsSocket) sockets.TryAdd(st.Identity, Path.Join(path, name));
                foreach (var glob in globs)
                {
                    IEnumerable<string> entries;
                    try { entries = Directory.EnumerateFileSystemEntries(path, glob); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
                    foreach (var entry in entries)
                        if (Interop.Files.TryStat(entry, out var st) && st.IsSocket) sockets.TryAdd(st.Identity, entry);
                }
            }
            (Sockets, Seen) = (sockets, now);
        }

        private (int Level, ulong Dev, ulong Ino, long Mtime, long Ctime) State(Stats stats)
        {
            for (int level = 0; level < Chain.Length; level++)
                if (stats.Of(Chain[level]) is { } st)
                    return (level, st.Dev, st.Ino, st.MtimeSec * 1_000_000_000 + st.MtimeNsec, st.CtimeNs);
            return (Chain.Length, 0, 0, 0, 0);
        }

        private static byte[][] Ancestors(string path, Dictionary<string, byte[]> interned)
        {
            var chain = new List<byte[]>();
            for (string? p = path; !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
            {
                if (!interned.TryGetValue(p, out var bytes)) interned[p] = bytes = System.Text.Encoding.UTF8.GetBytes(p + "\0");
                chain.Add(bytes);
            }
            return [.. chain];
        }
    }

    /// <summary>One stat per directory per question (/run holds the place of several missing ones).</summary>
    private sealed class Stats
    {
        private readonly Dictionary<byte[], (int Round, FileStatus? Status)> _seen = new(ReferenceEqualityComparer.Instance);
        public int Round;

        public FileStatus? Of(byte[] path)
        {
            if (_seen.TryGetValue(path, out var s) && s.Round == Round) return s.Status;
            FileStatus? now = Interop.Files.TryStat(path, out var st) ? st : null;
            _seen[path] = (Round, now);
            return now;
        }
    }

    private readonly Holder[] _dirs;
    private readonly Stats _stats = new();
    private readonly Lock _lock = new();
    private int _inotify = -1;
    private bool _pending = true;

    /// <param name="exact">Listed socket paths.</param>
    /// <param name="globs">Listed patterns: a directory and a name with <c>*</c>.</param>
    /// <param name="watch">False: stat the directories instead of watching them (as when inotify cannot be had; tests).</param>
    public ListedSockets(IEnumerable<string> exact, IEnumerable<(string Dir, string Glob)> globs, bool watch = true)
    {
        var names = exact.GroupBy(p => Path.GetDirectoryName(p) ?? "/").ToDictionary(g => g.Key, g => g.Select(p => Path.GetFileName(p)).Distinct().ToArray());
        var patterns = globs.GroupBy(g => g.Dir.Length == 0 ? "/" : g.Dir).ToDictionary(g => g.Key, g => g.Select(x => x.Glob).Distinct().ToArray());
        var interned = new Dictionary<string, byte[]>();
        _dirs = [.. names.Keys.Union(patterns.Keys).Select(d => new Holder(d, names.GetValueOrDefault(d, []), patterns.GetValueOrDefault(d, []), interned))];
        _inotify = watch ? Interop.Inotify.Open(out _) : -1;
        lock (_lock) RefreshAll();
    }

    /// <summary>The listed path of the socket <paramref name="target"/>, or null when it is none.</summary>
    /// <param name="refreshed">The caller has just called <see cref="Refresh"/> (PERF: no second inotify read);
    /// a socket on a filesystem no listed directory is on still remakes the sets.</param>
    public string? Of((ulong Dev, ulong Ino) target, bool refreshed = false)
    {
        lock (_lock)
        {
            bool onItsDevice = false;
            foreach (var d in _dirs) onItsDevice |= d.Seen.Dev == target.Dev;
            if (!refreshed || !onItsDevice) RefreshLocked(onItsDevice ? target.Dev : null, remount: !onItsDevice);
            foreach (var d in _dirs)
                if (d.Sockets.TryGetValue(target, out var path)) return path;
            return null;
        }
    }

    /// <summary>Brings the sets up to date (as a question does) and returns how many sockets were
    /// ever listed: the sets only grow, so a new listed socket changes the count.</summary>
    public int Refresh()
    {
        lock (_lock)
        {
            RefreshLocked(null, remount: false);
            int count = 0;
            foreach (var d in _dirs) count += d.Sockets.Count;
            return count;
        }
    }

    /// <summary>Every socket ever listed, by identity, with its listed path.</summary>
    public List<((ulong Dev, ulong Ino) Identity, string Path)> All()
    {
        lock (_lock) return [.. _dirs.SelectMany(d => d.Sockets.Select(kv => (kv.Key, kv.Value)))];
    }

    /// <param name="device">The device of the socket asked about, when a listed directory is on it:
    /// without inotify only those directories are stated; null: all.</param>
    /// <param name="remount">Remake every set even with no event: the socket asked about is on a
    /// filesystem no listed directory is on (one mounted since: mounts make no inotify event).</param>
    private void RefreshLocked(ulong? device, bool remount)
    {
        _stats.Round++;
        if (_inotify >= 0)
        {
            // Drained first: a change made while the sets are remade is seen next time.
            var changed = Interop.Inotify.Drain(_inotify);
            if (changed == null) StopWatching();
            else if (changed == true || _pending || remount) RefreshAll();
        }
        if (_inotify < 0)
        {
            foreach (var d in _dirs)
                if (device == null || d.Seen.Dev == device) d.Refresh(_stats);
        }
    }

    /// <summary>Remakes every changed set, then watches each directory (or its nearest parent). A
    /// change between a set's scan and its watch is caught by a second look after the watches:
    /// it leaves the next question to remake the sets again.</summary>
    private void RefreshAll()
    {
        foreach (var d in _dirs) d.Refresh(_stats);
        _pending = false;
        if (_inotify < 0) return;
        foreach (var d in _dirs)
            if (d.Watched is { } dir && Interop.Inotify.Watch(_inotify, dir) != 0) { StopWatching(); return; }
        _stats.Round++;
        var before = _dirs.Select(d => d.Seen).ToArray();
        foreach (var d in _dirs) d.Refresh(_stats);
        _pending = !before.SequenceEqual(_dirs.Select(d => d.Seen));
    }

    /// <summary>inotify failed (its watches ran out, a read error): the directories are stated instead.</summary>
    private void StopWatching()
    {
        if (_inotify >= 0) Interop.Libc.close(_inotify);
        _inotify = -1;
    }

    public void Dispose()
    {
        lock (_lock) StopWatching();
    }
}
