using AgentShell.Core.Audit;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Receives seccomp notifications on a few dedicated threads, hands each to the handler
/// of its syscall, and sends the answer. A decision is made on the receiving thread (no hand-off on
/// the hot path); a paused one is parked in the registry so the thread goes back to the kernel.
/// Several threads mean a slow decision never stops the others. Any failure answers EPERM.
/// The threads end once the tree is gone (every task that had the filter has been reaped), and
/// <paramref name="ended"/> runs when the last of them has: nothing uses the listener after that.</summary>
internal sealed class NotificationLoop(int listener, ExecNotifications execs, ConnectNotifications connects, DatagramSends sends,
    RootChanges roots, SignalProtection signals, AuditRecorder recorder, MissingFileWatches watches, TextWriter log, Action? ended = null)
{
    private const int NR_kill = 62, NR_tkill = 200, NR_pidfd_send_signal = 424;
    private const int NR_sendto = 44, NR_sendmsg = 46, NR_sendmmsg = 307, NR_chroot = 161;
    private const int NR_clone = 56, NR_pivot_root = 155, NR_unshare = 272, NR_setns = 308;
    private int _running;
    private ReceiverBaton? _baton;

    /// <summary>Starts <paramref name="threads"/> receiving threads (background: they end with the
    /// process, or with the tree). One of them waits in the kernel at a time (<see cref="ReceiverBaton"/>).</summary>
    public void Start(int threads)
    {
        _running = threads;
        _baton = threads > 1 ? ReceiverBaton.TryCreate() : null;
        for (int i = 0; i < threads; i++)
        {
            int me = i;
            Interop.Threads.StartBackground($"seccomp-recv-{i}", () => RunThenCount(me));
        }
    }

    private void RunThenCount(int me)
    {
        bool over = false;
        try
        {
            Run(me);
            over = true;
        }
        finally
        {
            // The tree is gone (or the listener failed): the threads standing by end too. A thread
            // that died of an error hands its baton on, so the others keep receiving.
            if (over) _baton?.Finish();
            else _baton?.Release(me);
            if (Interlocked.Decrement(ref _running) == 0)
            {
                _baton?.Dispose();
                ended?.Invoke();
            }
        }
    }

    private void Run(int me)
    {
        var baton = _baton;
        // PERF: a thread standing by makes what it reuses when it first receives (a short run's
        // second thread never does): fewer bytes allocated before the agent's first exec.
        if (baton != null && !baton.Receives(me) && !baton.StandBy(me)) return; // receiving has ended
        // What one receiving thread reuses for every notification: argv buffers, the exec's view
        // for parsers (with buffers of its own for envp), the decision waiting for its audit record,
        // and the pidfds of the tasks it last connected for.
        var reader = new ExecReader();
        var ctx = new RemoteExecContext(new ExecReader(), watches);
        var audit = new DeferredAudit(recorder);
        using var pidfds = new TaskPidfds();
        // This thread traces the execs it lets go with a check, from the seize to the exec's commit.
        var tracer = new ExecTracer();
        var metrics = recorder.Telemetry?.Metrics;
        while (true)
        {
            // PERF: a poll() first would wake every thread waiting on the listener (and cost a
            // syscall) on every exec and connect; so would several threads in RECV: one waits there.
            if (baton != null && !baton.Receives(me) && !baton.StandBy(me)) return; // receiving has ended
            var e = Receive(listener, out var n);
            if (e == Errno.ENOENT)
            {
                // The target died between notify and receive; or no task has the filter any more, and
                // the kernel answers every receive with ENOENT at once (measured on 6.18): the tree is
                // gone and this thread is done.
                if (Interop.Libc.HungUp(listener)) return;
                continue;
            }
            if (e != 0)
            {
                if (e != Errno.EBADF) log.WriteLine($"agentshell: seccomp receive failed: {e}; supervision stopped, the tree fails closed");
                return;
            }
            long handling = baton?.Handling(me) ?? 0;
            try { Handle(ref n, reader, ctx, audit, tracer, pidfds, metrics); }
            finally { baton?.Handled(handling); }
        }
    }

    private void Handle(ref seccomp_notif n, ExecReader reader, RemoteExecContext ctx, DeferredAudit audit, ExecTracer tracer, TaskPidfds pidfds,
        Telemetry.TelemetryMetrics? metrics)
    {
        long received = metrics != null ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        Verdict v;
        try
        {
            v = Dispatch(ref n, reader, ctx, audit, tracer, pidfds);
        }
        catch (Exception ex)
        {
            // Fail closed: an error in the supervisor never turns into "allow".
            var rule = SupervisorRules.DecisionError;
            log.WriteLine($"agentshell: error deciding syscall {n.data.nr} of pid {n.pid}, refused [rule {rule.Id}]: {ex.GetType().Name}: {ex.Message}");
            v = Verdict.Refuse;
            audit.Discard(); // what was noted is not what happened
            audit.Note(rule.Decision, (int)n.pid, default, null, SyscallName(n.data.nr), AuditOutcome.Blocked);
        }
        if (v.Held) return; // answered later (the registry, or a connect made on the process's behalf)
        var se = Send(listener, n.id, v.Error, v.Flags, v.Value);
        metrics?.Latency(System.Diagnostics.Stopwatch.GetTimestamp() - received);
        if (se != 0 && se != Errno.ENOENT) log.WriteLine($"agentshell: seccomp send failed: {se}");
        try
        {
            // Not sent: a seized task still waits in its exec; refused (or killed) so the wait below ends.
            tracer.AnswerNotSent(se, Send, listener, n.id, log);
            // PERF: a seized exec waits at its exec stop for the reads of its record, not for the line.
            audit.Capture();
            execs.AfterAnswer(tracer, audit);
        }
        catch (Exception ex)
        {
            // An exec that could not be checked must not run: it is killed.
            log.WriteLine($"agentshell: error checking an exec, killed: {ex.GetType().Name}: {ex.Message}");
            tracer.Abandon();
        }
        audit.Flush();
    }

    private static string SyscallName(int nr) => nr switch
    {
        NR_execve => AuditSyscall.Execve,
        NR_execveat => AuditSyscall.Execveat,
        NR_sendto => AuditSyscall.Sendto,
        NR_sendmsg => AuditSyscall.Sendmsg,
        NR_sendmmsg => AuditSyscall.Sendmmsg,
        NR_chroot => AuditSyscall.Chroot,
        NR_kill or NR_tkill or NR_pidfd_send_signal => AuditSyscall.Signal,
        _ => AuditSyscall.Connect,
    };

    private Verdict Dispatch(ref seccomp_notif n, ExecReader reader, RemoteExecContext ctx, DeferredAudit audit, ExecTracer tracer, TaskPidfds pidfds)
    {
        if (n.data.arch != AUDIT_ARCH_X86_64) return Verdict.Refuse; // the filter kills these first
        return n.data.nr switch
        {
            NR_execve or NR_execveat => execs.Exec(ref n, reader, ctx, audit, tracer),
            NR_connect => connects.Connect(ref n, audit, pidfds),
            NR_sendto => sends.SendTo(ref n, audit),
            NR_sendmsg => sends.SendMsg(ref n, audit),
            NR_sendmmsg => sends.SendMmsg(ref n, audit),
            NR_chroot => roots.Chroot(ref n, audit),
            NR_clone or NR_unshare or NR_setns or NR_pivot_root => roots.Leaving(),
            NR_kill => signals.Kill(ref n, audit),
            NR_tkill => signals.Tkill(ref n, audit),
            NR_pidfd_send_signal => signals.PidfdSendSignal(ref n, audit),
            _ => Verdict.Refuse,
        };
    }
}
