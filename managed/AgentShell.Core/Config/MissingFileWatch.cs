using static AgentShell.Core.Config.WatchInterop;

namespace AgentShell.Core.Config;

/// <summary>Configuration files found missing (<c>~/.curlrc</c>, <c>/etc/wgetrc</c>, a kubeconfig),
/// remembered only while nothing can have made them appear. A name appears in a directory only
/// through create, mkdir, mknod, symlink, link or rename into it, each of which queues an inotify
/// event (IN_CREATE or IN_MOVED_TO) on that directory inside the syscall that does it; or through a
/// mount, which bumps the mount namespace's event count (POLLPRI on its mountinfo). So: every
/// directory from / down to the first missing component is watched before the real lookup, and
/// each answer first drains both signals (one poll, no wait). Any event forgets everything.
/// A file created before an exec is therefore never answered "missing" for it. What cannot be
/// watched soundly is always looked up: a path through a symlink, "." or "..", a directory on a
/// file system not in <see cref="Trusted"/> (network and FUSE file systems change without events),
/// a path once the watch limit is reached; and any inotify or poll error turns caching off.
/// One instance serves one mount namespace and root (the caller keys it).</summary>
public sealed class MissingFileWatch : IDisposable
{
    private const int MaxEntries = 1024;
    // Only what can make a missing name appear, and a watched directory going away (IN_IGNORED
    // follows). Deletions and attribute changes cannot, and would forget the cache needlessly.
    private const uint Mask = InCreate | InMovedTo | InMovedFrom | InDeleteSelf | InMoveSelf | InOnlyDir | InDontFollow;

    // ext2/3/4, xfs, btrfs, tmpfs: every change goes through this kernel's VFS, so fsnotify sees it.
    // overlayfs: changes made through the overlay do too; a change to its layers underneath is
    // undefined behaviour (kernel docs) and needs root outside the tree.
    private static readonly long[] Trusted = [0xEF53, 0x58465342, 0x9123683E, 0x01021994, 0x794C7630];

