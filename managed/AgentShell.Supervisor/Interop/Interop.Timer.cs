using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>timerfd(2): a one-shot monotonic timer read as an fd.</summary>
    internal static partial class Timer
    {
        private const int CLOCK_MONOTONIC = 1, TFD_CLOEXEC = 0x80000;

        [StructLayout(LayoutKind.Sequential)]
        private struct itimerspec
        {
            public long it_interval_sec, it_interval_nsec, it_value_sec, it_value_nsec;
        }

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static partial int timerfd_create(int clockid, int flags);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static unsafe partial int timerfd_settime(int fd, int flags, itimerspec* value, itimerspec* old);

        /// <summary>A monotonic timer fd, disarmed (close-on-exec); -1 with errno.</summary>
        internal static int Create(out Errno errno)
        {
            int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
            errno = fd < 0 ? LastErrno : 0;
            return fd;
        }

        /// <summary>Arms <paramref name="fd"/> to expire after <paramref name="nanoseconds"/> (0:
        /// disarms it), then every <paramref name="intervalNanoseconds"/> (0: once): 0, or the errno.</summary>
        internal static unsafe Errno Set(int fd, long nanoseconds, long intervalNanoseconds = 0)
        {
            var t = new itimerspec
            {
                it_value_sec = nanoseconds / 1_000_000_000, it_value_nsec = nanoseconds % 1_000_000_000,
                it_interval_sec = intervalNanoseconds / 1_000_000_000, it_interval_nsec = intervalNanoseconds % 1_000_000_000,
            };
            return timerfd_settime(fd, 0, &t, null) == 0 ? 0 : LastErrno;
        }

        /// <summary>Blocks until <paramref name="fd"/> expires (retrying EINTR): 0 with the number of
        /// expirations since the last read, or the errno.</summary>
        internal static unsafe Errno Wait(int fd, out ulong expirations)
        {
            ulong ticks = 0;
            expirations = 0;
            while (Libc.read(fd, (byte*)&ticks, 8) < 0)
            {
                var e = LastErrno;
                if (e != Errno.EINTR) return e;
            }
            expirations = ticks;
            return 0;
        }
    }

    /// <summary>clock_gettime(2), for the start-up trace (Diagnostics.StartupTrace).</summary>
    internal static partial class Clock
    {
        internal const int CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;

        [StructLayout(LayoutKind.Sequential)]
        private struct timespec
        {
            public long tv_sec, tv_nsec;
        }

        [LibraryImport(Libc.Name)]
        private static unsafe partial int clock_gettime(int clockid, timespec* tp);

        /// <summary>The clock's reading in microseconds (0 if it cannot be read).</summary>
        internal static unsafe long Microseconds(int clock)
        {
            timespec t;
            return clock_gettime(clock, &t) == 0 ? t.tv_sec * 1_000_000 + t.tv_nsec / 1000 : 0;
        }
    }
}
