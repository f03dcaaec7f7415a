using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Seccomp
    {
        // x86_64 syscall numbers.
        internal const int NR_connect = 42;
        internal const int NR_execve = 59;
        internal const int NR_execveat = 322;
        internal const int NR_seccomp = 317;

        internal const uint AUDIT_ARCH_X86_64 = 0xC000003E;
        internal const uint SECCOMP_GET_NOTIF_SIZES = 3;
        internal const uint SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;

        // _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp), _IOW('!', 2, __u64)
        internal const uint SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100;
        internal const uint SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101;
        internal const uint SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;
        // _IOW('!', 4, __u64) (Linux 6.6+; not in older uapi headers), and its one flag.
        internal const uint SECCOMP_IOCTL_NOTIF_SET_FLAGS = 0x40082104;
        internal const ulong SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct seccomp_data
        {
            public int nr;
            public uint arch;
            public ulong instruction_pointer;
            public fixed ulong args[6];
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct seccomp_notif
        {
            public ulong id;
            public uint pid;
            public uint flags;
            public seccomp_data data;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct seccomp_notif_resp
        {
            public ulong id;
            public long val;
            public int error;
            public uint flags;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct seccomp_notif_sizes
        {
            public ushort seccomp_notif;
            public ushort seccomp_notif_resp;
            public ushort seccomp_data;
        }

        [LibraryImport(Libc.Name, EntryPoint = "ioctl", SetLastError = true)]
        private static unsafe partial int ioctl(int fd, nuint request, void* arg);

        private const int PR_SET_NO_NEW_PRIVS = 38;
        private const uint SECCOMP_SET_MODE_FILTER = 1;
        private const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 1u << 3;
        private const uint SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1u << 5;

        [StructLayout(LayoutKind.Sequential)]
        private struct sock_filter
        {
            public ushort code;
            public byte jt;
            public byte jf;
            public uint k;
        }

        [StructLayout(LayoutKind.Sequential)]
        private unsafe struct sock_fprog
        {
            public ushort len;
            public sock_filter* filter;
        }

        /// <summary>Asks the kernel for what the launcher asks (a filter with NEW_LISTENER |
        /// WAIT_KILLABLE_RECV) on the calling thread only (no TSYNC): a filter of one instruction,
        /// SECCOMP_RET_ALLOW, so nothing on the thread changes but that it carries an inert filter
        /// and no_new_privs until it exits. Returns the listener fd (the caller closes it), or -1
        /// with the errno: EINVAL without WAIT_KILLABLE_RECV, EBUSY under another listener.</summary>
        internal static unsafe int InstallProbeFilterOnThisThread(out Errno errno)
        {
            if (Process.Prctl(PR_SET_NO_NEW_PRIVS, 1) is var e and not 0) { errno = e; return -1; }
            var allow = new sock_filter { code = 0x06 /* BPF_RET | BPF_K */, k = 0x7fff0000 /* SECCOMP_RET_ALLOW */ };
            var prog = new sock_fprog { len = 1, filter = &allow };
            long r = Libc.syscall3(NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, (long)&prog);
            errno = r < 0 ? LastErrno : 0;
            return (int)r;
        }

        /// <summary>Kernel's struct sizes; the supervisor refuses to run if they differ from ours.</summary>
        internal static unsafe bool TryGetNotifSizes(out seccomp_notif_sizes sizes)
        {
            seccomp_notif_sizes s = default;
            long r = Libc.syscall3(NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, (long)&s);
            sizes = s;
            return r == 0;
        }

        /// <summary>Blocks for the next notification. EINTR is retried; ENOENT (the target died
        /// before we read it) is returned so the caller can loop.</summary>
        internal static unsafe Errno Receive(int listener, out seccomp_notif notif)
        {
            while (true)
            {
                seccomp_notif n = default; // the kernel requires a zeroed buffer
                if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) == 0) { notif = n; return 0; }
                var e = LastErrno;
                if (e == Errno.EINTR) continue;
                notif = default;
                return e;
            }
        }

        /// <summary>Answers a notification. ENOENT means the target is gone: normal.</summary>
        internal static unsafe Errno Send(int listener, ulong id, int error, uint flags, long val = 0)
        {
            var resp = new seccomp_notif_resp { id = id, val = val, error = error, flags = flags };
            while (true)
            {
                if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0) return 0;
                var e = LastErrno;
                if (e != Errno.EINTR) return e;
            }
        }

        /// <summary>Asks the kernel to switch straight from the notifying task to the receiver and
        /// back (synchronous wake-up) instead of a plain wake-up on whichever CPU. False on kernels
        /// before 6.6, which keep the plain behaviour.</summary>
        internal static unsafe bool SetSyncWakeUp(int listener) =>
            ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (void*)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;

        /// <summary>True while the notification is still pending (its pid was not recycled).</summary>
        internal static unsafe bool IdValid(int listener, ulong id)
        {
            ulong v = id;
            while (true)
            {
                if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &v) == 0) return true;
                if (LastErrno != Errno.EINTR) return false;
            }
        }
    }
}
