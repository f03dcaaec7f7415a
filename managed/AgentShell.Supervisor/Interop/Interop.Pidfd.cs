namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Pidfd
    {
        private const int NR_pidfd_open = 434;
        private const int NR_pidfd_getfd = 438;

        /// <summary>pidfd_open(pid, 0); -1 with errno (ESRCH when the process is gone).</summary>
        internal static int Open(int pid, out Errno errno)
        {
            long r = Libc.syscall3(NR_pidfd_open, pid, 0, 0);
            errno = r < 0 ? LastErrno : 0;
            return (int)r;
        }

        private const long PIDFD_THREAD = 0x80; // O_EXCL

        /// <summary>A pidfd for the task that made a syscall: seccomp reports thread ids, and a
        /// non-leader thread needs PIDFD_THREAD (Linux 6.9+). -1 when the task is gone.
        /// A non-leader's tid without it fails EINVAL on older kernels and ENOENT on newer ones
        /// (6.18 here): either way retry as a thread.</summary>
        internal static int OpenTask(int tid)
        {
            int fd = Open(tid, out var e);
            if (fd < 0 && e is Errno.EINVAL or Errno.ENOENT) fd = (int)Libc.syscall3(NR_pidfd_open, tid, PIDFD_THREAD, 0);
            return fd;
        }

        private const int NR_pidfd_send_signal = 424;

        /// <summary>pidfd_send_signal(pidfd, sig, NULL, 0): 0, or -1 with errno.</summary>
        internal static int SendSignal(int pidfd, int sig) => (int)Libc.syscall4(NR_pidfd_send_signal, pidfd, sig, 0, 0);

        /// <summary>pidfd_getfd(pidfd, targetfd, 0): a dup of another process's fd (same uid, no ptrace attach
        /// needed under the default Yama-less setup).</summary>
        internal static int GetFd(int pidfd, int targetFd, out Errno errno)
        {
            long r = Libc.syscall3(NR_pidfd_getfd, pidfd, targetFd, 0);
            errno = r < 0 ? LastErrno : 0;
            return (int)r;
        }
    }
}
