using System.Text;

namespace AgentShell.Supervisor;

/// <summary>A path resolved one component at a time as the kernel does (lstat, readlink, at most 40
/// links), telling whether its answer is the one it had when the run began: every link followed
/// was made before it (a link's change time is when it was made: it cannot be rewritten, only
/// replaced), no directory on the way was renamed into its place in the run, and where nothing is found, the directory that holds nothing is unchanged since (its
/// change time: an entry removed or renamed away sets it, and unlike the modification time,
/// utimes cannot set it back). One walk per check: the lstat and
/// readlink answers are kept for the next path (the loader's places share their directories).</summary>
internal sealed class PathWalk(long sinceNs)
{
    public enum Result { Found, Missing, MissingChanged, Changed, Unreadable }

    private const int MaxLinks = 40;
    private readonly Dictionary<string, (Errno Errno, FileStatus Status)> _lstat = new(StringComparer.Ordinal);
    private const int MaxLinksKept = 8192;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(ulong, ulong, long), string> s_links = new();

    /// <summary>Found: <paramref name="st"/> is the file's lstat, <paramref name="where"/> its path
    /// with no link in it. Missing or MissingChanged: <paramref name="where"/> is the directory that
    /// lacks the next component (changed in the run or not). Changed: the link made in the run.
    /// Unreadable: what could not be read.</summary>
    public Result Resolve(string path, out FileStatus st, out string where)
    {
        st = default;
        where = path;
        if (!path.StartsWith('/')) return Result.Unreadable;
        var rest = new Stack<string>();
        Push(rest, path);
        string cur = "";
        int links = 0;
        FileStatus last = default;
        while (rest.TryPop(out string? c))
        {
            if (c.Length == 0 || c == ".") continue;
            if (c == "..") { cur = cur.Length == 0 ? "" : cur[..cur.LastIndexOf('/')]; continue; }
            string next = cur + "/" + c;
            var (e, s) = LStat(next);
            if (e == Errno.ENOENT || e == Errno.ENOTDIR || (e == 0 && rest.Count > 0 && !s.IsDirectory && !s.IsSymlink))
                return Absent(cur, out where);
            if (e != 0) { where = next; return Result.Unreadable; }
            if (s.IsSymlink)
            {
                where = next;
                if (s.CtimeNs >= sinceNs) return Result.Changed;
                string? target = Link(next, s);
                if (target == null || ++links > MaxLinks) return Result.Unreadable;
                Push(rest, target);
                if (target.StartsWith('/')) cur = "";
                continue;
            }
            // A directory renamed into its place in the run (`mv lib2 lib`): a rename sets the moved
            // directory's change time and its parent's (change times: `touch -m -d` can set a
            // modification time back after the rename, not a change time). PERF: the parent's lstat
            // (kept from this walk) only for a directory changed since the run began.
            if (s.IsDirectory && s.CtimeNs >= sinceNs && ParentChanged(cur))
            {
                where = next;
                return Result.Changed;
            }
            cur = next;
            last = s;
        }
        if (cur.Length == 0) return LStat("/") is (0, var root) ? Found(root, "/", out st, out where) : Result.Unreadable;
        return Found(last, cur, out st, out where);
    }

    /// <summary>Takes <paramref name="st"/> as the lstat of <paramref name="path"/>: the mapping
    /// check's stat of a mapped file, whose name (the kernel's, d_path) has no link in it.
    /// PERF: one lstat fewer per library.</summary>
    public void Know(string path, in FileStatus st) => _lstat.TryAdd(path, (0, st));

    private static Result Found(FileStatus s, string path, out FileStatus st, out string where)
    {
        st = s;
        where = path;
        return Result.Found;
    }

    private Result Absent(string dir, out string where)
    {
        where = dir.Length == 0 ? "/" : dir;
        var (e, s) = LStat(where);
        if (e != 0) return Result.Unreadable;
        return s.CtimeNs < sinceNs ? Result.Missing : Result.MissingChanged;
    }

    /// <summary>True when the directory <paramref name="dir"/> ("" for the root) had an entry added,
    /// removed or renamed since the run began (or cannot be read).</summary>
    private bool ParentChanged(string dir)
    {
        var (e, s) = LStat(dir.Length == 0 ? "/" : dir);
        return e != 0 || s.CtimeNs >= sinceNs;
    }

    private static void Push(Stack<string> rest, string path)
    {
        var parts = path.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--) rest.Push(parts[i]);
    }

    private (Errno, FileStatus) LStat(string path)
    {
        if (_lstat.TryGetValue(path, out var known)) return known;
        var e = Interop.Files.StatAt(Interop.Files.AT_FDCWD, Encoding.UTF8.GetBytes(path + "\0"), out var st, Interop.Files.AT_SYMLINK_NOFOLLOW);
        return _lstat[path] = (e, st);
    }

    /// <summary>The target of the link at <paramref name="path"/> (its lstat <paramref name="st"/>).
    /// PERF: kept per (device, inode, change time) across walks: a link's target is fixed when it is
    /// made (there is no call that rewrites it), so only its lstat is repeated.</summary>
    private static string? Link(string path, in FileStatus st)
    {
        var key = (st.Dev, st.Ino, st.CtimeNs);
        if (s_links.TryGetValue(key, out var known)) return known;
        Span<byte> buf = stackalloc byte[4096];
        int n = Interop.Files.ReadLink(Encoding.UTF8.GetBytes(path + "\0"), buf, out _);
        if (n <= 0 || n >= buf.Length) return null;
        // Read after the lstat: the same link only if its lstat is unchanged (else it is not kept).
        string target = Encoding.UTF8.GetString(buf[..n]);
        if (Interop.Files.StatAt(Interop.Files.AT_FDCWD, Encoding.UTF8.GetBytes(path + "\0"), out var again, Interop.Files.AT_SYMLINK_NOFOLLOW) != 0
            || again.Dev != st.Dev || again.Ino != st.Ino || again.CtimeNs != st.CtimeNs)
            return null;
        if (s_links.Count >= MaxLinksKept) s_links.Clear();
        s_links[key] = target;
        return target;
    }
}
