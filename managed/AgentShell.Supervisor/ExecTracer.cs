using System.Buffers;
using static AgentShell.Supervisor.Interop.Ptrace;

namespace AgentShell.Supervisor;

/// <summary>Verifies an exec after it commits and before its first instruction (seccomp mode; and,
/// in root mode, trusted execs, to make them non-dumpable). The thread that decided an exec seizes
/// the task before answering CONTINUE (ptrace: a tracer is a thread, so this object belongs to
/// one thread, which also waits); the task then stops at PTRACE_EVENT_EXEC once the new image is
/// in place, where what the kernel committed (argv and environment on its new stack, /proc/PID/exe)
/// is compared with what was decided: the same, it is let go; not, it is killed. A failed exec
/// has no exec event: the PTRACE_INTERRUPT sent with the seize stops it on its way back to user
/// space instead (PTRACE_EVENT_STOP), and it is let go with its error. A tool trusted with
/// production is made non-dumpable at its exec stop (prctl(PR_SET_DUMPABLE, 0) run in it through
/// the vDSO's syscall instruction), so that no other process of the tree can ptrace it, read or
/// write its memory or take its file descriptors: the kernel refuses them all.</summary>
internal sealed partial class ExecTracer
{
    private const int SIGKILL = 9, SIGTRAP = 5;
    private const ulong NR_prctl = 157;
    private const int NR_tgkill = 234;

    private int _tid, _tgid, _current;
    private CommittedExec? _expected;
    private bool _nonDumpable;
    private TreeFreeze? _freeze;
    private string? _notTrusted;
    private int _pendingSignal;
    private string? _cli;

    /// <summary>After <see cref="Finish"/>: the exec-time answer given to <see cref="Seize"/> for a
    /// tmux/screen CLI (<see cref="CommandServerClis"/>), or null when the exec was not one. The task
    /// is then left stopped at a <see cref="Outcome.Verified"/> too: <see cref="LetGo"/> it once the
    /// answer is recorded, so that nothing it does runs before the answer is there.</summary>
    public string? Cli { get; private set; }

    /// <summary>After <see cref="Finish"/> said <see cref="Outcome.VerifiedNotSealed"/>: why.</summary>
    public string? WhyNotTrusted { get; private set; }

    /// <summary>What happened to the exec once it was let go.</summary>
    internal enum Outcome
    {
        /// <summary>Committed as decided (and made non-dumpable when asked).</summary>
        Verified,
        /// <summary>Committed as decided, but could not be made non-dumpable (or the tree held still):
        /// it runs untrusted. Left stopped at its exec event: <see cref="LetGo"/> it once its trust ended.</summary>
        VerifiedNotSealed,
        /// <summary>The exec failed (it returns its error to the old image), or the task died.</summary>
        NotCommitted,
        /// <summary>What was committed is not what was decided: left stopped for <see cref="Kill"/>.</summary>
        Changed,
    }

    /// <summary>True between <see cref="Seize"/> and <see cref="Finish"/>.</summary>
    public bool Active => _tid != 0;

    /// <summary>The thread group of the seized task while <see cref="Active"/> (its pid cannot be
    /// reused before this thread takes its exit or lets it go), else 0.</summary>
    public int Tgid => _tid != 0 ? _tgid : 0;

    /// <summary>Seizes <paramref name="tid"/> (blocked in its exec) and asks it to stop on its way
    /// out: 0, EPERM when someone else traces it (or it may not be traced), ESRCH when it is gone.
    /// <paramref name="tree"/>: the tree's tasks, held still from before the answer until after the
    /// seal when <paramref name="makeNonDumpable"/> (<see cref="TreeFreeze"/>); null, or a freeze that
    /// fails, lets the exec run without production trust (<see cref="Outcome.VerifiedNotSealed"/>), as
    /// does <paramref name="cannotSeal"/>: why a tool to be trusted cannot be sealed at all.
    /// <paramref name="cli"/>: the exec-time answer for a tmux/screen CLI (see <see cref="Cli"/>).</summary>
    public Errno Seize(int tid, CommittedExec expected, bool makeNonDumpable, TreeTasks? tree = null, string? cannotSeal = null, string? cli = null)
    {
        var e = Interop.Ptrace.Seize(tid);
        // A task another thread's freeze holds (it waits in its notification): seized once that ends.
        if (e == Errno.EPERM && TreeFreeze.Any && TreeFreeze.WaitUntilNone(TimeSpan.FromSeconds(5))) e = Interop.Ptrace.Seize(tid);
        if (e != 0) return e;
        e = Interop.Ptrace.Interrupt(tid);
        _tid = _current = tid;
        // PERF: tgkill(tid, tid, 0) succeeds only for a thread group's leader, the usual exec caller
        // (one syscall; /proc/TID/status is three, and a /proc lookup here costs ~25 µs).
        _tgid = Interop.Libc.syscall4(NR_tgkill, tid, tid, 0, 0) == 0 ? tid : ProcessInfo.Tgid(tid);
        _expected = expected;
        _nonDumpable = makeNonDumpable;
        _cli = cli;
        _notTrusted = null;
        WhyNotTrusted = null;
        if (makeNonDumpable && e == 0)
        {
            // Before the answer: from the exec's commit to the seal, no other task of the tree runs.
            if (cannotSeal != null) _notTrusted = cannotSeal;
            else if (tree == null) _notTrusted = "the tree's processes cannot be listed to hold them during the check";
            else
            {
                _freeze = TreeFreeze.Hold(tree, _tgid, tid);
                if (_freeze.Failure is { } why)
                {
                    _notTrusted = $"the tree could not be held still during the check: {why}";
                    ThawTree();
                }
            }
            if (_notTrusted != null) _nonDumpable = false; // untrusted: nothing to seal
        }
        // A seized task that cannot be interrupted is gone (ESRCH): Finish reaps its exit.
        return e;
    }

