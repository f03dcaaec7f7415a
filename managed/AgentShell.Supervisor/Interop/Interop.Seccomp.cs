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
