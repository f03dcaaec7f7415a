using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

// Every P/Invoke of the supervisor lives under Interop/, one file per area. Calls are declared
// here with SetLastError so errno is captured by the runtime right after the call (reading
// Tmds.LibC's errno later was clobbered by the runtime in a probe); Tmds.LibC supplies the
// struct layouts, constants and CMSG helpers.
internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const string Name = "libc";

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int close(int fd);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint write(int fd, byte* buf, nint count);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint read(int fd, byte* buf, nint count);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int poll(Tmds.Linux.pollfd* fds, nuint nfds, int timeout);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int kill(int pid, int sig);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int isatty(int fd);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int getpid();

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int eventfd(uint initval, int flags);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int mount(string source, string target, string fstype, nuint flags, string? data);

        [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long syscall3(long number, long a1, long a2, long a3);

        [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long syscall4(long number, long a1, long a2, long a3, long a4);

        internal const int PR_SET_DUMPABLE = 4;
        internal const int PR_SET_CHILD_SUBREAPER = 36;
        internal const int EFD_CLOEXEC = 0x80000;
    }

    /// <summary>errno of the last P/Invoke of this thread, as a typed value.</summary>
    internal static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();
}

/// <summary>The errno values the supervisor acts on.</summary>
internal enum Errno
{
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12,
    EACCES = 13, EFAULT = 14, EBUSY = 16, EINVAL = 22, ENOSYS = 38, EINPROGRESS = 115,
}

internal static class ThrowHelper
{
    /// <summary>Cold path: a syscall failed in a way the caller cannot handle.</summary>
    internal static Exception Syscall(string call, Errno errno) =>
        new System.ComponentModel.Win32Exception((int)errno, $"{call}: {Marshal.GetPInvokeErrorMessage((int)errno)}");
}
