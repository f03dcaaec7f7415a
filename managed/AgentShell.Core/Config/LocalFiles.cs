using System.Runtime.InteropServices;

namespace AgentShell.Core.Config;

/// <summary>Reads a file of this machine for <c>check</c> and the agent hooks, as the tool would
/// read it, without ever blocking: the file is opened non-blocking and read only when it is a
/// regular file. A FIFO, a socket or a device in a configuration file's or a body file's place
/// hands the tool whatever a writer sends at run time, so it is never taken for empty or missing:
/// it is unreadable, and the effect unknown.</summary>
internal static class LocalFiles
{
    internal enum Outcome { Read, Missing, NotRegular, Failed }

    /// <summary>At most <paramref name="maxBytes"/> of <paramref name="path"/>.</summary>
    internal static Outcome Read(string path, int maxBytes, out byte[]? bytes)
    {
        bytes = null;
        var outcome = Open(path, out int fd, out var stamp);
        if (outcome != Outcome.Read) return outcome;
        try
        {
            bytes = ReadAll(fd, stamp.Size, maxBytes);
            return bytes == null ? Outcome.Failed : Outcome.Read;
        }
        finally { WatchInterop.Close(fd); }
    }

    /// <summary>A configuration file, cached by the stamp of the very file opened (content and stamp
    /// agree: no rename between a stat of the path and the open can pair one file's stamp with another's
    /// bytes). A directory or anything not regular is unreadable; a missing one is
    /// <see cref="ConfigFile.Missing"/>.</summary>
    internal static ConfigFile ReadConfig(string full, string path, ConfigFileCache cache)
    {
        var outcome = Open(full, out int fd, out var stamp);
        if (outcome == Outcome.Missing) return ConfigFile.Missing;
        if (outcome != Outcome.Read) return ConfigFile.NotRead(path, ConfigFileState.Unreadable);
        try { return cache.Get(full, stamp, () => ReadAll(fd, stamp.Size, ConfigFile.MaxBytes + 1)); }
        finally { WatchInterop.Close(fd); }
    }

    // Opens a regular file for reading (non-blocking); Read with the descriptor, else why not (no descriptor then).
    private static Outcome Open(string path, out int fd, out FileStamp stamp)
    {
        stamp = default;
        fd = WatchInterop.Open(path, WatchInterop.ORdOnly | WatchInterop.ONonBlock | WatchInterop.OCloExec);
        if (fd < 0) return Marshal.GetLastPInvokeError() is WatchInterop.ENOENT or WatchInterop.ENOTDIR ? Outcome.Missing : Outcome.Failed;
        // The type of what was opened, not of what the name pointed at a moment before.
        var outcome = !WatchInterop.Status(fd, out var type, out stamp) ? Outcome.Failed
            : type != WatchInterop.SIfReg ? Outcome.NotRegular : Outcome.Read;
        if (outcome != Outcome.Read) { WatchInterop.Close(fd); fd = -1; }
        return outcome;
    }

    // Up to maxBytes of an open regular file of SIZE bytes when opened (one that grows since is read to
    // that size, or the limit); null when a read fails.
    private static unsafe byte[]? ReadAll(int fd, long size, int maxBytes)
    {
        var buf = new byte[(int)Math.Clamp(size, 0, maxBytes)];
        int n = 0;
        fixed (byte* p = buf)
        {
            while (n < buf.Length)
            {
                nint r = WatchInterop.PRead(fd, p + n, buf.Length - n, n);
                if (r < 0 && Marshal.GetLastPInvokeError() == WatchInterop.EINTR) continue;
                if (r < 0) return null;
                if (r == 0) break;
                n += (int)r;
            }
        }
        return n == buf.Length ? buf : buf[..n];
    }
}
