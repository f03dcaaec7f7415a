using System.Runtime.InteropServices;
using Tmds.Linux;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Sockets
    {
        internal const int MSG_CTRUNC = 0x8;

        [LibraryImport(Libc.Name, EntryPoint = "socketpair", SetLastError = true)]
        private static unsafe partial int socketpair_(int domain, int type, int protocol, int* sv);

        [LibraryImport(Libc.Name, EntryPoint = "socket", SetLastError = true)]
        private static partial int socket_(int domain, int type, int protocol);

        /// <summary>A TCP socket of <paramref name="family"/> (close-on-exec), or -1.</summary>
        internal static int NewTcp(int family) => socket_(family, SOCK_STREAM | 0x80000 /* SOCK_CLOEXEC */, IPPROTO_TCP);

        [LibraryImport(Libc.Name, EntryPoint = "connect", SetLastError = true)]
        private static unsafe partial int connect_(int fd, byte* addr, uint len);

        [LibraryImport(Libc.Name, EntryPoint = "fcntl", SetLastError = true)]
        private static partial int fcntl_(int fd, int cmd, int arg);

        private const int F_GETFL = 3, O_NONBLOCK = 0x800;

        /// <summary>connect(2). Returns 0 or the errno, which the caller hands to the process as its
        /// connect's result (EINPROGRESS for a non-blocking socket, ECONNREFUSED, ...). Not retried on
        /// EINTR: a second connect on the same socket would report EALREADY instead.</summary>
        internal static unsafe int Connect(int fd, ReadOnlySpan<byte> sockaddr)
        {
            fixed (byte* p = sockaddr)
            {
                if (connect_(fd, p, (uint)sockaddr.Length) == 0) return 0;
                return (int)LastErrno;
            }
        }

        [LibraryImport(Libc.Name, EntryPoint = "bind", SetLastError = true)]
        private static unsafe partial int bind_(int fd, byte* addr, uint len);

        /// <summary>bind(2); 0 or the errno.</summary>
        internal static unsafe int Bind(int fd, ReadOnlySpan<byte> sockaddr)
        {
            fixed (byte* p = sockaddr)
                return bind_(fd, p, (uint)sockaddr.Length) == 0 ? 0 : (int)LastErrno;
        }

        [LibraryImport(Libc.Name, EntryPoint = "getsockname", SetLastError = true)]
        private static unsafe partial int getsockname_(int fd, byte* addr, uint* len);

        /// <summary>getsockname(2) into <paramref name="sockaddr"/>; the length, or -1.</summary>
        internal static unsafe int GetSockName(int fd, Span<byte> sockaddr)
        {
            uint len = (uint)sockaddr.Length;
            fixed (byte* p = sockaddr)
                return getsockname_(fd, p, &len) == 0 ? (int)Math.Min(len, (uint)sockaddr.Length) : -1;
        }

        [LibraryImport(Libc.Name, EntryPoint = "getsockopt", SetLastError = true)]
        private static unsafe partial int getsockopt_(int fd, int level, int name, void* value, uint* len);

        internal const int SOL_SOCKET = 1, SO_TYPE = 3, SO_PROTOCOL = 38, SO_DOMAIN = 39;
        internal const int IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
        internal const int SOCK_STREAM = 1, SOCK_DGRAM = 2, AF_UNIX = 1, IPPROTO_TCP = 6, IPPROTO_MPTCP = 262, AF_INET = 2, AF_INET6 = 10;

        /// <summary>An int socket option (SO_TYPE, SO_PROTOCOL, IPV6_V6ONLY, ...), or null when the
        /// fd is not a socket or the option cannot be read.</summary>
        internal static unsafe int? GetIntOption(int fd, int level, int name)
        {
            int value = 0;
            uint len = sizeof(int);
            return getsockopt_(fd, level, name, &value, &len) == 0 ? value : null;
        }

        /// <summary>An int socket option at SOL_SOCKET (SO_DOMAIN, SO_TYPE); -1 when <paramref name="fd"/> is not a socket.</summary>
        internal static unsafe int GetSocketOption(int fd, int name)
        {
            int v = 0;
            uint len = sizeof(int);
            return getsockopt_(fd, LibC.SOL_SOCKET, name, &v, &len) == 0 ? v : -1;
        }

        [LibraryImport(Libc.Name, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint sendmsg_(int fd, msghdr* msg, int flags);

        internal const int MSG_DONTWAIT = 0x40;

        /// <summary>sendmsg(2) of one buffer with a destination (<paramref name="name"/>, empty: none)
        /// and ancillary data (<paramref name="control"/>, empty: none): the bytes sent, or minus the
        /// errno. Not retried on EINTR: the caller hands the result to the process.</summary>
        internal static unsafe long SendMessage(int fd, ReadOnlySpan<byte> data, ReadOnlySpan<byte> name, ReadOnlySpan<byte> control, int flags)
        {
            fixed (byte* d = data, nm = name, c = control)
            {
                var iov = new Tmds.Linux.iovec { iov_base = d, iov_len = (Tmds.Linux.size_t)data.Length };
                var msg = new msghdr
                {
                    msg_name = name.IsEmpty ? null : nm, msg_namelen = (socklen_t)name.Length,
                    msg_iov = &iov, msg_iovlen = 1,
                    msg_control = control.IsEmpty ? null : c, msg_controllen = (socklen_t)control.Length,
                };
                nint n = sendmsg_(fd, &msg, flags);
                return n >= 0 ? n : -(long)LastErrno;
            }
        }

        /// <summary>True when the open file description has O_NONBLOCK.</summary>
        internal static bool IsNonBlocking(int fd) => (fcntl_(fd, F_GETFL, 0) & O_NONBLOCK) != 0;

        /// <summary>The open file description's status flags (F_GETFL), or -1.</summary>
        internal static int StatusFlags(int fd) => fcntl_(fd, F_GETFL, 0);

        /// <summary>Sets the open file description's status flags (shared with every dup of it); false when fcntl failed.</summary>
        internal static bool SetStatusFlags(int fd, int flags) => fcntl_(fd, 4 /* F_SETFL */, flags) == 0;

        internal const int NonBlockingFlag = O_NONBLOCK;

        [LibraryImport(Libc.Name, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint recvmsg_(int fd, msghdr* msg, int flags);

        /// <summary>An AF_UNIX SOCK_SEQPACKET pair, both ends close-on-exec.</summary>
        internal static unsafe (int Ours, int Theirs) SocketPair()
        {
            int* sv = stackalloc int[2];
            if (socketpair_(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv) < 0)
                throw ThrowHelper.Syscall("socketpair(AF_UNIX, SOCK_SEQPACKET)", LastErrno);
            return (sv[0], sv[1]);
        }

        [LibraryImport(Libc.Name, EntryPoint = "setsockopt", SetLastError = true)]
        private static unsafe partial int setsockopt_(int fd, int level, int name, void* value, uint len);

        private const int SO_PASSCRED = 16, SCM_CREDENTIALS = 2;

        /// <summary>SO_PASSCRED: every message received on <paramref name="fd"/> carries its sender's
        /// pid (as this process's pid namespace names it), uid and gid, set by the kernel.</summary>
        internal static unsafe void PassCredentials(int fd)
        {
            int one = 1;
            if (setsockopt_(fd, LibC.SOL_SOCKET, SO_PASSCRED, &one, sizeof(int)) < 0)
                throw ThrowHelper.Syscall("setsockopt(SO_PASSCRED)", LastErrno);
        }

        /// <summary>Receives one message (up to <paramref name="data"/>.Length bytes) and, optionally,
        /// one fd passed with SCM_RIGHTS (received close-on-exec) and the sender's pid (SCM_CREDENTIALS,
        /// with <see cref="PassCredentials"/>; 0 otherwise). Returns bytes received (0 = peer closed).</summary>
        internal static unsafe int ReceiveFd(int sock, Span<byte> data, out int fd, out int senderPid)
        {
            fd = -1;
            senderPid = 0;
            int space = LibC.CMSG_SPACE(sizeof(int)) + LibC.CMSG_SPACE(12);
            byte* control = stackalloc byte[space];
            new Span<byte>(control, space).Clear();
            nint n;
            fixed (byte* d = data)
            {
                var iov = new Tmds.Linux.iovec { iov_base = d, iov_len = (Tmds.Linux.size_t)data.Length };
                var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)space };
                while ((n = recvmsg_(sock, &msg, LibC.MSG_CMSG_CLOEXEC)) < 0)
                {
                    var e = LastErrno;
                    if (e != Errno.EINTR) throw ThrowHelper.Syscall("recvmsg(listener fd)", e);
                }
                if ((msg.msg_flags & MSG_CTRUNC) != 0) throw new InvalidOperationException("recvmsg: control data truncated (MSG_CTRUNC)");
                for (var c = LibC.CMSG_FIRSTHDR(&msg); c != null; c = LibC.CMSG_NXTHDR(&msg, c))
                {
                    if (c->cmsg_level == LibC.SOL_SOCKET && c->cmsg_type == LibC.SCM_RIGHTS)
                        fd = *(int*)LibC.CMSG_DATA(c);
                    else if (c->cmsg_level == LibC.SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
                        senderPid = *(int*)LibC.CMSG_DATA(c); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
                }
            }
            return (int)n;
        }
    }
}
