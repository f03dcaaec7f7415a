using static AgentShell.Supervisor.Interop.Ptrace;

namespace AgentShell.Supervisor;

/// <summary>A refused exec ended at its commit instead of failing with EPERM. A harness that starts
/// each command as `sh -c '…'` itself (Python's subprocess with shell=True, Node's spawn) drops the
/// child's pipes when the exec fails, and with them the reason written to the child's stderr; a
/// spawn that succeeds and exits 126 (the shell's "found but could not run") keeps them. So the
/// exec is let commit with the task seized, and at its exec event, before the new image runs an
/// instruction, exit_group(126) is run in it through the vDSO's `syscall`; anything else is SIGKILL.</summary>
internal sealed partial class ExecTracer
{
    private const ulong NR_exit_group = 231;
    private const int EPERM = 1;

    /// <summary>The exit status of a refused exec ended at its commit.</summary>
    internal const int RefusedStatus = 126;

    private bool _ending;

    /// <summary>How a refused exec seized with <see cref="SeizeToEnd"/> ended.</summary>
    internal enum Ending
    {
        /// <summary>It exited with <see cref="RefusedStatus"/> at its exec event.</summary>
        Exited,
        /// <summary>It was killed at its exec event (no vDSO gadget, or the step did not exit).</summary>
        Killed,
        /// <summary>The exec failed (it returns its own error to the old image), or the task died.</summary>
        NotCommitted,
    }

    /// <summary>True between <see cref="SeizeToEnd"/> and <see cref="FinishEnding"/>.</summary>
    public bool Ends => _tid != 0 && _ending;

    /// <summary>Seizes <paramref name="tid"/> (blocked in a refused exec, single-threaded) so that the
    /// exec can be answered CONTINUE and ended at its commit: 0 when seized and asked to stop on its
    /// way out (then, and only then, it may be continued); EPERM when it is traced already, ESRCH
    /// when it is gone. A task seized that cannot be interrupted is gone: still <see cref="Ends"/>,
    /// so that <see cref="FinishEnding"/> takes its exit.</summary>
    public Errno SeizeToEnd(int tid)
    {
        var e = Interop.Ptrace.Seize(tid);
        if (e != 0) return e;
        _tid = _current = _tgid = tid;
        _expected = null;
        _nonDumpable = false;
        _notTrusted = null;
        _cli = null;
        _ending = true;
        // Without the interrupt, an exec that fails would return to user space and run on traced.
        return Interop.Ptrace.Interrupt(tid);
    }

    /// <summary>For a refused exec of <paramref name="tid"/> (notification <paramref name="notifId"/> of
    /// <paramref name="listener"/>): true when it is seized to be ended at its commit, and then, and
    /// only then, it may be answered CONTINUE. Only a program the kernel can run
    /// (<paramref name="runnable"/>: a regular file with an execute bit; another fails as before)
    /// from a single-threaded caller: an exec ends every other thread of its caller, which a
    /// failure with EPERM leaves running (that one thread cannot make another while it waits in
    /// its exec). False: answer EPERM (a task seized but gone is still <see cref="Ends"/>, for
    /// <see cref="FinishEnding"/> to take its exit).</summary>
    public bool SeizeRefused(int tid, bool runnable, int listener, ulong notifId)
    {
        if (!runnable || ProcessInfo.Threads(tid) != 1) return false;
        if (SeizeToEnd(tid) != 0) return false; // traced already, or gone
        // Its notification was checked before the seize: if its task died since, the tid may be another
        // process's now. And the count again, now that the task is ours: a thread can only be made by
        // a thread of its group, and this one waits in its exec, so it cannot change, but a tid reused
        // between the count and the seize could have had others (they would die with the commit).
        if (Interop.Seccomp.IdValid(listener, notifId) && ProcessInfo.Threads(tid) == 1) return true;
        Release();
        return false;
    }

