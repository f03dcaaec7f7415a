using AgentShell.Core.Config;
using static AgentShell.Supervisor.Interop.Files;

namespace AgentShell.Supervisor;

/// <summary>Reads files as a traced process would find them (paths under /proc/PID/root and
/// /proc/PID/cwd), for parsers: bounded, and never blocking: the file is opened non-blocking and
/// only a regular file is read, so a FIFO, a device or a socket put where a config file or a
/// request body is expected cannot stall a decision. Configuration files go through a cache keyed
/// by the file's device, inode, modification and change times and size, stamped from the same open file.</summary>
internal static class TargetFiles
{
    /// <summary>At most <paramref name="maxBytes"/> of a regular file, or null when it is missing,
    /// not a regular file or cannot be read. <paramref name="view"/>: as for <see cref="ReadConfig"/>.</summary>
    internal static byte[]? Read(string procPath, int maxBytes, ProcessView? view = null)
    {
        int fd = view is { } v ? OpenAs(v, out _, out _) : Open(procPath, ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        try { return TryFStat(fd, out var st) && st.IsRegular && !OnProcfs(fd) ? ReadAll(fd, maxBytes) : null; }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>A configuration file: <paramref name="procPath"/> opens it, <paramref name="path"/>
    /// names it as the process sees it (the cache key, with the stamp).</summary>
    /// <param name="view">How the process resolves the path (its root, its cwd, the path as it names
    /// it): the file is opened as the process would open it (<see cref="OpenAs"/>), and counts as
    /// missing only when the process's own lookup would not find it either. Null only for a path
    /// read in this process's own view (tests).</param>
    internal static ConfigFile ReadConfig(string procPath, string path, ConfigFileCache cache, ProcessView? view = null)
    {
        bool unprovable = false, viaLink = false;
        int fd = view is { } v ? OpenAs(v, out unprovable, out viaLink) : Open(procPath, ReadOnlyNoWait, out _);
        if (fd < 0)
        {
            if (unprovable) return ConfigFile.NotRead(path, ConfigFileState.Unreadable);
            // Missing through a symlink: a file of its own, not the shared Missing, so the missing-file
            // watch does not remember it (the link's target can appear where nothing is watched).
            return viaLink ? ConfigFile.NotRead(path, ConfigFileState.Missing) : ConfigFile.Missing;
        }
        try
        {
            // The fd's own fstat says what was opened (no race with a rename after a stat of the path).
            // A file on procfs is not read: what it holds depends on who reads it (/proc/self/environ).
            if (!TryFStat(fd, out var st) || !st.IsRegular || OnProcfs(fd)) return ConfigFile.NotRead(path, ConfigFileState.Unreadable);
            var stamp = new FileStamp(st.Dev, st.Ino, st.MtimeSec * 1_000_000_000 + st.MtimeNsec, st.Size, st.CtimeSec * 1_000_000_000 + st.CtimeNsec);
            return cache.Get(path, stamp, () => ReadAll(fd, ConfigFile.MaxBytes + 1));
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>Opens <paramref name="v"/>'s path for reading (non-blocking) as the kernel would
    /// resolve it for the process: an absolute symlink from the process's root, not ours (our open of
    /// /proc/PID/root/… follows one from ours: ~/.curlrc linked to /proc/self/cwd/rc was our cwd's
    /// rc), and no magic link (/proc/PID/cwd, fd/N, /dev/fd: they would name their target for any
    /// reader, but "self" in front of them names the reader). An absolute path is one openat2
    /// (RESOLVE_IN_ROOT under the process's root); a relative one, or any where openat2 is missing
    /// (ENOSYS), is walked (<see cref="Walk"/>).
    /// -1 when not opened: <paramref name="unprovable"/> unless the process would find it missing too
    /// (<paramref name="viaLink"/>: missing through a symlink).</summary>
    private static volatile bool s_noOpenat2;

    internal static int OpenAs(ProcessView v, out bool unprovable, out bool viaLink)
    {
        unprovable = true;
        viaLink = false;
        if (v.Named.Length == 0 || v.Named.Contains('\0')) return -1;
        if (v.Named.StartsWith('/') && !s_noOpenat2)
        {
            int root = Open(v.Root, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
            if (root < 0) return -1;
            int fd;
            Errno errno;
            try { fd = OpenAt2(root, Nul(v.Named), ReadOnlyNoWait, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, out errno); }
            finally { Interop.Libc.close(root); }
            if (fd >= 0) { unprovable = false; return fd; }
            if (errno == Errno.ENOSYS) s_noOpenat2 = true; // a kernel before 5.6, or a seccomp profile without it: walk instead
            else if (errno is not (Errno.ENOENT or Errno.ENOTDIR)) return -1;
            else
            {
                // Not found: proven missing only by a walk that meets no procfs ("self" in the tree's own
                // /proc, from our pid namespace, is ENOENT to us and the tool's own process to it).
                unprovable = Walk(v, wantFile: false, out _, out viaLink) != Lookup.Missing;
                return -1;
            }
        }
        var found = Walk(v, wantFile: true, out int at, out viaLink);
        if (found == Lookup.Missing) { unprovable = false; return -1; }
        if (found != Lookup.Found) return -1;
        try
        {
            int fd = Open($"/proc/self/fd/{at}", ReadOnlyNoWait, out _); // reopens what the O_PATH fd names
            unprovable = fd < 0;
            return fd;
        }
        finally { Interop.Libc.close(at); }
    }

    /// <summary>The file <paramref name="v"/>'s path names for the process (its status, links
    /// followed as the kernel would for it): Found, Missing, or Unprovable (a magic link or procfs on
    /// the way, whose "self" would name us; something unreadable).</summary>
    internal static Lookup StatAs(ProcessView v, out FileStatus status)
    {
        status = default;
        var found = Walk(v, wantFile: true, out int at, out _);
        if (found != Lookup.Found) return found;
        try { return Interop.Files.TryFStat(at, out status) ? Lookup.Found : Lookup.Unprovable; }
        finally { Interop.Libc.close(at); }
    }

    /// <summary><see cref="StatAs"/>'s file as an O_PATH fd (the caller closes it) when Found, else -1.</summary>
    internal static Lookup PathAs(ProcessView v, out int fd)
    {
        var found = Walk(v, wantFile: true, out fd, out _);
        if (found != Lookup.Found) fd = -1;
        return found;
    }

    /// <summary>True only when <paramref name="v"/>'s path is missing for the process (see <see cref="Walk"/>).</summary>
    internal static bool MissingFor(ProcessView v, out bool viaLink) => Walk(v, wantFile: false, out _, out viaLink) == Lookup.Missing;

    internal enum Lookup { Found, Missing, Unprovable }

    /// <summary>When (ctime, ns) anything that could make <paramref name="v"/>'s lookup find another
    /// file last changed: each link on the way and the file (made, replaced, renamed in, linked or
    /// written: each sets its ctime), each directory on the way that may have been moved into place
    /// (the earlier of its own ctime and its parent's: a rename sets both),
    /// and the directory where the name is missing (a file made and removed there). Not an entry
    /// made beside the way in a directory that was not itself moved: a file written in the cwd or
    /// in /tmp next to the config does not redirect it. Null when the lookup is not provable
    /// (see <see cref="Walk"/>).</summary>
    internal static long? NewestChange(ProcessView v)
    {
        long newest = long.MinValue;
        var found = Walk(v, wantFile: false, out _, out _, ref newest);
        return found == Lookup.Unprovable ? null : newest;
    }

    /// <summary>Looks <paramref name="v"/>'s path up as the kernel would for the process: one
    /// component at a time from its cwd or root, an absolute symlink from its root, ".." of its
    /// root staying there, and never through procfs, where "self", "thread-self" and the magic
    /// links (cwd, fd/N: /dev/fd is one) name the reader: a lookup there by us says nothing of the
    /// tool's (HOME=/proc/self/cwd, a ~/.curlrc linked to /dev/fd/3/x, found missing by us, were the
    /// tool's own file). Anything else (a loop, an unreadable link, an error) is
    /// <see cref="Lookup.Unprovable"/>. <paramref name="found"/>: an O_PATH fd of the file when
    /// <paramref name="wantFile"/> (the caller closes it). PERF: ~3 syscalls a component; runs for a
    /// relative path, and for an absolute one only when it was not found and the missing-file watch
    /// had not already remembered it (a known-missing file costs nothing).</summary>
    private static Lookup Walk(ProcessView v, bool wantFile, out int found, out bool viaLink)
    {
        long ignored = 0;
        return Walk(v, wantFile, out found, out viaLink, ref ignored);
    }

    private static Lookup Walk(ProcessView v, bool wantFile, out int found, out bool viaLink, ref long newest)
    {
        const int PathFlags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
        found = -1;
        viaLink = false;
        int root = Open(v.Root, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
        if (root < 0) return Lookup.Unprovable;
        int cur = -1;
        try
        {
            if (!TryFStat(root, out var top)) return Lookup.Unprovable;
            cur = Open(v.Named.StartsWith('/') ? v.Root : v.Cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
            // The directory the lookup is in (its stat): where it starts is the process's own, by
            // inode, not by name; only what is found in it, or missing from it, counts.
            if (cur < 0 || !TryFStat(cur, out var dir)) return Lookup.Unprovable;
            var todo = new List<string>(); // a stack: the next component last
            Push(todo, v.Named);
            int links = 0;
            while (todo.Count > 0)
            {
                string name = todo[^1];
                todo.RemoveAt(todo.Count - 1);
                if (name == ".") continue;
                if (OnProcfs(cur)) return Lookup.Unprovable;
                if (name == ".." && TryFStat(cur, out var here) && here.Identity == top.Identity) continue; // ".." of the root is the root
                int next = OpenAt(cur, Nul(name), PathFlags, out var errno);
                if (next < 0 && errno is Errno.ENOENT or Errno.ENOTDIR)
                {
                    // Missing here: any entry made or removed in this directory may have been it.
                    newest = Math.Max(newest, dir.CtimeNs);
                    return Lookup.Missing;
                }
                if (next < 0) return Lookup.Unprovable;
                if (!TryFStat(next, out var st)) { Interop.Libc.close(next); return Lookup.Unprovable; }
                // ".." follows the directory's own parent (an inode, no name to redirect). A directory
                // found by name was moved into place only if its ctime and its parent's are both from
                // the run (a rename sets both); its ctime alone is also set by an entry made in it.
                // The parent's ctime, not its mtime: utimes(2) can set an mtime back, never a ctime.
                if (name != "..") newest = Math.Max(newest, st.IsDirectory ? Math.Min(st.CtimeNs, dir.CtimeNs) : st.CtimeNs);
                if (st.IsSymlink)
                {
                    viaLink = true;
                    string? target = ReadLinkOf(next);
                    Interop.Libc.close(next);
                    if (target is not { Length: > 0 } || ++links > 40) return Lookup.Unprovable; // ELOOP's limit
                    if (target.StartsWith('/'))
                    {
                        int again = OpenAt(root, ".\0"u8, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
                        if (again < 0) return Lookup.Unprovable;
                        Interop.Libc.close(cur);
                        cur = again;
                        dir = top;
                    }
                    Push(todo, target);
                    continue;
                }
                Interop.Libc.close(cur);
                cur = next;
                dir = st;
                if (todo.Count > 0 && !st.IsDirectory) return Lookup.Missing; // a file named as a directory: ENOTDIR for the tool too
            }
            if (OnProcfs(cur)) return Lookup.Unprovable;
            if (wantFile) { found = cur; cur = -1; }
            return Lookup.Found;
        }
        finally
        {
            if (cur >= 0) Interop.Libc.close(cur);
            Interop.Libc.close(root);
        }

        static void Push(List<string> todo, string path)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--) todo.Add(parts[i]);
        }
    }

    private static byte[] Nul(string name)
    {
        var b = new byte[System.Text.Encoding.UTF8.GetByteCount(name) + 1];
        System.Text.Encoding.UTF8.GetBytes(name, b);
        return b;
    }

    private static bool OnProcfs(int fd) => FileSystemType(fd) is not long t || t == ProcSuperMagic;

    private static byte[]? ReadAll(int fd, int maxBytes)
    {
        var buf = new byte[maxBytes];
        int total = 0;
        while (total < maxBytes)
        {
            int n = Interop.Files.Read(fd, buf.AsSpan(total), out _);
            if (n < 0) return null;
            if (n == 0) break;
            total += n;
        }
        return total == buf.Length ? buf : buf[..total];
    }
}

/// <summary>How a process resolves a path: <paramref name="Root"/> and <paramref name="Cwd"/> open its
/// root and working directory (<c>/proc/PID/root</c>, <c>/proc/PID/cwd</c>), <paramref name="Named"/>
/// is the path as the process names it.</summary>
internal readonly record struct ProcessView(string Root, string Cwd, string Named)
{
    /// <summary>Process <paramref name="pid"/>'s view of <paramref name="named"/>.</summary>
    internal static ProcessView Of(int pid, string named) => new($"/proc/{pid}/root", $"/proc/{pid}/cwd", named);
}
