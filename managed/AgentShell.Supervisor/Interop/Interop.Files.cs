using System.Runtime.InteropServices;
using Tmds.Linux;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>Files: open, read, write, stat. A file that vanished or was replaced between two
    /// calls is an expected race: the stat calls are <c>Try*</c>.</summary>
    internal static partial class Files
    {
        internal const int O_RDONLY = 0x0;
        internal const int O_WRONLY = 0x1;
        internal const int O_RDWR = 0x2;
        internal const int O_CREAT = 0x40;
        internal const int O_NOCTTY = 0x100;
        internal const int O_APPEND = 0x400;
        internal const int O_NONBLOCK = 0x800;
        internal const int O_DIRECTORY = 0x10000;
        internal const int O_NOFOLLOW = 0x20000;
        internal const int O_CLOEXEC = 0x80000;

        /// <summary>How a file is opened to look at its content: never blocking in open(2) or read(2)
        /// on a FIFO or a device swapped in for it, never taking a terminal, not leaked to a child.</summary>
        internal const int ReadOnlyNoWait = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

        /// <summary>How the audit log is opened: one write(2) per record lands whole at the end.</summary>
        internal const int AppendOnly = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;

        // x86_64 syscall numbers. The raw calls, not glibc's stat(): glibc exports stat, fstat and
        // lstat only from 2.33 on (earlier ones have __xstat), and on x86_64 the kernel's struct stat
        // is glibc's (Tmds.Linux.stat).
        internal const int NR_stat = 4, NR_fstat = 5, NR_lstat = 6;

        /// <summary>statx(2) into a caller's 256-byte buffer: the mount id (STATX_MNT_ID) has no stat(2) field.</summary>
        [LibraryImport(Libc.Name, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buf);

        // open(2) is variadic in C; the mode is the one variadic int, passed in a register on x86_64 and arm64.
        [LibraryImport(Libc.Name, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int open_(string pathname, int flags, uint mode);

        [LibraryImport(Libc.Name, EntryPoint = "fchmod", SetLastError = true)]
        private static partial int fchmod_(int fd, uint mode);

        [LibraryImport(Libc.Name, EntryPoint = "readlink", SetLastError = true)]
        private static unsafe partial nint readlink_(byte* path, byte* buf, nuint size);

        /// <summary>readlink(2) of a path given as bytes ending in a NUL, into <paramref name="into"/>:
        /// the target's length (it fills <paramref name="into"/> when it may be longer), or -1 with errno.</summary>
        internal static unsafe int ReadLink(ReadOnlySpan<byte> pathWithNul, Span<byte> into, out Errno errno)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            nint n;
            fixed (byte* p = pathWithNul)
            fixed (byte* b = into)
                n = readlink_(p, b, (nuint)into.Length);
            errno = n < 0 ? LastErrno : 0;
            return (int)n;
        }

        [LibraryImport(Libc.Name, EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial nint realpath_(string path, nint resolved);

        [LibraryImport(Libc.Name, EntryPoint = "free")]
        private static partial void free_(nint p);

        /// <summary>realpath(3): the absolute path with every symlink resolved, or null (with errno)
        /// when a component does not exist or cannot be searched.</summary>
        internal static string? RealPath(string path, out Errno errno)
        {
            nint p = realpath_(path, 0);
            if (p == 0) { errno = LastErrno; return null; }
            errno = 0;
            try { return Marshal.PtrToStringUTF8(p); }
            finally { free_(p); }
        }

        [LibraryImport(Libc.Name, EntryPoint = "syscall", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static unsafe partial long syscall_path(long number, string path, stat* buf);

        [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long syscall_fd(long number, long fd, stat* buf);

        /// <summary>open(2), retrying EINTR: the fd, or -1 with errno.</summary>
        internal static int Open(string path, int flags, out Errno errno, uint mode = 0)
        {
            int fd;
            do
            {
                fd = open_(path, flags, mode);
                errno = fd < 0 ? LastErrno : 0;
            } while (fd < 0 && errno == Errno.EINTR);
            return fd;
        }

        [LibraryImport(Libc.Name, EntryPoint = "open", SetLastError = true)]
        private static unsafe partial int open_bytes(byte* pathname, int flags, uint mode);

        /// <summary><see cref="Open(string, int, out Errno, uint)"/> of a path given as bytes ending in a NUL.</summary>
        internal static unsafe int Open(ReadOnlySpan<byte> pathWithNul, int flags, out Errno errno)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            int fd;
            fixed (byte* p = pathWithNul)
            {
                do
                {
                    fd = open_bytes(p, flags, 0);
                    errno = fd < 0 ? LastErrno : 0;
                } while (fd < 0 && errno == Errno.EINTR);
            }
            return fd;
        }

        internal const int O_PATH = 0x200000;

        [LibraryImport(Libc.Name, EntryPoint = "openat", SetLastError = true)]
        private static unsafe partial int openat_bytes(int dirfd, byte* pathname, int flags, uint mode);

        /// <summary>openat(2) of a path given as bytes ending in a NUL, relative to <paramref name="dirfd"/>,
        /// retrying EINTR: the fd, or -1 with errno.</summary>
        internal static unsafe int OpenAt(int dirfd, ReadOnlySpan<byte> pathWithNul, int flags, out Errno errno)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            int fd;
            fixed (byte* p = pathWithNul)
            {
                do
                {
                    fd = openat_bytes(dirfd, p, flags, 0);
                    errno = fd < 0 ? LastErrno : 0;
                } while (fd < 0 && errno == Errno.EINTR);
            }
            return fd;
        }

        /// <summary>open(path, <see cref="AppendOnly"/>, mode), retrying EINTR; -1 with errno.</summary>
        internal static int OpenAppend(string path, uint mode, out Errno errno) => Open(path, AppendOnly, out errno, mode);

        /// <summary>One read(2) into <paramref name="buffer"/>, retrying EINTR: bytes read (0 at end of
        /// file), or -1 with errno.</summary>
        internal static unsafe int Read(int fd, Span<byte> buffer, out Errno errno)
        {
            fixed (byte* p = buffer)
            {
                nint n;
                do
                {
                    n = Libc.read(fd, p, buffer.Length);
                    errno = n < 0 ? LastErrno : 0;
                } while (n < 0 && errno == Errno.EINTR);
                return (int)n;
            }
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

        [LibraryImport(Libc.Name, EntryPoint = "flock", SetLastError = true)]
        private static partial int flock_(int fd, int operation);

        private const int LOCK_EX = 2, LOCK_NB = 4;

        /// <summary>flock(LOCK_EX | LOCK_NB), retrying EINTR: 0, or the errno (EAGAIN: another open
        /// file description holds it). The kernel drops the lock when the last fd of that open file
        /// description is closed, which a process's death does.</summary>
        internal static Errno TryLockExclusive(int fd)
        {
            while (true)
            {
                if (flock_(fd, LOCK_EX | LOCK_NB) == 0) return 0;
                var e = LastErrno;
                if (e != Errno.EINTR) return e;
            }
        }

        [LibraryImport(Libc.Name, EntryPoint = "ftruncate", SetLastError = true)]
        private static partial int ftruncate_(int fd, long length);

        [LibraryImport(Libc.Name, EntryPoint = "pread", SetLastError = true)]
        private static unsafe partial nint pread_(int fd, byte* buf, nint count, long offset);

        /// <summary>ftruncate(fd, 0): 0, or the errno.</summary>
        internal static Errno FTruncate(int fd) => ftruncate_(fd, 0) == 0 ? 0 : LastErrno;

        /// <summary>pread at offset 0, retrying EINTR: bytes read, or -1.</summary>
        internal static unsafe int PRead(int fd, Span<byte> buffer)
        {
            fixed (byte* p = buffer)
            {
                nint n;
                do n = pread_(fd, p, buffer.Length, 0);
                while (n < 0 && LastErrno == Errno.EINTR);
                return (int)n;
            }
        }

        /// <summary>pread at <paramref name="offset"/>, retrying EINTR: bytes read, or -1.</summary>
        internal static unsafe int PReadAt(int fd, Span<byte> buffer, long offset)
        {
            fixed (byte* p = buffer)
            {
                nint n;
                do n = pread_(fd, p, buffer.Length, offset);
                while (n < 0 && LastErrno == Errno.EINTR);
                return (int)n;
            }
        }

        /// <summary>fchmod(2): 0, or the errno.</summary>
        internal static Errno FChmod(int fd, uint mode) => fchmod_(fd, mode) == 0 ? 0 : LastErrno;

        /// <summary>stat(2), following symlinks; false when the path does not resolve (or cannot be read).</summary>
        internal static unsafe bool TryStat(string path, out FileStatus status)
        {
            stat st;
            bool ok = syscall_path(NR_stat, path, &st) == 0;
            status = ok ? new FileStatus(st) : default;
            return ok;
        }

        [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long syscall_bytes(long number, byte* path, stat* buf);

        /// <summary><see cref="TryStat(string, out FileStatus)"/> of a path given as bytes ending in a NUL:
        /// the bytes the kernel was given, with no string made or transcoded.</summary>
        internal static unsafe bool TryStat(ReadOnlySpan<byte> pathWithNul, out FileStatus status)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            stat st;
            bool ok;
            fixed (byte* p = pathWithNul) ok = syscall_bytes(NR_stat, p, &st) == 0;
            status = ok ? new FileStatus(st) : default;
            return ok;
        }

        internal const int NR_newfstatat = 262, AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;

        [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long syscall_at(long number, long dirfd, byte* path, stat* buf, long flags);

        /// <summary>fstatat(2) of a path given as bytes ending in a NUL, relative to <paramref name="dirfd"/>
        /// (or <see cref="AT_FDCWD"/>), following symlinks unless <paramref name="flags"/> has
        /// <see cref="AT_SYMLINK_NOFOLLOW"/>: 0 with the status, or the errno.</summary>
        internal static unsafe Errno StatAt(int dirfd, ReadOnlySpan<byte> pathWithNul, out FileStatus status, int flags = 0)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            stat st;
            long r;
            Errno e;
            fixed (byte* p = pathWithNul)
            {
                do
                {
                    r = syscall_at(NR_newfstatat, dirfd, p, &st, flags);
                    e = r == 0 ? 0 : LastErrno;
                } while (e == Errno.EINTR);
            }
            status = r == 0 ? new FileStatus(st) : default;
            return e;
        }

        /// <summary>lstat(2): the link itself when <paramref name="path"/> is a symlink.</summary>
        internal static unsafe bool TryLStat(string path, out FileStatus status)
        {
            stat st;
            bool ok = syscall_path(NR_lstat, path, &st) == 0;
            status = ok ? new FileStatus(st) : default;
            return ok;
        }

        [LibraryImport(Libc.Name, EntryPoint = "readlinkat", SetLastError = true)]
        private static unsafe partial nint readlinkat_(int dirfd, byte* path, byte* buf, nuint size);

        /// <summary>The target of the symlink <paramref name="fd"/> was opened on (O_PATH | O_NOFOLLOW:
        /// readlinkat with an empty path), or null when it cannot be read or is longer than 4096 bytes.</summary>
        internal static unsafe string? ReadLinkOf(int fd)
        {
            var buf = new byte[4097];
            byte empty = 0;
            nint n;
            fixed (byte* b = buf) n = readlinkat_(fd, &empty, b, (nuint)buf.Length);
            return n < 0 || n == buf.Length ? null : System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
        }

        private const long NR_openat2 = 437;
        internal const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_IN_ROOT = 0x10;

        /// <summary>openat2(2) of <paramref name="pathWithNul"/> under <paramref name="dirfd"/> with
        /// <paramref name="resolve"/> (RESOLVE_IN_ROOT: absolute symlinks and ".." stay under dirfd, as
        /// for a process whose root it is), retrying EINTR and EAGAIN: the fd, or -1 with errno.</summary>
        internal static unsafe int OpenAt2(int dirfd, ReadOnlySpan<byte> pathWithNul, int flags, ulong resolve, out Errno errno)
        {
            if (pathWithNul.IsEmpty || pathWithNul[^1] != 0) throw new ArgumentException("the path must end in a NUL", nameof(pathWithNul));
            var how = stackalloc ulong[3] { (ulong)(uint)flags, 0, resolve }; // struct open_how { flags, mode, resolve }
            long fd;
            fixed (byte* p = pathWithNul)
            {
                do
                {
                    fd = Libc.syscall4(NR_openat2, dirfd, (long)p, (long)how, 24);
                    errno = fd < 0 ? LastErrno : 0;
                } while (fd < 0 && errno is Errno.EINTR or Errno.EAGAIN);
            }
            return (int)fd;
        }

        [LibraryImport(Libc.Name, EntryPoint = "fstatfs", SetLastError = true)]
        private static unsafe partial int fstatfs_(int fd, byte* buf);

        /// <summary>procfs's f_type (PROC_SUPER_MAGIC).</summary>
        internal const long ProcSuperMagic = 0x9fa0;

        /// <summary>fstatfs(2)'s f_type of the file system <paramref name="fd"/> is on (its first field,
        /// a long on 64-bit Linux), or null when it fails.</summary>
        internal static unsafe long? FileSystemType(int fd)
        {
            var buf = stackalloc byte[256]; // struct statfs is 120 bytes on x86_64 and arm64
            return fstatfs_(fd, buf) == 0 ? *(long*)buf : null;
        }

        /// <summary>fstat(2) of an open fd: the file actually opened, whatever its path names now.</summary>
        internal static unsafe bool TryFStat(int fd, out FileStatus status)
        {
            stat st;
            bool ok = syscall_fd(NR_fstat, fd, &st) == 0;
            status = ok ? new FileStatus(st) : default;
            return ok;
        }
    }
}

/// <summary>What the supervisor uses of a struct stat.</summary>
internal readonly struct FileStatus
{
    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000;

    internal FileStatus(in stat st)
    {
        Dev = st.st_dev;
        Ino = st.st_ino;
        Mode = (uint)st.st_mode;
        Links = st.st_nlink;
        Uid = st.st_uid;
        Size = st.st_size;
        MtimeSec = st.st_mtim.tv_sec;
        MtimeNsec = st.st_mtim.tv_nsec;
        CtimeSec = st.st_ctim.tv_sec;
        CtimeNsec = st.st_ctim.tv_nsec;
    }

    /// <summary>st_dev, glibc's encoding (see <see cref="Network.ExecFiles.KernelDev"/>).</summary>
    internal ulong Dev { get; }
    internal ulong Ino { get; }
    /// <summary>st_mode: file type and permission bits.</summary>
    internal uint Mode { get; }
    /// <summary>st_nlink (of /proc/PID/task: the thread group's threads + 2).</summary>
    internal ulong Links { get; }
    internal uint Uid { get; }
    internal long Size { get; }
    internal long MtimeSec { get; }
    /// <summary>st_ctim in nanoseconds since the epoch.</summary>
    internal long CtimeNs => CtimeSec * 1_000_000_000 + CtimeNsec;
    internal long MtimeNsec { get; }
    internal long CtimeSec { get; }
    internal long CtimeNsec { get; }

    /// <summary>(device, inode): names one file.</summary>
    internal (ulong Dev, ulong Ino) Identity => (Dev, Ino);
    internal bool IsRegular => (Mode & S_IFMT) == S_IFREG;
    internal bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
    internal bool IsSocket => (Mode & S_IFMT) == S_IFSOCK;
    internal bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;
    /// <summary>The permission bits (st_mode &amp; 07777).</summary>
    internal uint Permissions => Mode & 0xFFF;
}
