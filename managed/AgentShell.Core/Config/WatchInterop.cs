using System.Runtime.InteropServices;

namespace AgentShell.Core.Config;

/// <summary>The libc calls Core makes itself: <see cref="MissingFileWatch"/>'s (inotify, poll,
/// statfs) and <see cref="LocalFiles"/>'s (open, statx, pread), errno captured by the runtime right
/// after each call.</summary>
internal static partial class WatchInterop
{
    private const string Libc = "libc";

    internal const int InNonBlock = 0x800, InCloExec = 0x80000;
    internal const uint InAttrib = 0x4, InMovedFrom = 0x40, InMovedTo = 0x80, InCreate = 0x100, InDelete = 0x200,
        InDeleteSelf = 0x400, InMoveSelf = 0x800, InOnlyDir = 0x1000000, InDontFollow = 0x2000000;
    internal const short PollIn = 0x1, PollPri = 0x2, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;
    internal const int ENOENT = 2, EINTR = 4, EAGAIN = 11, ENOTDIR = 20;
    internal const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000;
    internal const int AtEmptyPath = 0x1000;
    internal const uint StatxBasicStats = 0x7ff;
    internal const ushort SIfMt = 0xF000, SIfReg = 0x8000;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Libc, EntryPoint = "inotify_init1", SetLastError = true)]
    internal static partial int InotifyInit(int flags);

    [LibraryImport(Libc, EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint PRead(int fd, byte* buf, nint count, long offset);

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buf);

    /// <summary>What statx says of an open descriptor: its type bits (S_IFMT), and its identity, size
    /// and times as a <see cref="FileStamp"/>; false when statx fails.</summary>
    internal static unsafe bool Status(int fd, out ushort type, out FileStamp stamp)
    {
        // struct statx is 256 bytes, the same on every architecture: stx_mode (__u16) at 28, stx_ino
        // at 32, stx_size at 40, stx_ctime at 96 and stx_mtime at 112 ({__s64 sec, __u32 nsec}),
        // stx_dev_major/minor (__u32) at 136/140.
        byte* buf = stackalloc byte[256];
        bool ok = Statx(fd, "", AtEmptyPath, StatxBasicStats, buf) == 0;
        type = ok ? (ushort)(*(ushort*)(buf + 28) & SIfMt) : (ushort)0;
        stamp = ok ? new FileStamp(((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140), *(ulong*)(buf + 32),
            Ns(buf + 112), *(long*)(buf + 40), Ns(buf + 96)) : default;
        return ok;

        static long Ns(byte* t) => *(long*)t * 1_000_000_000 + *(uint*)(t + 8);
    }

    [LibraryImport(Libc, EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatFs(string path, byte* buf);

    /// <summary>f_type of the file system holding <paramref name="path"/>, or null when statfs fails.</summary>
    internal static unsafe long? FileSystemType(string path)
    {
        // struct statfs is 120 bytes on 64-bit Linux; f_type (a long) is its first field.
        byte* buf = stackalloc byte[256];
        return StatFs(path, buf) == 0 ? *(long*)buf : null;
    }
}