    /// <summary>Lets the tree go if it is held: true when it was held from the answer until now.</summary>
    private bool ThawTree()
    {
        var f = _freeze;
        _freeze = null;
        if (f == null) return true;
        if (f.Thaw()) return true;
        _notTrusted ??= $"the tree was not held still during the check: {f.Failure ?? "let go early"}";
        return false;
    }

    /// <summary>After a <see cref="Seize"/> whose notification turned out to be no longer valid: the
    /// task may not be the one that asked (its tid reused by another process since), so it is let go
    /// untouched: taken at the stop the interrupt causes and detached, a signal it was stopped for
    /// delivered, an exec it made run unchecked (it is not ours to check), never killed.</summary>
    public void Release()
    {
        ThawTree();
        int tid = _tid;
        _tid = _current = 0;
        _ending = false;
        _expected = null;
        _cli = null;
        if (tid == 0 || WaitTracee(tid, out var si) != 0) return; // gone: its exit was taken, or it has none
        if (si.si_code is CLD_EXITED or CLD_KILLED or CLD_DUMPED) return;
        int sig = si.si_status & 0xff, ev = si.si_status >> 8;
        // A detach that fails leaves it traced by this thread until its next stop; it is still not killed.
        Interop.Ptrace.Detach(si.si_pid, ev == 0 && sig != SIGTRAP ? sig : 0);
    }

    /// <summary>After the exec's answer was sent: waits until the task commits the exec, fails it
    /// or dies, and acts. <paramref name="difference"/>: what differed (then the task is left
    /// stopped, at its exec event or after the seal's step: <see cref="Kill"/> it).</summary>
    public Outcome Finish(out int pid, out string? difference, out CommittedExec expected)
    {
        int tid = _tid;
        expected = _expected!;
        bool seal = _nonDumpable;
        _tid = 0;
        _expected = null;
        Cli = _cli;
        _cli = null;
        pid = tid;
        difference = null;
        // PERF: /proc/TGID opened, and its "exe" looked up, while the exec is still on its way (the
        // kernel loads the image meanwhile), so that the program's identity at the stop is a cached
        // lookup followed to what runs (~2 µs) instead of a stat of /proc/PID/exe (~6-7 µs, p90
        // ~10-13: the /proc lookups; C probe, 600 exec stops each way, load ~25). The thread
        // group's pid stays its own while it lives, and an exec from another of its threads takes
        // that pid (de_thread): the directory names the task that stops.
        int procDir = ProcessInfo.OpenProcDir(_tgid);
        try
        {
            var outcome = Wait(tid, seal, procDir, expected, ref pid, ref difference);
            if (outcome == Outcome.VerifiedNotSealed) WhyNotTrusted = _notTrusted ?? "it could not be made non-dumpable";
            return outcome;
        }
        finally
        {
            ThawTree(); // whatever happened, the tree is never left held
            if (procDir >= 0) Interop.Libc.close(procDir);
        }
    }

