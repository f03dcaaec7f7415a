using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

// Every native call of the supervisor lives under Interop/, one file per area (files, memory,
// sockets, seccomp, pidfd, bpf, process/credentials, spawn); nothing outside this folder names
// Tmds.Linux, Mono.Unix or declares a P/Invoke. Callers get typed results: an Errno (EINTR is
// retried in here and never surfaces), Try* for expected races (a process or file gone), and
// ThrowHelper on cold paths. Each binding package has one job:
// - Our own [LibraryImport]s, SetLastError = true, are the calls: errno is captured by the runtime
//   right after the call (reading errno later, as Tmds.LibC's LibC.errno does, was clobbered by the
//   runtime in a probe).
// - Tmds.LibC (Tmds.Linux) supplies struct layouts (stat, pollfd, msghdr, iovec, cmsghdr), socket
//   constants and the CMSG_* helpers, which our calls take and return.
// - Mono.Posix (Mono.Unix.Native) supplies the credential queries getuid/geteuid/getpgrp, which it
//   binds straight to libc. Nothing that goes through its native helper libMonoPosixHelper.so
//   (Syscall.stat/lstat/fstat, open, read, UnixUserInfo, UnixSignal, NativeConvert) is used, so
//   the NativeAOT executable runs with no .so beside it.
internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const string Name = "libc";

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int close(int fd);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int unlink(string path);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int rename(string from, string to);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int setpriority(int which, uint who, int prio);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint write(int fd, byte* buf, nint count);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint read(int fd, byte* buf, nint count);

        [LibraryImport(Name, SetLastError = true)]
        private static unsafe partial int poll(Tmds.Linux.pollfd* fds, nuint nfds, int timeout);

        [StructLayout(LayoutKind.Sequential)]
        private struct timespec
        {
            public long tv_sec, tv_nsec;
        }

        [LibraryImport(Name, SetLastError = true)]
        private static unsafe partial int nanosleep(timespec* req, timespec* rem);

        /// <summary>Sleeps about <paramref name="nanoseconds"/> (under a second; a signal may end it
        /// early): finer than Thread.Sleep's milliseconds, for a short wait that polls.</summary>
        internal static unsafe void Nap(long nanoseconds)
        {
            var t = new timespec { tv_sec = 0, tv_nsec = Math.Clamp(nanoseconds, 1, 999_999_999) };
            nanosleep(&t, null);
        }

        /// <summary>Blocks until <paramref name="fd1"/> or <paramref name="fd2"/> is readable (or hung
        /// up), retrying EINTR: 0, or the errno.</summary>
        internal static unsafe Errno WaitReadable(int fd1, int fd2)
        {
            var fds = stackalloc Tmds.Linux.pollfd[2];
            fds[0] = new Tmds.Linux.pollfd { fd = fd1, events = Tmds.Linux.LibC.POLLIN };
            fds[1] = new Tmds.Linux.pollfd { fd = fd2, events = Tmds.Linux.LibC.POLLIN };
            while (poll(fds, 2, -1) < 0)
            {
                var e = LastErrno;
                if (e != Errno.EINTR) return e;
            }
            return 0;
        }

        /// <summary>True when none of <paramref name="fds"/> is readable now (one poll, no wait): for
        /// pidfds, none of their processes has exited. An error or an invalid fd is false.</summary>
        internal static unsafe bool NoneReadable(ReadOnlySpan<int> fds)
        {
            var p = stackalloc Tmds.Linux.pollfd[fds.Length];
            for (int i = 0; i < fds.Length; i++) p[i] = new Tmds.Linux.pollfd { fd = fds[i], events = Tmds.Linux.LibC.POLLIN };
            int r;
            do r = poll(p, (nuint)fds.Length, 0);
            while (r < 0 && LastErrno == Errno.EINTR);
            return r == 0;
        }

        /// <summary>True when <paramref name="fd"/> reports POLLHUP now (poll with no events and no
        /// wait). A seccomp listener does once no task uses its filter any more: the tree is gone.</summary>
        internal static unsafe bool HungUp(int fd)
        {
            var p = new Tmds.Linux.pollfd { fd = fd, events = 0 };
            int r;
            do r = poll(&p, 1, 0);
            while (r < 0 && LastErrno == Errno.EINTR);
            return r > 0 && (p.revents & Tmds.Linux.LibC.POLLHUP) != 0;
        }

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int isatty(int fd);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int eventfd(uint initval, int flags);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int mount(string source, string target, string fstype, nuint flags, string? data);

        [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long syscall3(long number, long a1, long a2, long a3);

        [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long syscall4(long number, long a1, long a2, long a3, long a4);

        internal const int EFD_CLOEXEC = 0x80000;
    }

    /// <summary>errno of the last P/Invoke of this thread, as a typed value.</summary>
    internal static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();
}

/// <summary>The errno values the supervisor acts on.</summary>
internal enum Errno
{
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12,
    EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENOTDIR = 20, EINVAL = 22, EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, EMSGSIZE = 90,
    EADDRINUSE = 98, ECONNRESET = 104, EISCONN = 106, ECONNREFUSED = 111, EALREADY = 114, EINPROGRESS = 115,
}

internal static class ThrowHelper
{
    /// <summary>Cold path: a syscall failed in a way the caller cannot handle.</summary>
    internal static Exception Syscall(string call, Errno errno) =>
        new System.ComponentModel.Win32Exception((int)errno, $"{call}: {Marshal.GetPInvokeErrorMessage((int)errno)}");
}
