using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>Unix SOCK_SEQPACKET sockets bound to a path (the daemon socket): one message per
    /// send, with file descriptors passed beside it (SCM_RIGHTS); and the listening SOCK_STREAM
    /// socket of a run's control socket. Every fd is close-on-exec.</summary>
    internal static partial class UnixSockets
    {
        private const int SOCK_STREAM = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, SO_PEERCRED = 17;
        private const int MSG_NOSIGNAL = 0x4000, MSG_TRUNC = 0x20, SHUT_RDWR = 2;

        /// <summary>Longest fd list a message carries.</summary>
        internal const int MaxFds = 4;

        [LibraryImport(Libc.Name, EntryPoint = "socket", SetLastError = true)]
        private static partial int socket_(int domain, int type, int protocol);

        [LibraryImport(Libc.Name, EntryPoint = "bind", SetLastError = true)]
        private static unsafe partial int bind_(int fd, byte* addr, uint len);

        [LibraryImport(Libc.Name, EntryPoint = "listen", SetLastError = true)]
        private static partial int listen_(int fd, int backlog);

        [LibraryImport(Libc.Name, EntryPoint = "accept4", SetLastError = true)]
        private static unsafe partial int accept4_(int fd, byte* addr, uint* len, int flags);

        [LibraryImport(Libc.Name, EntryPoint = "connect", SetLastError = true)]
        private static unsafe partial int connect_(int fd, byte* addr, uint len);

        [LibraryImport(Libc.Name, EntryPoint = "getsockopt", SetLastError = true)]
        private static unsafe partial int getsockopt_(int fd, int level, int name, void* value, uint* len);

        [LibraryImport(Libc.Name, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint sendmsg_(int fd, msghdr* msg, int flags);

        [LibraryImport(Libc.Name, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint recvmsg_(int fd, msghdr* msg, int flags);

        [LibraryImport(Libc.Name, EntryPoint = "shutdown", SetLastError = true)]
        private static partial int shutdown_(int fd, int how);

        /// <summary>struct sockaddr_un for <paramref name="path"/> (sun_family, then the NUL-terminated path).</summary>
        private static byte[] Address(string path)
        {
            var bytes = Encoding.UTF8.GetBytes(path);
            if (bytes.Length == 0 || bytes.Length > 107) throw new IOException($"socket path '{path}' is empty or longer than 107 bytes");
            var sa = new byte[2 + bytes.Length + 1];
            sa[0] = (byte)LibC.AF_UNIX;
            bytes.CopyTo(sa, 2);
            return sa;
        }

        private static int NewSocket(int type = SOCK_SEQPACKET)
        {
            int fd = socket_(LibC.AF_UNIX, type | SOCK_CLOEXEC, 0);
            if (fd < 0) throw ThrowHelper.Syscall(type == SOCK_STREAM ? "socket(AF_UNIX, SOCK_STREAM)" : "socket(AF_UNIX, SOCK_SEQPACKET)", LastErrno);
            return fd;
        }

        /// <summary>A non-blocking SOCK_STREAM socket, not connected (a probe: a full backlog is
        /// EAGAIN, not a wait), or -1 with errno.</summary>
        internal static int NewProbe(out Errno errno)
        {
            const int SOCK_NONBLOCK = 0x800;
            int fd = socket_(LibC.AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            errno = fd < 0 ? LastErrno : 0;
            return fd;
        }

        /// <summary>A SOCK_STREAM socket bound to <paramref name="path"/>, not yet listening (its
        /// file's mode can be set first): the fd, or -1 with the errno of bind.</summary>
        internal static unsafe int BindStream(string path, out Errno errno)
        {
            var sa = Address(path);
            int fd = NewSocket(SOCK_STREAM);
            fixed (byte* p = sa)
            {
                if (bind_(fd, p, (uint)sa.Length) == 0) { errno = 0; return fd; }
            }
            errno = LastErrno;
            Libc.close(fd);
            return -1;
        }

        /// <summary>listen(2): 0, or the errno.</summary>
        internal static Errno StartListening(int fd, int backlog) => listen_(fd, backlog) == 0 ? 0 : LastErrno;

        /// <summary>A listening socket bound to <paramref name="path"/>: the fd, or -1 with the errno of
        /// bind or listen (EADDRINUSE: the path exists).</summary>
        internal static unsafe int Listen(string path, int backlog, out Errno errno)
        {
            var sa = Address(path);
            int fd = NewSocket();
            fixed (byte* p = sa)
            {
                if (bind_(fd, p, (uint)sa.Length) == 0 && listen_(fd, backlog) == 0) { errno = 0; return fd; }
            }
            errno = LastErrno;
            Libc.close(fd);
            return -1;
        }

        /// <summary>A socket connected to <paramref name="path"/>, or -1 with errno (ENOENT: nothing
        /// there; ECONNREFUSED: nobody listens).</summary>
        internal static unsafe int Connect(string path, out Errno errno)
        {
            var sa = Address(path);
            int fd = NewSocket();
            fixed (byte* p = sa)
            {
                int r;
                do r = connect_(fd, p, (uint)sa.Length);
                while (r < 0 && LastErrno == Errno.EINTR);
                if (r == 0) { errno = 0; return fd; }
            }
            errno = LastErrno;
            Libc.close(fd);
            return -1;
        }

        /// <summary>accept4(CLOEXEC), retrying EINTR: the connection, or -1 with errno (EINVAL once
        /// the listening socket is shut down).</summary>
        internal static unsafe int Accept(int fd, out Errno errno)
        {
            while (true)
            {
                int c = accept4_(fd, null, null, SOCK_CLOEXEC);
                errno = c < 0 ? LastErrno : 0;
                if (c >= 0 || errno != Errno.EINTR) return c;
            }
        }

        /// <summary>shutdown(SHUT_RDWR): wakes a thread blocked in accept or recv on it.</summary>
        internal static void Shutdown(int fd) => shutdown_(fd, SHUT_RDWR);

        /// <summary>SO_PEERCRED: the peer's pid (in our pid namespace; 0 when it is outside it) and uid,
        /// as they were at connect time.</summary>
        internal static unsafe bool TryPeerCred(int fd, out int pid, out uint uid)
        {
            int* cred = stackalloc int[3]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            uint len = 12;
            bool ok = getsockopt_(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) == 0 && len == 12;
            pid = ok ? cred[0] : 0;
            uid = ok ? (uint)cred[1] : uint.MaxValue;
            return ok;
        }

        /// <summary>Sends one message with <paramref name="fds"/> beside it: 0, or the errno (EPIPE:
        /// the peer is gone).</summary>
        internal static unsafe Errno Send(int fd, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
        {
            if (fds.Length > MaxFds) throw new ArgumentException("too many fds", nameof(fds));
            int space = fds.Length == 0 ? 0 : LibC.CMSG_SPACE(sizeof(int) * fds.Length);
            byte* control = stackalloc byte[Math.Max(space, 1)];
            new Span<byte>(control, Math.Max(space, 1)).Clear();
            fixed (byte* d = data)
            {
                var iov = new Tmds.Linux.iovec { iov_base = d, iov_len = data.Length };
                var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1 };
                if (space > 0)
                {
                    msg.msg_control = control;
                    msg.msg_controllen = (socklen_t)space;
                    var c = LibC.CMSG_FIRSTHDR(&msg);
                    c->cmsg_level = LibC.SOL_SOCKET;
                    c->cmsg_type = LibC.SCM_RIGHTS;
                    c->cmsg_len = LibC.CMSG_LEN(sizeof(int) * fds.Length);
                    fds.CopyTo(new Span<int>(LibC.CMSG_DATA(c), fds.Length));
                }
                while (true)
                {
                    if (sendmsg_(fd, &msg, MSG_NOSIGNAL) >= 0) return 0;
                    var e = LastErrno;
                    if (e != Errno.EINTR) return e;
                }
            }
        }

        /// <summary>Receives one message into <paramref name="buffer"/> and the fds passed with it
        /// (close-on-exec) into <paramref name="fds"/>. Returns its length (0: the peer closed), or -1
        /// with errno. A message or fd list that did not fit is refused: -1 with EMSGSIZE, and any fd
        /// that arrived is closed.</summary>
        internal static unsafe int Receive(int fd, Span<byte> buffer, Span<int> fds, out int fdCount, out Errno errno)
        {
            fdCount = 0;
            int space = LibC.CMSG_SPACE(sizeof(int) * MaxFds);
            byte* control = stackalloc byte[space];
            new Span<byte>(control, space).Clear();
            fixed (byte* b = buffer)
            {
                var iov = new Tmds.Linux.iovec { iov_base = b, iov_len = buffer.Length };
                var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)space };
                nint n;
                while ((n = recvmsg_(fd, &msg, LibC.MSG_CMSG_CLOEXEC)) < 0)
                {
                    errno = LastErrno;
                    if (errno != Errno.EINTR) return -1;
                }
                var got = new List<int>();
                for (var c = LibC.CMSG_FIRSTHDR(&msg); c != null; c = LibC.CMSG_NXTHDR(&msg, c))
                {
                    if (c->cmsg_level != LibC.SOL_SOCKET || c->cmsg_type != LibC.SCM_RIGHTS) continue;
                    int count = (int)((c->cmsg_len - (nuint)LibC.CMSG_LEN(0)) / sizeof(int));
                    for (int i = 0; i < count; i++) got.Add(((int*)LibC.CMSG_DATA(c))[i]);
                }
                bool truncated = (msg.msg_flags & (Sockets.MSG_CTRUNC | MSG_TRUNC)) != 0 || got.Count > fds.Length;
                if (truncated)
                {
                    foreach (int f in got) Libc.close(f);
                    errno = Errno.EMSGSIZE;
                    return -1;
                }
                for (int i = 0; i < got.Count; i++) fds[i] = got[i];
                fdCount = got.Count;
                errno = 0;
                return (int)n;
            }
        }
    }
}
