using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>recv(2)/send(2) on a connected stream socket, for the wire layer's relays (PERF: .NET's
    /// Socket.Receive/Send add SafeHandle, async-context and recvmsg bookkeeping to each call). The
    /// handle is referenced for the call, as .NET's own blocking calls do, so disposing the socket
    /// from another thread shuts it down to wake a blocked call and closes the fd only after it returned.</summary>
    internal static partial class SocketIo
    {
        private const int MSG_NOSIGNAL = 0x4000;

        [LibraryImport(Libc.Name, EntryPoint = "recv", SetLastError = true)]
        private static unsafe partial nint recv_(SafeHandle fd, byte* buf, nuint len, int flags);

        [LibraryImport(Libc.Name, EntryPoint = "send", SetLastError = true)]
        private static unsafe partial nint send_(SafeHandle fd, byte* buf, nuint len, int flags);

        /// <summary>Bytes received (0 at the end of the stream), or the errno as a negative number; EINTR is retried.</summary>
        internal static unsafe int Receive(SafeHandle fd, Span<byte> buffer)
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = recv_(fd, p, (nuint)buffer.Length, 0);
                    if (n >= 0) return (int)n;
                    var e = LastErrno;
                    if (e != Errno.EINTR) return -(int)e;
                }
            }
        }

        /// <summary>Bytes sent (at least one), or the errno as a negative number; EINTR is retried.
        /// Never raises SIGPIPE (the peer gone is EPIPE).</summary>
        internal static unsafe int Send(SafeHandle fd, ReadOnlySpan<byte> buffer)
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = send_(fd, p, (nuint)buffer.Length, MSG_NOSIGNAL);
                    if (n >= 0) return (int)n;
                    var e = LastErrno;
                    if (e != Errno.EINTR) return -(int)e;
                }
            }
        }
    }
}
