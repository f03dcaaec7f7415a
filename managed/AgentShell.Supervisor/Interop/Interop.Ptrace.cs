using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>ptrace(2) and waitid(2), as the exec tracer uses them. The tracer is a thread: every
    /// request and every wait for a tracee must come from the thread that seized it, so these are
    /// called only from one thread per tracee, and waits use __WNOTHREAD.</summary>
    internal static partial class Ptrace
    {
        private const int NR_ptrace = 101;
        private const long PTRACE_SINGLESTEP = 9, PTRACE_GETREGS = 12, PTRACE_SETREGS = 13, PTRACE_DETACH = 17;
        private const long PTRACE_SEIZE = 0x4206, PTRACE_INTERRUPT = 0x4207, PTRACE_LISTEN = 0x4208;
        private const long PTRACE_O_TRACEEXEC = 0x10, PTRACE_O_EXITKILL = 0x100000;
        private const long PTRACE_O_TRACEFORK = 0x2, PTRACE_O_TRACEVFORK = 0x4, PTRACE_O_TRACECLONE = 0x8;

        /// <summary>PTRACE_EVENT_EXEC and PTRACE_EVENT_STOP: the event in bits 16.. of a stop's status.</summary>
        internal const int EventExec = 4, EventStop = 128;

        /// <summary>siginfo si_code values of SIGCHLD.</summary>
        internal const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;

        private const int P_ALL = 0, P_PID = 1;
        private const int WNOHANG = 1, WSTOPPED = 2, WEXITED = 4, WNOWAIT = 0x01000000;
        private const int __WNOTHREAD = 0x20000000, __WALL = 0x40000000;

        /// <summary>x86_64 struct user_regs_struct.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct user_regs_struct
        {
            public ulong r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs;
        }

        /// <summary>The part of siginfo_t a SIGCHLD wait fills (128 bytes in all).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 128)]
        internal struct siginfo
        {
            [FieldOffset(0)] public int si_signo;
            [FieldOffset(8)] public int si_code;
            [FieldOffset(16)] public int si_pid;
            [FieldOffset(24)] public int si_status;
        }

        [LibraryImport(Libc.Name, EntryPoint = "waitid", SetLastError = true)]
        private static unsafe partial int waitid_(int idtype, int id, siginfo* info, int options);

        private static Errno Request(long request, int pid, long addr, long data) =>
            Libc.syscall4(NR_ptrace, request, pid, addr, data) < 0 ? LastErrno : 0;

        /// <summary>PTRACE_SEIZE with exec events, the tracee killed if this thread goes: EPERM when it
        /// is traced already (or may not be), ESRCH when it is gone. The tracee keeps running.</summary>
        internal static Errno Seize(int tid) => Request(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);

        /// <summary>PTRACE_SEIZE to hold a task of the tree still (<see cref="TreeFreeze"/>): the
        /// children it makes meanwhile are attached too and start stopped; no exec events, and no
        /// kill if this thread goes (its tracees are let go then: the kernel detaches them).</summary>
        internal static Errno SeizeToHold(int tid) => Request(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE);

        /// <summary>PTRACE_INTERRUPT: the tracee stops (PTRACE_EVENT_STOP) the next time it could, on
        /// its way back to user space; an exec stop first clears it.</summary>
        internal static Errno Interrupt(int tid) => Request(PTRACE_INTERRUPT, tid, 0, 0);

        /// <summary>PTRACE_DETACH from a stop, delivering <paramref name="signal"/> (0: none).</summary>
        internal static Errno Detach(int pid, int signal = 0) => Request(PTRACE_DETACH, pid, 0, signal);

        /// <summary>PTRACE_LISTEN: a tracee in group-stop stays stopped but may be woken by SIGCONT.</summary>
        internal static Errno Listen(int pid) => Request(PTRACE_LISTEN, pid, 0, 0);

        /// <summary>PTRACE_SINGLESTEP.</summary>
        internal static Errno SingleStep(int pid) => Request(PTRACE_SINGLESTEP, pid, 0, 0);

        /// <summary>PTRACE_GETREGS.</summary>
        internal static unsafe Errno GetRegs(int pid, out user_regs_struct regs)
        {
            user_regs_struct r = default;
            var e = Request(PTRACE_GETREGS, pid, 0, (long)&r);
            regs = r;
            return e;
        }

        /// <summary>PTRACE_SETREGS.</summary>
        internal static unsafe Errno SetRegs(int pid, in user_regs_struct regs)
        {
            user_regs_struct r = regs;
            return Request(PTRACE_SETREGS, pid, 0, (long)&r);
        }

        /// <summary>Waits for the next stop or exit of one of this thread's tracees (or of
        /// <paramref name="pid"/> only, when positive), EINTR retried: 0, or ECHILD when there is
        /// none left.</summary>
        internal static unsafe Errno WaitTracee(int pid, out siginfo info)
        {
            siginfo si = default;
            while (true)
            {
                int r = waitid_(pid > 0 ? P_PID : P_ALL, pid > 0 ? pid : 0, &si, WEXITED | WSTOPPED | __WALL | __WNOTHREAD);
                if (r == 0) { info = si; return 0; }
                var e = LastErrno;
                if (e == Errno.EINTR) continue;
                info = default;
                return e;
            }
        }

        /// <summary>A stop of <paramref name="pid"/>, a tracee of this thread, if it has stopped
        /// (never its exit, which stays for its parent to reap): 0 with <c>si_pid</c> 0 when it has
        /// not, ECHILD when it is not this thread's tracee (or is gone).</summary>
        internal static unsafe Errno TryWaitStop(int pid, out siginfo info)
        {
            siginfo si = default;
            while (true)
            {
                int r = waitid_(P_PID, pid, &si, WSTOPPED | WNOHANG | __WALL | __WNOTHREAD);
                if (r == 0) { info = si; return 0; }
                var e = LastErrno;
                if (e == Errno.EINTR) continue;
                info = default;
                return e;
            }
        }

        /// <summary>Whether this thread still has a child or tracee (nothing taken: WNOHANG | WNOWAIT):
        /// 0 when it has one, ECHILD when it has none, or the errno.</summary>
        internal static unsafe Errno PeekAnyTracee()
        {
            siginfo si = default;
            while (true)
            {
                int r = waitid_(P_ALL, 0, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL | __WNOTHREAD);
                if (r == 0) return 0;
                var e = LastErrno;
                if (e != Errno.EINTR) return e;
            }
        }

        /// <summary>For a reaper: the next child of this thread that changed state, left waitable
        /// (WNOWAIT), EINTR retried. A stopped child is a tracee of another thread of ours: its stop
        /// is that thread's to take. 0, or the errno (ECHILD: no child).</summary>
        internal static Errno PeekChild(out siginfo info) => PeekChild(0, out info);

        /// <summary><see cref="PeekChild(out siginfo)"/> for one child (<paramref name="pid"/> &gt; 0).</summary>
        internal static unsafe Errno PeekChild(int pid, out siginfo info)
        {
            siginfo si = default;
            while (true)
            {
                int r = waitid_(pid > 0 ? P_PID : P_ALL, pid, &si, WEXITED | WNOWAIT | __WALL | __WNOTHREAD);
                if (r == 0) { info = si; return 0; }
                var e = LastErrno;
                if (e == Errno.EINTR) continue;
                info = default;
                return e;
            }
        }

        /// <summary>Reaps <paramref name="pid"/>, known to have exited (a <see cref="PeekChild"/> said so).</summary>
        internal static unsafe Errno ReapExited(int pid, out siginfo info)
        {
            siginfo si = default;
            while (true)
            {
                int r = waitid_(P_PID, pid, &si, WEXITED | __WALL | __WNOTHREAD);
                if (r == 0) { info = si; return 0; }
                var e = LastErrno;
                if (e == Errno.EINTR) continue;
                info = default;
                return e;
            }
        }
    }
}