    /// <summary>After the answer to the seized task's exec could not be sent (<paramref name="sent"/>: an
    /// error other than ENOENT, which says the task is gone): the task still waits in its exec, where
    /// the seize's interrupt does not stop it (the filter's wait is killable only), and a wait for its
    /// stop (<see cref="FinishEnding"/>, <see cref="Finish"/>) would never end. It is refused instead
    /// (EPERM through <paramref name="send"/>: the exec fails and it stops on its way out, as any
    /// failed exec does), never continued again; where that cannot be sent either, it is killed
    /// (the wait takes its exit). A task not seized is left to the caller's log.</summary>
    public void AnswerNotSent(Errno sent, AnswerSender send, int listener, ulong notifId, TextWriter log)
    {
        if (sent == 0 || sent == Errno.ENOENT || _tid == 0) return;
        var e = send(listener, notifId, -EPERM, 0, 0);
        if (e == 0 || e == Errno.ENOENT)
        {
            log.WriteLine($"agentshell: seccomp send failed: {sent}; the exec of pid {_tid} is refused instead");
            return;
        }
        log.WriteLine($"agentshell: seccomp send failed: {sent}, then {e}; the exec of pid {_tid} is killed");
        Interop.Process.kill(_tid, SIGKILL);
    }

    /// <summary>After an error while a task is seized (in an answer, or in a check): it is killed and
    /// its exit taken, so that nothing of it runs unchecked, no wait is left for it, and its parent
    /// can reap it (a tracee's exit is its tracer's first).</summary>
    public void KillSeized()
    {
        int pid = _current != 0 ? _current : _tid;
        _tid = 0;
        _ending = false;
        _expected = null;
        ThawTree();
        if (pid != 0) Kill(pid);
    }

    /// <summary>After the CONTINUE: waits until the exec commits, fails or the task dies, and ends a
    /// committed exec at its exec event. <paramref name="pid"/>: the task.</summary>
    public Ending FinishEnding(out int pid)
    {
        int tid = _tid;
        _tid = 0;
        _ending = false;
        pid = tid;
        while (true)
        {
            if (WaitTracee(0, out var si) != 0) { _current = 0; return Ending.NotCommitted; }
            if (LeftOver(si, tid, tid)) continue;
            if (si.si_code is CLD_EXITED or CLD_KILLED or CLD_DUMPED) { _current = 0; return Ending.NotCommitted; }
            int sig = si.si_status & 0xff, ev = si.si_status >> 8;
            if (sig == SIGTRAP && ev == EventExec)
            {
                if (ExitAtExec(tid) is { } ended) { _current = 0; return ended; }
                Kill(tid); // takes its exit too
                return Ending.Killed;
            }
            // Any other stop: the exec did not commit and returns its error (see Wait).
            Detach(tid, ev == 0 && sig != SIGTRAP ? sig : 0);
            _current = 0;
            return Ending.NotCommitted;
        }
    }

    /// <summary>Runs exit_group(126) in <paramref name="pid"/>, stopped at its exec event, as
    /// MakeNonDumpable runs its prctl: the registers pointed at the vDSO's `syscall`, a first step
    /// that only finishes the exec's return, a second that runs it. How it ended once its exit was
    /// taken; null while it is still there, to be killed.</summary>
    private static Ending? ExitAtExec(int pid)
    {
        if (VdsoGadget.In(pid) is not ulong gadget || GetRegs(pid, out var r) != 0) return null;
        int signal = 0;
        r.rip = gadget;
        if (SetRegs(pid, r) != 0 || !Step(pid, ref signal)) return null;
        if (GetRegs(pid, out r) != 0 || r.rip != gadget) return null;
        // Every general register but the call's is 0 (the stack pointer too): if the two bytes were
        // rewritten through /proc/PID/mem since they were checked, the one instruction that runs
        // instead finds nothing to use, and a step that ends anywhere but in the exit is a kill.
        r = r with
        {
            rax = NR_exit_group, rdi = RefusedStatus,
            rsi = 0, rdx = 0, r10 = 0, r8 = 0, r9 = 0, rcx = 0, r11 = 0, rbx = 0, rbp = 0, rsp = 0, r12 = 0, r13 = 0, r14 = 0, r15 = 0,
        };
        if (SetRegs(pid, r) != 0 || SingleStep(pid) != 0) return null;
        if (WaitTracee(pid, out var si) != 0) return Ending.Killed; // gone, its exit taken already
        if (si.si_code == CLD_EXITED && si.si_status == RefusedStatus) return Ending.Exited;
        // Killed meanwhile (its exit is taken: nothing left to kill), or stopped: killed by the caller.
        return si.si_code is CLD_KILLED or CLD_DUMPED or CLD_EXITED ? Ending.Killed : null;
    }
}
