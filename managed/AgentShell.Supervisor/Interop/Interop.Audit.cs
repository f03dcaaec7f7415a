using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Audit
    {
        internal const int O_WRONLY = 0x1;
        internal const int O_CREAT = 0x40;
        internal const int O_APPEND = 0x400;
        internal const int O_CLOEXEC = 0x80000;

        // open(2) is variadic in C; the mode is the one variadic int, passed in a register on x86_64 and arm64.
        [LibraryImport(Libc.Name, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int open(string pathname, int flags, uint mode);

        [LibraryImport(Libc.Name, SetLastError = true)]
        internal static partial int fchmod(int fd, uint mode);

        /// <summary>open(path, O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode), retrying EINTR; -1 with errno.</summary>
        internal static int OpenAppend(string path, uint mode, out Errno errno)
        {
            int fd;
            do
            {
                fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
                errno = fd < 0 ? LastErrno : 0;
            } while (fd < 0 && errno == Errno.EINTR);
            return fd;
        }

        /// <summary>One write(2) of <paramref name="data"/>, retrying EINTR that wrote nothing; bytes written or -1 with errno.</summary>
        internal static unsafe nint WriteOnce(int fd, ReadOnlySpan<byte> data, out Errno errno)
        {
            fixed (byte* p = data)
            {
                nint n;
                do
                {
                    n = Libc.write(fd, p, data.Length);
                    errno = n < 0 ? LastErrno : 0;
                } while (n < 0 && errno == Errno.EINTR);
                return n;
            }
        }
    }
}
