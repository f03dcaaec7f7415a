using System.Diagnostics;
using static AgentShell.Supervisor.Interop.Ptrace;

namespace AgentShell.Supervisor;

/// <summary>Holds every other task of the tree still while a tool trusted with production commits
/// its exec and is sealed (issue 11). The kernel checks access to another process's memory when a
/// write starts (`process_vm_writev`, the open of /proc/PID/mem), not when it lands: a task that
/// starts one between the exec's commit and the seal keeps writing after it. Held from before the
/// exec's CONTINUE until after the seal, no task of the tree runs an instruction in that window, so
/// none can start one; after it, the kernel refuses them (the tool is non-dumpable).
///
/// A task is held by a seize and an interrupt from a thread of its own (this object's): it stops on
/// its way back to user space. The list is made again until nothing new shows up (a clone under way
/// when the list was read; the children of held tasks are attached by the kernel and start
/// stopped). Not every task must have stopped: one blocked in a notification of ours is at its
/// syscall's entry, and a vfork parent waits at its clone's end; both return to user space only
/// through the stop. Any other task that does not stop in time (it may be in a syscall that has yet
/// to take its access), one traced by someone else, or a tree that cannot be listed fails the freeze:
/// the tool then runs without production trust. The thread detaches what it holds; what it cannot
/// (a task that never stopped) the kernel lets go when the thread ends (no PTRACE_O_EXITKILL), and
/// it ends then (<see cref="Holder"/>).</summary>
internal sealed class TreeFreeze
{
    private const int SIGTRAP = 5;
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HoldAtMost = TimeSpan.FromSeconds(30);
    private const long FirstNap = 10_000, LongestNap = 1_000_000; // ns
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);
    private static int s_active;

    private readonly TreeTasks _tasks;
    private readonly int _except, _execTid; // the exec checked: its thread group, its task
    private readonly HashSet<int> _waiting = []; // held, not stopped: where they cannot run an instruction
    // PERF: no spinning before blocking (each waits for a freeze, an exec's check or a listing:
    // longer than a spin); spinning cost ~75 µs of CPU per trusted exec (perf, loaded machine).
    private readonly ManualResetEventSlim _settled = new(false, 0), _thaw = new(false, 0), _done = new(false, 0);
    private readonly Dictionary<int, int> _stopped = []; // tid -> signal to deliver when let go
    private bool _held, _heldToTheEnd;
    private readonly long _started = Stopwatch.GetTimestamp();

    private TreeFreeze(TreeTasks tasks, int except, int execTid)
    {
        _tasks = tasks;
        _except = except;
        _execTid = execTid;
    }

    /// <summary>Why the freeze failed (null when it holds).</summary>
    public string? Failure { get; private set; }

    /// <summary>True while some thread's freeze is being made or held: a seize that fails meanwhile
    /// may be of a task it holds (<see cref="WaitUntilNone"/>).</summary>
    public static bool Any => Volatile.Read(ref s_active) > 0;

    /// <summary>Waits until no freeze is made or held (at most <paramref name="timeout"/>).</summary>
    public static bool WaitUntilNone(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (Any)
        {
            if (sw.Elapsed > timeout) return false;
            Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>Holds every task of the tree but <paramref name="execTid"/> (whose exec is checked,
    /// seized by the caller), which must be alone in its thread group <paramref name="except"/>:
    /// other threads would run until the exec ends them, after its new image exists (held, their
    /// exits would wait for this thread, and the exec for them); such an exec is not trusted.
    /// Returns once the tree is held or the freeze failed (<see cref="Failure"/>);
    /// <see cref="Thaw"/> must follow either way. <paramref name="except"/> 0: hold every task.</summary>
    public static TreeFreeze Hold(TreeTasks tasks, int except, int execTid = 0)
    {
        var f = new TreeFreeze(tasks, except, execTid);
        // One at a time: two freezes would each wait for the other's seized tool.
        if (!OneAtATime.Wait(HoldAtMost))
        {
            f.Failure = "another freeze of the tree did not end";
            f._done.Set();
            return f;
        }
        Interlocked.Increment(ref s_active);
        try
        {
            (s_holder ??= Holder.Start()).Take(f);
        }
        catch
        {
            Interlocked.Decrement(ref s_active);
            OneAtATime.Release();
            throw;
        }
        f._settled.Wait();
        if (Trace) Console.Error.WriteLine($"freeze: hold returned after {Stopwatch.GetElapsedTime(f._started).TotalMicroseconds:F0}us");
        return f;
    }

    /// <summary>Lets the tree go (its tasks are detached as this returns). True when it was held from
    /// <see cref="Hold"/> until now (false: it failed, or was let go early because its holder did not
    /// come back in time).</summary>
    public bool Thaw()
    {
        long t = Stopwatch.GetTimestamp();
        _thaw.Set();
        _done.Wait();
        if (Trace) Console.Error.WriteLine($"freeze: thaw={Stopwatch.GetElapsedTime(t).TotalMicroseconds:F0}us since-hold={Stopwatch.GetElapsedTime(_started).TotalMicroseconds:F0}us");
        return _held && _heldToTheEnd;
    }


    /// <summary>The thread that holds the tree, kept from one freeze to the next while it has let
    /// every task go. PERF: a thread made per freeze cost its start (~100 µs here, up to 4 ms on a
    /// loaded machine, where a new thread waits for a CPU) on every exec of a trusted tool. A task
    /// it cannot let go itself (one held while it waited in the kernel and still there, a child
    /// attached at its birth and not stopped yet) is let go by the kernel when this thread ends:
    /// then it ends, and the next freeze starts another. Used under <see cref="OneAtATime"/>.</summary>
    private sealed class Holder
    {
        private readonly ManualResetEventSlim _next = new(false, 0);
        private TreeFreeze? _job;

        public static Holder Start()
        {
            var h = new Holder();
            Interop.Threads.StartBackground("tree-freeze", h.Loop);
            return h;
        }

        public void Take(TreeFreeze f)
        {
            _job = f;
            _next.Set();
        }

        private void Loop()
        {
            // Its waits for stops are short naps (WaitForStops): without the default 50 µs of slack.
            Interop.Process.Prctl(Interop.Process.PR_SET_TIMERSLACK, 1000);
            while (true)
            {
                _next.Wait();
                _next.Reset(); // the next job is given only after this one's Run (OneAtATime)
                var f = _job!;
                _job = null;
                if (!f.Run()) return; // the kernel lets go what is still attached
            }
        }
    }

    private static Holder? s_holder; // under OneAtATime

    /// <summary>One freeze on the holder's thread: true when it let go of every task it held (the
    /// thread may hold the next one), false when the thread must end for the kernel to.</summary>
    private bool Run()
    {
        bool clean = false;
        try
        {
            try { _held = Freeze(); }
            catch (Exception e)
            {
                Failure = $"{e.GetType().Name}: {e.Message}";
                _held = false;
            }
            _settled.Set();
            // Held until the exec is checked; a holder that never comes back does not stop the tree for good.
            _heldToTheEnd = _thaw.Wait(HoldAtMost) && _held && AllStillHeld();
            // PERF: the verdict is known: the checked tool is let go while the tree is (the seal and
            // the compare are behind us), instead of after it.
            _done.Set();
            // A task that waited where it could not run (a vfork parent, whose child's exec has
            // committed by now) has usually reached its stop: it is let go like the others.
            foreach (int tid in _waiting)
                if (TryWaitStop(tid, out var si) == 0 && si.si_pid != 0) _stopped[tid] = SignalOf(si);
            foreach (var (tid, sig) in _stopped)
                Detach(tid, sig); // ESRCH: it was killed meanwhile
            clean = NoTraceeLeft();
        }
        finally
        {
            if (!clean) s_holder = null; // this thread ends: the next freeze starts another
            Interlocked.Decrement(ref s_active);
            OneAtATime.Release();
            _settled.Set();
            _done.Set();
        }
        // Not clean: the thread ends after this, and the kernel lets go every tracee still attached
        // (children attached on their birth, tasks that never stopped), clearing the stop they had pending.
        return clean;
    }

    /// <summary>True when this thread traces no task any more (waitid: ECHILD; it has no children
    /// of its own), so that it can hold the next freeze without anything left attached.</summary>
    private static bool NoTraceeLeft() => PeekAnyTracee() == Errno.ECHILD;

    // AGENTSHELL_TRACE_FREEZE=1: one line on stderr per freeze (rounds, tasks held, where the time
    // went), for measuring its cost (issue 11's note); off, one branch.
    private static readonly bool Trace = Environment.GetEnvironmentVariable("AGENTSHELL_TRACE_FREEZE") == "1";

    private bool Freeze()
    {
        var t0 = Stopwatch.GetTimestamp();
        bool ok = FreezeRounds(out int rounds, out long listing, out long waiting);
        if (Trace) Console.Error.WriteLine($"freeze: ok={ok} rounds={rounds} held={_stopped.Count}+{_waiting.Count} list={Stopwatch.GetElapsedTime(0, listing).TotalMicroseconds:F0}us wait={Stopwatch.GetElapsedTime(0, waiting).TotalMicroseconds:F0}us total={Stopwatch.GetElapsedTime(t0).TotalMicroseconds:F0}us {Failure}");
        return ok;
    }

    private bool FreezeRounds(out int rounds, out long listing, out long waiting)
    {
        listing = waiting = 0;
        rounds = 0;
        var pending = new HashSet<int>();
        var ignored = new HashSet<int>();
        // PERF: the tasks of the last listing that are still those tasks are held first, before any
        // listing: for a tree unchanged since the last freeze, the first listing then finds nothing
        // new and decides, and a freeze reads /proc twice (with the thaw's), not three times. What
        // decides is as before: a listing made once everything found so far is held, that finds
        // nothing new. One gone meanwhile is skipped (not ignored: the listing has the last word).
        foreach (var (tid, tgid) in _tasks.StillListed())
        {
            if (tgid == _except || _stopped.ContainsKey(tid) || pending.Contains(tid)) continue;
            switch (Take(tid))
            {
                case Taken.Held: pending.Add(tid); break;
                case Taken.Refused: return false;
            }
        }
        if (pending.Count > 0)
        {
            long a = Stopwatch.GetTimestamp();
            bool stopped = WaitForStops(pending);
            waiting += Stopwatch.GetTimestamp() - a;
            if (!stopped) return false;
        }
        for (int round = 0; round < 16; round++)
        {
            rounds++;
            long a = Stopwatch.GetTimestamp();
            var tids = _tasks.Snapshot();
            listing += Stopwatch.GetTimestamp() - a;
            if (tids == null) { Failure = "the tree's processes could not be listed"; return false; }
            bool added = false;
            foreach (var (tid, tgid) in tids)
            {
                if (tgid == _except && !Alone(tid)) return false;
                if (tgid == _except || _stopped.ContainsKey(tid) || _waiting.Contains(tid) || pending.Contains(tid) || ignored.Contains(tid)) continue;
                switch (Take(tid))
                {
                    case Taken.Held: pending.Add(tid); added = true; break;
                    case Taken.Stopped: added = true; break;
                    case Taken.Gone: ignored.Add(tid); break;
                    case Taken.Refused: return false;
                }
            }
            a = Stopwatch.GetTimestamp();
            bool stopped = WaitForStops(pending);
            waiting += Stopwatch.GetTimestamp() - a;
            if (!stopped) return false;
            if (!added) return true; // listed again with all held: nothing new, nothing running
        }
        Failure = "the tree kept growing while it was being stopped";
        return false;
    }

    private enum Taken { Held, Stopped, Gone, Refused }

    private Taken Take(int tid)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var e = SeizeToHold(tid);
            if (e == 0)
            {
                var ie = Interrupt(tid);
                return ie == Errno.ESRCH && Dead(tid) ? Taken.Gone : Taken.Held;
            }
            if (e == Errno.ESRCH) return Taken.Gone;
            // EPERM: a zombie (nothing runs), a child attached to us at its birth, a task another
            // thread of ours checks (its exec; let go soon), or one that someone else traces.
            if (Dead(tid)) return Taken.Gone;
            if (TryWaitStop(tid, out var si) == 0)
            {
                if (si.si_pid == 0) return Taken.Held; // ours, not stopped yet
                _stopped[tid] = SignalOf(si);
                return Taken.Stopped;
            }
            // TracerPid names the tracing thread: one of ours is in this process.
            int tracer = ProcessInfo.TracerPid(tid);
            if (tracer <= 0 || ProcessInfo.Tgid(tracer) != Environment.ProcessId)
            {
                Failure = tracer > 0 ? $"pid {tid} is traced by pid {tracer}" : $"pid {tid} cannot be traced";
                return Taken.Refused;
            }
            if (sw.Elapsed > StopDeadline)
            {
                Failure = $"pid {tid} stayed under another check of this supervisor";
                return Taken.Refused;
            }
            Thread.Sleep(0);
        }
    }

    /// <summary>Waits until every pending task has stopped, or waits where it cannot run an
    /// instruction before it would stop (a notification of ours, a vfork parent's wait).</summary>
    private bool WaitForStops(HashSet<int> pending)
    {
        var sw = Stopwatch.StartNew();
        var blocked = new List<int>();
        bool first = true;
        long nap = FirstNap;
        while (pending.Count > 0)
        {
            // PERF: whether it exited and where it waits (/proc) are read at once (a vfork parent, the
            // usual caller of a spawned tool, would otherwise hold the check ~1 ms), then every
            // millisecond; in between, only a waitid each. Reading /proc/TID/stat at every turn of a
            // sched_yield loop was ~95 µs of CPU per trusted exec (perf, loaded machine).
            bool look = first || sw.Elapsed > TimeSpan.FromMilliseconds(1);
            first = false;
            blocked.Clear();
            foreach (int tid in pending)
            {
                var e = TryWaitStop(tid, out var si);
                if (e == 0 && si.si_pid != 0) { _stopped[tid] = SignalOf(si); blocked.Add(tid); continue; }
                if (e != 0 || (look && Dead(tid))) { blocked.Add(tid); continue; } // gone: no longer our tracee, or exited
                if (look && WaitsWhereItCannotRun(tid)) { _waiting.Add(tid); blocked.Add(tid); }
            }
            foreach (int tid in blocked) pending.Remove(tid);
            if (pending.Count == 0) return true;
            if (sw.Elapsed > StopDeadline)
            {
                int tid = pending.First();
                Failure = $"pid {tid} did not stop ({ProcessInfo.WaitChannel(tid)})";
                return false;
            }
            // PERF: naps that double, 10 µs to 1 ms (a stop takes the task's wake-up, tens of µs):
            // the CPU goes to the tasks that must reach their stops, not to a sched_yield loop.
            Interop.Libc.Nap(nap);
            nap = Math.Min(nap * 2, LongestNap);
        }
        return true;
    }

    /// <summary>At the thaw: every task of the tree (but the exec's thread group) is one this thread
    /// holds, or a child attached to it at birth (it started stopped). A task that is not (made by
    /// a thread of the exec's process before the exec killed it) may have run in the window.</summary>
    private bool AllStillHeld()
    {
        var tids = _tasks.Snapshot();
        if (tids == null) { Failure = "the tree's processes could not be listed again"; return false; }
        foreach (var (tid, tgid) in tids)
        {
            if (tgid == _except && !Alone(tid)) return false;
            if (tgid == _except || _stopped.ContainsKey(tid) || _waiting.Contains(tid)) continue;
            if (TryWaitStop(tid, out var si) == 0)
            {
                if (si.si_pid != 0) _stopped[tid] = SignalOf(si);
                continue;
            }
            if (Dead(tid)) continue;
            Failure = $"pid {tid} ran while the exec was checked";
            return false;
        }
        return true;
    }

    private bool Alone(int tid)
    {
        if (tid == _execTid) return true;
        Failure = $"pid {_except} has other threads than the one that execs (they run until the exec ends them)";
        return false;
    }

    private static int SignalOf(in siginfo si)
    {
        int sig = si.si_status & 0xff, ev = si.si_status >> 8;
        // A signal-delivery stop keeps its signal for the detach; a group-stop stays one after it.
        return ev == 0 && sig != SIGTRAP ? sig : 0;
    }

    /// <summary>Blocked in a seccomp notification of ours, at its syscall's entry: it leaves either
    /// without running the syscall (interrupted) or with our answer, and none of the syscalls we
    /// trap writes another process's memory; or a vfork parent waiting for its child, which returns
    /// from the clone and nothing else. Neither touches another process's memory before the stop
    /// that is pending for it.</summary>
    private static bool WaitsWhereItCannotRun(int tid)
    {
        var w = ProcessInfo.WaitChannel(tid);
        if (w.StartsWith("seccomp_do_user_notification", StringComparison.Ordinal)) return true;
        return w.StartsWith("kernel_clone", StringComparison.Ordinal) || w.StartsWith("wait_for_vfork_done", StringComparison.Ordinal);
    }

    /// <summary>Exited (a zombie runs nothing) or gone; a task whose state cannot be read but that
    /// still exists is not.</summary>
    private static bool Dead(int tid) => ProcessInfo.TaskState(tid) switch
    {
        'Z' or 'X' => true,
        '\0' => ProcessInfo.TaskGone(tid),
        _ => false,
    };
}
