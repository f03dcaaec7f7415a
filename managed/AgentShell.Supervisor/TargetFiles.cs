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
    /// not a regular file or cannot be read.</summary>
    internal static byte[]? Read(string procPath, int maxBytes)
    {
        int fd = Open(procPath, ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        try { return TryFStat(fd, out var st) && st.IsRegular && !OnProcfs(fd) ? ReadAll(fd, maxBytes) : null; }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>A configuration file: <paramref name="procPath"/> opens it, <paramref name="path"/>
    /// names it as the process sees it (the cache key, with the stamp).</summary>
    /// <param name="view">How the process resolves the path (its root, its cwd, the path as it names
    /// it): a file this open did not find counts as missing only when the process's own lookup would
    /// not find it either (<see cref="MissingFor"/>). Null only for a path read in this process's view.</param>
    internal static ConfigFile ReadConfig(string procPath, string path, ConfigFileCache cache, ProcessView? view = null)
    {
        int fd = Open(procPath, ReadOnlyNoWait, out var errno);
        if (fd < 0)
        {
            if (errno is not (Errno.ENOENT or Errno.ENOTDIR)) return ConfigFile.NotRead(path, ConfigFileState.Unreadable);
            if (view is not { } v) return ConfigFile.Missing;
            // Missing through a symlink: a file of its own, not the shared Missing, so the missing-file
            // watch does not remember it (the link's target can appear where nothing is watched).
            return MissingFor(v, out bool viaLink) ? viaLink ? ConfigFile.NotRead(path, ConfigFileState.Missing) : ConfigFile.Missing
                : ConfigFile.NotRead(path, ConfigFileState.Unreadable);
        }
        try
        {
            // The fd's own fstat says what was opened (no race with a rename after a stat of the path).
            // A file on procfs is not read: what it holds depends on who reads it (/proc/self/environ
            // through an absolute symlink, which resolves from our root, is our environment, not the tool's).
            if (!TryFStat(fd, out var st) || !st.IsRegular || OnProcfs(fd)) return ConfigFile.NotRead(path, ConfigFileState.Unreadable);
            var stamp = new FileStamp(st.Dev, st.Ino, st.MtimeSec * 1_000_000_000 + st.MtimeNsec, st.Size, st.CtimeSec * 1_000_000_000 + st.CtimeNsec);
            return cache.Get(path, stamp, () => ReadAll(fd, ConfigFile.MaxBytes + 1));
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>True only when <paramref name="v"/>'s path is missing for the process as the kernel
    /// would resolve it for that process: one component at a time from its cwd or root, an absolute
    /// symlink from its root (our open of /proc/PID/root/… follows one from ours), and never through
    /// procfs, where "self", "thread-self" and the magic links (cwd, fd/N: /dev/fd is one) name
    /// the reader: a lookup there by us says nothing of the tool's (HOME=/proc/self/cwd, a ~/.curlrc
    /// linked to /dev/fd/3/x, found missing by us, were the tool's own file). Anything else (a
    /// loop, an unreadable link, an error) is not proven missing, so the file counts as unreadable.
    /// PERF: runs only when the plain open found nothing and the missing-file watch had not (a
    /// known-missing file costs nothing); ~3 syscalls a component.</summary>
    internal static bool MissingFor(ProcessView v, out bool viaLink)
    {
        viaLink = false;
        const int PathFlags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
        int root = Open(v.Root, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
        if (root < 0) return false;
        int cur = -1;
        try
        {
            if (!TryFStat(root, out var top)) return false;
            cur = Open(v.Named.StartsWith('/') ? v.Root : v.Cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
            if (cur < 0) return false;
            var todo = new List<string>(); // a stack: the next component last
            Push(todo, v.Named);
            int links = 0;
            while (todo.Count > 0)
            {
                string name = todo[^1];
                todo.RemoveAt(todo.Count - 1);
                if (name == ".") continue;
                if (OnProcfs(cur)) return false;
                if (name == ".." && TryFStat(cur, out var here) && here.Identity == top.Identity) continue; // ".." of the root is the root
                int next = OpenAt(cur, Nul(name), PathFlags, out var errno);
                if (next < 0) return errno is Errno.ENOENT or Errno.ENOTDIR;
                if (!TryFStat(next, out var st)) { Interop.Libc.close(next); return false; }
                if (st.IsSymlink)
                {
                    viaLink = true;
                    string? target = ReadLinkOf(next);
                    Interop.Libc.close(next);
                    if (target is not { Length: > 0 } || ++links > 40) return false; // ELOOP's limit
                    if (target.StartsWith('/'))
                    {
                        int again = OpenAt(root, ".\0"u8, O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
                        if (again < 0) return false;
                        Interop.Libc.close(cur);
                        cur = again;
                    }
                    Push(todo, target);
                    continue;
                }
                Interop.Libc.close(cur);
                cur = next;
                if (todo.Count > 0 && !st.IsDirectory) return true; // a file named as a directory: ENOTDIR for the tool too
            }
            return false; // it is there for the process: our open failed for another reason
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

        static byte[] Nul(string name)
        {
            var b = new byte[System.Text.Encoding.UTF8.GetByteCount(name) + 1];
            System.Text.Encoding.UTF8.GetBytes(name, b);
            return b;
        }
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
