using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>inotify, non-blocking: a change signal drained without waiting (<see cref="ListedSockets"/>).</summary>
    internal static partial class Inotify
    {
        private const int IN_NONBLOCK = 0x800, IN_CLOEXEC = 0x80000;

        /// <summary>Entries made, removed or renamed in a directory, or the directory itself removed or moved.</summary>
        internal const uint DirectoryChanges = 0x40 /* MOVED_FROM */ | 0x80 /* MOVED_TO */ | 0x100 /* CREATE */ | 0x200 /* DELETE */
            | 0x400 /* DELETE_SELF */ | 0x800 /* MOVE_SELF */ | 0x1000000 /* ONLYDIR */;

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static partial int inotify_init1(int flags);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static unsafe partial int inotify_add_watch(int fd, byte* path, uint mask);

        /// <summary>A non-blocking inotify descriptor, or -1 with errno (the caller then does without).</summary>
        internal static int Open(out Errno errno)
        {
            int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
            errno = fd < 0 ? LastErrno : 0;
            return fd;
        }

        /// <summary>Watches the directory <paramref name="pathWithNul"/> for <see cref="DirectoryChanges"/>: 0 or errno.</summary>
        internal static unsafe Errno Watch(int fd, ReadOnlySpan<byte> pathWithNul)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            fixed (byte* p = pathWithNul) return inotify_add_watch(fd, p, DirectoryChanges) >= 0 ? 0 : LastErrno;
        }

        /// <summary>Reads every queued event: true when there was any (or the queue overflowed), false
        /// when none, null when the descriptor cannot be read (the caller stops trusting it).</summary>
        [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the events are read, never looked at
        internal static bool? Drain(int fd)
        {
            Span<byte> events = stackalloc byte[4096];
            bool any = false;
            while (true)
            {
                int n = Files.Read(fd, events, out var errno);
                if (n > 0) { any = true; continue; }
                return n < 0 && errno == Errno.EAGAIN ? any : null;
            }
        }
    }
}