    private Outcome Wait(int tid, bool seal, int procDir, CommittedExec expected, ref int pid, ref string? difference)
    {
        while (true)
        {
            // Any tracee of this thread: a non-leader's exec reports under the leader's pid.
            if (WaitTracee(0, out var si) != 0) { _current = 0; return Outcome.NotCommitted; } // ECHILD: gone (and reaped)
            if (LeftOver(si, tid, _tgid)) continue;
            if (si.si_code is CLD_EXITED or CLD_KILLED or CLD_DUMPED) { _current = 0; return Outcome.NotCommitted; }
            pid = _current = si.si_pid;
            int sig = si.si_status & 0xff, ev = si.si_status >> 8;
            if (sig == SIGTRAP && ev == EventExec)
            {
                // Sealed first, compared after: until the seal, another process of the tree may
                // still write the new image's memory (process_vm_writev, /proc/PID/mem), and a
                // write between the compare and the seal would run a trusted tool with arguments
                // nobody checked. The seal runs one syscall of ours in it (the program has run no
                // instruction yet); a difference found after it is killed all the same.
                // The tree, held since before the answer, is let go only after the seal: a write
                // into this image can neither have started before it nor start after it.
                int pending = 0;
                bool madeNonDumpable = !seal || MakeNonDumpable(pid, CommittedStack.VdsoBase(pid, expected), ref pending);
                difference = Compare(pid, expected, pid == _tgid ? procDir : -1);
                bool held = ThawTree();
                if (difference != null) return Outcome.Changed;
                if (!(madeNonDumpable && held && _notTrusted == null))
                {
                    // Left stopped: its trust ends before it runs an instruction (LetGo).
                    _pendingSignal = pending;
                    return Outcome.VerifiedNotSealed;
                }
                if (Cli != null)
                {
                    // Left stopped: the caller records the CLI's exec-time answer, then lets it go.
                    _pendingSignal = pending;
                    return Outcome.Verified;
                }
                Detach(pid, pending);
                _current = 0;
                return Outcome.Verified;
            }
            // Any other stop means the exec did not commit: it returns its error (an exec that
            // commits stops at its exec event before anything else). Our interrupt's stop, a
            // group-stop (it stays stopped once detached) and a signal (delivered on detach).
            bool delivery = ev == 0 && sig != SIGTRAP;
            Detach(pid, delivery ? sig : 0);
            _current = 0;
            return Outcome.NotCommitted;
        }
    }

    /// <summary>True for a stop or exit of a tracee left over from a check abandoned on an error (it
    /// was killed): its exit is taken, nothing else done.</summary>
    private static bool LeftOver(in siginfo si, int tid, int tgid)
    {
        if (si.si_pid == tid || si.si_pid == tgid) return false;
        if (si.si_code is not (CLD_EXITED or CLD_KILLED or CLD_DUMPED)) Interop.Process.kill(si.si_pid, SIGKILL);
        return true;
    }

    private static void Detach(int pid, int sig)
    {
        var e = Interop.Ptrace.Detach(pid, sig);
        // A tracee killed meanwhile (ESRCH) takes its exit with it; nothing else is expected.
        if (e != 0 && e != Errno.ESRCH) Interop.Process.kill(pid, SIGKILL);
    }

    /// <summary>After an error in a check: the task being checked, if any, is killed (it must not
    /// run unchecked); its exit is taken by the next check on this thread.</summary>
    public void Abandon()
    {
        int pid = _current != 0 ? _current : _tid;
        _tid = _current = 0;
        _ending = false;
        _expected = null;
        _cli = null;
        if (pid != 0) Interop.Process.kill(pid, SIGKILL);
        ThawTree();
    }

    /// <summary>Lets go a task left stopped by <see cref="Outcome.VerifiedNotSealed"/> (once its trust
    /// has ended) or by a CLI's <see cref="Outcome.Verified"/> (once its answer is recorded), with a
    /// signal that arrived during the seal.</summary>
    public void LetGo(int pid)
    {
        _current = 0;
        Detach(pid, _pendingSignal);
        _pendingSignal = 0;
    }

    /// <summary>Kills a task left stopped by <see cref="Outcome.Changed"/> before it runs an instruction.</summary>
    public void Kill(int pid)
    {
        _current = 0;
        Interop.Process.kill(pid, SIGKILL);
        // Take its exit, so that its parent can reap it (a tracee's exit is the tracer's first).
        while (WaitTracee(pid, out var si) == 0 && si.si_code is not (CLD_EXITED or CLD_KILLED or CLD_DUMPED)) { }
    }

