using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Pipe
    {
        private const int O_CLOEXEC = 0x80000;

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static unsafe partial int pipe2(int* fds, int flags);

        /// <summary>A pipe whose ends are closed on exec (a spawn passes one on explicitly).</summary>
        internal static unsafe (int Read, int Write) Open()
        {
            int* fds = stackalloc int[2];
            if (pipe2(fds, O_CLOEXEC) != 0) throw ThrowHelper.Syscall("pipe2", LastErrno);
            return (fds[0], fds[1]);
        }
    }
}
