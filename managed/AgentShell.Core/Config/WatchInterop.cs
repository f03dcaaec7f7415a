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
    internal const int ENOENT = 2, EINTR = 4, EAGAIN = 11;
    internal const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000;
    internal const int AtEmptyPath = 0x1000;
    internal const uint StatxType = 0x1, StatxSize = 0x200;
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

    /// <summary>The file type bits (S_IFMT) and size of an open descriptor; false when statx fails.</summary>
    internal static unsafe bool FileTypeAndSize(int fd, out ushort type, out long size)
    {
        // struct statx is 256 bytes; stx_mode (a __u16) is at offset 28, stx_size (a __u64) at 40,
        // on every architecture.
        byte* buf = stackalloc byte[256];
        bool ok = Statx(fd, "", AtEmptyPath, StatxType | StatxSize, buf) == 0;
        type = ok ? (ushort)(*(ushort*)(buf + 28) & SIfMt) : (ushort)0;
        size = ok ? *(long*)(buf + 40) : 0;
        return ok;
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