    /// <summary>What differs between the committed image of <paramref name="pid"/> (stopped at its
    /// exec event) and <paramref name="expected"/>; null when nothing. Unreadable counts as different.
    /// <paramref name="procDir"/>: /proc/PID open as a directory, or -1.</summary>
    internal static string? Compare(int pid, CommittedExec expected, int procDir = -1)
    {
        bool stated = procDir >= 0 ? ProcessInfo.ExeStatusAt(procDir, out var st) : ProcessInfo.ExeStatus(pid, out st);
        (ulong Dev, ulong Ino)? exe = stated ? st.Identity : null;
        if (stated && expected.ProgramCtime != 0 && exe == expected.Program && st.CtimeNs != expected.ProgramCtime) return "its program's file was written after the check";
        // PERF: the strings from the new image's stack (GETREGS, then two process_vm_readv: the
        // pointers, the strings) instead of two /proc files (an open, read and close each): ~30 µs
        // less per check on this VM. A format known only by its arguments' end (binfmt_misc) and a
        // 32-bit image are read from /proc.
        if (!expected.ArgvIsSuffix && CommittedStack.Supported)
        {
            if (expected.Program is { } p && exe != p) return "another program ran";
            var d = CommittedStack.Difference(pid, expected, out bool other);
            if (!other) return d;
        }
        byte[]? argv = null, env = null;
        try
        {
            // One byte more than expected: a longer area is a difference.
            argv = ArrayPool<byte>.Shared.Rent(expected.ArgvIsSuffix ? ExecReader.MaxArgBytes + 1 : expected.Argv.Length + 1);
            env = ArrayPool<byte>.Shared.Rent(expected.Environment.Length + 1);
            int na = ReadAll($"/proc/{pid}/cmdline", argv);
            int ne = ReadAll($"/proc/{pid}/environ", env);
            if (na < 0 || ne < 0) return "what it runs could not be read";
            return expected.Difference(argv.AsSpan(0, na), env.AsSpan(0, ne), exe);
        }
        finally
        {
            if (argv != null) ArrayPool<byte>.Shared.Return(argv);
            if (env != null) ArrayPool<byte>.Shared.Return(env);
        }
    }

    /// <summary>Reads /proc/PID/cmdline or /proc/PID/environ into <paramref name="buf"/> until it is
    /// full or the area ends: the bytes read, -1 on error. PERF: a short read is the end (the kernel
    /// fills a read of these files up to the area's end; the one that would say 0 is not made).</summary>
    private static int ReadAll(string path, byte[] buf)
    {
        int fd = Interop.Files.Open(path, Interop.Files.O_RDONLY | Interop.Files.O_CLOEXEC, out _);
        if (fd < 0) return -1;
        try
        {
            int total = 0;
            while (total < buf.Length)
            {
                int want = buf.Length - total;
                int n = Interop.Files.Read(fd, buf.AsSpan(total), out _);
                if (n < 0) return -1;
                total += n;
                if (n < want) break;
            }
            return total;
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>Runs prctl(PR_SET_DUMPABLE, 0) in the stopped tracee: its registers pointed at the
    /// vDSO's syscall instruction, two single steps (the first only finishes the exec's own return),
    /// its registers put back. False (registers restored) when anything is not as expected; a
    /// signal that arrived meanwhile is left in <paramref name="signal"/> for the detach.
    /// <paramref name="vdso"/>: the vDSO's base from the auxv on its stack, 0 to read /proc/PID/auxv.</summary>
    private static bool MakeNonDumpable(int pid, ulong vdso, ref int signal)
    {
        if (VdsoGadget.In(pid, vdso) is not ulong gadget) return false;
        if (GetRegs(pid, out var saved) != 0) return false;
        // What the exec returns to the new image: 0, not in a syscall any more.
        var restore = saved;
        restore.rax = 0;
        restore.orig_rax = ulong.MaxValue;
        bool ok = false;
        try
        {
            var r = saved;
            r.rip = gadget;
            if (SetRegs(pid, r) != 0 || !Step(pid, ref signal)) return false;
            if (GetRegs(pid, out r) != 0 || r.rip != gadget) return false;
            r.rax = NR_prctl;
            r.rdi = Interop.Process.PR_SET_DUMPABLE;
            r.rsi = r.rdx = r.r10 = r.r8 = r.r9 = 0;
            // The step ran a `syscall` only if rcx holds the address after it (the instruction
            // saves the return address there): the two bytes checked may have been rewritten since
            // through /proc/PID/mem (it writes read-only pages too), and a 2-byte instruction that
            // leaves rax 0 (xor eax, eax) would pass for the prctl without that.
            r.rcx = 0;
            if (SetRegs(pid, r) != 0 || !Step(pid, ref signal)) return false;
            ok = GetRegs(pid, out r) == 0 && r.rip == gadget + 2 && r.rax == 0 && r.rcx == gadget + 2;
            return ok;
        }
        finally
        {
            // Whatever happened, it resumes where the exec left it.
            if (SetRegs(pid, restore) != 0) { Interop.Process.kill(pid, SIGKILL); ok = false; }
        }
    }

    /// <summary>One single step that ends in its trap; false for anything else (a signal that
    /// arrived is kept in <paramref name="signal"/>, a group-stop is left to the detach).</summary>
    private static bool Step(int pid, ref int signal)
    {
        if (SingleStep(pid) != 0) return false;
        if (WaitTracee(pid, out var si) != 0 || si.si_code != CLD_TRAPPED) return false;
        int sig = si.si_status & 0xff, ev = si.si_status >> 8;
        if (sig == SIGTRAP && ev == 0) return true;
        if (ev == 0) signal = sig;
        return false;
    }
}
