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
        try { return TryFStat(fd, out var st) && st.IsRegular ? ReadAll(fd, maxBytes) : null; }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>A configuration file: <paramref name="procPath"/> opens it, <paramref name="path"/>
    /// names it as the process sees it (the cache key, with the stamp).</summary>
    internal static ConfigFile ReadConfig(string procPath, string path, ConfigFileCache cache)
    {
        int fd = Open(procPath, ReadOnlyNoWait, out var errno);
        if (fd < 0)
            return errno is Errno.ENOENT or Errno.ENOTDIR ? ConfigFile.Missing : ConfigFile.NotRead(path, ConfigFileState.Unreadable);
        try
        {
            // The fd's own fstat says what was opened (no race with a rename after a stat of the path).
            if (!TryFStat(fd, out var st) || !st.IsRegular) return ConfigFile.NotRead(path, ConfigFileState.Unreadable);
            var stamp = new FileStamp(st.Dev, st.Ino, st.MtimeSec * 1_000_000_000 + st.MtimeNsec, st.Size, st.CtimeSec * 1_000_000_000 + st.CtimeNsec);
            return cache.Get(path, stamp, () => ReadAll(fd, ConfigFile.MaxBytes + 1));
        }
        finally { Interop.Libc.close(fd); }
    }

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
