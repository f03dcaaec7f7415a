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
    internal static unsafe Outcome Read(string path, int maxBytes, out byte[]? bytes)
    {
        bytes = null;
        int fd = WatchInterop.Open(path, WatchInterop.ORdOnly | WatchInterop.ONonBlock | WatchInterop.OCloExec);
        if (fd < 0) return System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == WatchInterop.ENOENT ? Outcome.Missing : Outcome.Failed;
        try
        {
            // The type of what was opened, not of what the name pointed at a moment before.
            if (!WatchInterop.FileTypeAndSize(fd, out var type, out long size)) return Outcome.Failed;
            if (type != WatchInterop.SIfReg) return Outcome.NotRegular;
            // Sized by the file (a file that grows since is read up to its size then, or the limit).
            var buf = new byte[(int)Math.Clamp(size, 0, maxBytes)];
            int n = 0;
            fixed (byte* p = buf)
            {
                while (n < buf.Length)
                {
                    nint r = WatchInterop.PRead(fd, p + n, buf.Length - n, n);
                    if (r < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == WatchInterop.EINTR) continue;
                    if (r < 0) return Outcome.Failed;
                    if (r == 0) break;
                    n += (int)r;
                }
            }
            bytes = n == buf.Length ? buf : buf[..n];
            return Outcome.Read;
        }
        finally
        {
            WatchInterop.Close(fd);
        }
    }
}