    private readonly object _lock = new();
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);
    private readonly int _maxWatches;
    private int _inotify = -1, _mounts = -1, _watches;
    private bool _off;
    private long _hits, _lookups;

    /// <summary>Watches the paths of the mount namespace whose mountinfo is <paramref name="mountInfo"/>
    /// (<c>/proc/self/mountinfo</c>, or <c>/proc/PID/mountinfo</c> of a process of the namespace),
    /// opened here and kept: it stays that namespace's whatever becomes of the process.</summary>
    public MissingFileWatch(string mountInfo = "/proc/self/mountinfo", int maxWatches = 256)
    {
        _maxWatches = maxWatches;
        _mounts = Open(mountInfo, ORdOnly | OCloExec);
        if (_mounts < 0) _off = true;
    }

    /// <summary>The watch of this process's own view (used by <see cref="Model.LocalExecContext"/>).</summary>
    public static MissingFileWatch Local { get; } = new();

    /// <summary>A watch that remembers nothing: every lookup is real (for comparisons).</summary>
    public static MissingFileWatch Never() => new("");

    /// <summary>Answers given from the cache (tests and the bench count them).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Real lookups made (every answer that was not a hit).</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    /// <summary>Directories watched since the watch was last started over.</summary>
    public int Watches => _watches;

    /// <summary>False once an inotify or poll error turned caching off.</summary>
    public bool Enabled => !_off;

    /// <summary>The file at <paramref name="path"/> (absolute, as the process names it): known
    /// missing, or found by <paramref name="lookup"/>. <paramref name="prefix"/> leads to the
    /// process's root from here ("" or <c>/proc/PID/root</c>). <paramref name="drain"/>: the first
    /// lookup of each decision must drain (a decision's later lookups may skip it: every change
    /// made before its exec was taken in by then). PERF: a syscall costs ~1.3 µs here, one per
    /// decision is the price; <paramref name="state"/> lets the caller pass a static lookup.</summary>
    public ConfigFile Find<T>(string prefix, string path, bool drain, T state, Func<T, ConfigFile> lookup)
    {
        if (_off || !Plain(path)) return Real(state, lookup);
        lock (_lock)
        {
            if (drain && !Drain()) return Real(state, lookup);
            if (_missing.Contains(path))
            {
                _hits++;
                return ConfigFile.Missing;
            }
            // Watches first, then the real lookup, then a drain: a name that appeared between any
            // two of these is either seen by the lookup or forgets the cache before it is written.
            long before = _generation;
            bool watched = WatchDirectories(prefix, path);
            var found = Real(state, lookup);
            // Only the shared Missing: a lookup that found the name missing through a symlink says so
            // with a file of its own (the link's target is not under the watched directories).
            if (watched && ReferenceEquals(found, ConfigFile.Missing) && Drain() && before == _generation)
            {
                if (_missing.Count >= MaxEntries) _missing.Clear();
                _missing.Add(path);
            }
            return found;
        }
    }

    private long _generation;

    private ConfigFile Real<T>(T state, Func<T, ConfigFile> lookup)
    {
        Interlocked.Increment(ref _lookups);
        return lookup(state);
    }

    // Absolute, no empty, "." or ".." component: the lexical ancestors are the real ones (a
    // symlinked component is refused by IN_DONT_FOLLOW when it is watched).
    private static bool Plain(string path)
    {
        if (path.Length < 2 || path[0] != '/' || path[^1] == '/' || path.Contains('\0')) return false;
        if (path.Contains("//", StringComparison.Ordinal) || path.Contains("/./", StringComparison.Ordinal) || path.Contains("/../", StringComparison.Ordinal)) return false;
        return !path.EndsWith("/.", StringComparison.Ordinal) && !path.EndsWith("/..", StringComparison.Ordinal);
    }

    /// <summary>Watches every directory from / to the file's parent, or to the first component that
    /// does not exist. False when one cannot be watched soundly (the file is then looked up each time).</summary>
    private bool WatchDirectories(string prefix, string path)
    {
        if (_inotify < 0 && !Start()) return false;
        int end = 0;
        while (end >= 0)
        {
            string dir = end == 0 ? "/" : path[..end];
            if (!_watched.Contains(dir))
            {
                if (_watches >= _maxWatches)
                {
                    StartOver(); // bounded: the next lookups watch afresh; this one is not remembered
                    return false;
                }
                string at = prefix + dir;
                int wd = InotifyAddWatch(_inotify, at, Mask);
                if (wd < 0)
                    // ENOENT: this component is missing, and its parent (watched) would see it appear.
                    // ENOTDIR (a symlink or a file), EACCES, ENOSPC, …: not watched, not remembered.
                    return System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == ENOENT && end > 0;
                _watches++;
                if (FileSystemType(at) is not long type || Array.IndexOf(Trusted, type) < 0) return false;
                _watched.Add(dir);
            }
            end = path.IndexOf('/', end + 1);
        }
        return true;
    }

    private bool Start()
    {
        _inotify = InotifyInit(InNonBlock | InCloExec);
        if (_inotify >= 0) return true;
        TurnOff();
        return false;
    }

    /// <summary>Takes in every change signalled so far; false when the signals cannot be read
    /// (caching is then off).</summary>
    private unsafe bool Drain()
    {
        if (_off) return false;
        if (_inotify < 0) return true; // nothing watched, nothing remembered
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = _inotify, Events = PollIn };
        fds[1] = new PollFd { Fd = _mounts, Events = PollPri };
        int n;
        do n = Poll(fds, 2, 0);
        while (n < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == EINTR);
        if (n < 0 || ((fds[0].Revents | fds[1].Revents) & (PollNval | PollHup)) != 0 || (fds[0].Revents & PollErr) != 0) { TurnOff(); return false; }
        if (n == 0) return true;
        if ((fds[0].Revents & PollIn) != 0)
        {
            var buf = stackalloc byte[4096];
            while (true)
            {
                nint got = Read(_inotify, buf, 4096);
                if (got > 0) continue;
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (got < 0 && errno == EAGAIN) break;
                if (got < 0 && errno == EINTR) continue;
                TurnOff();
                return false;
            }
        }
        Forget(); // an event, or a mount or unmount in the namespace (POLLPRI/POLLERR)
        return true;
    }

    private void Forget()
    {
        _generation++;
        _missing.Clear();
        _watched.Clear();
    }

    private void StartOver()
    {
        Forget();
        if (_inotify >= 0) Close(_inotify);
        _inotify = -1;
        _watches = 0;
    }

    private void TurnOff()
    {
        _off = true;
        StartOver();
        if (_mounts >= 0) Close(_mounts);
        _mounts = -1;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock) TurnOff();
    }
}
