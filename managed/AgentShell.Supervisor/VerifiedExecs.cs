using System.Collections.Concurrent;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>Execs whose decision depended on their arguments are let go only with a check of what
/// the kernel commits (rule <see cref="SupervisorRules.ExecChanged"/>): seccomp mode seizes the task
/// (<see cref="ExecTracer"/>) and compares at its exec event; root mode stages a keyed hash the
/// kernel's sched_process_exec program compares, and seizes only the tools it trusts with
/// production, to make them non-dumpable. What cannot be checked is refused
/// (<see cref="SupervisorRules.ExecUnverifiable"/>). Used by the receiving threads and by whoever
/// answers a held exec.</summary>
internal sealed class VerifiedExecs(KernelConnectGuard? kernel, TrustLedger trust, BlockNotifier notifier, AuditRecorder recorder, TextWriter log)
{
    private const int EPERM = 1;

    // Root mode: what each task's staged exec was, to say what the kernel killed (its event
    // arrives after the kill). Entries of execs that committed as decided are pruned by age.
    private readonly ConcurrentDictionary<int, (CommittedExec Exec, int Parent, long Ticks)> _staged = new();

    /// <summary>True when verification needs the task seized before CONTINUE: always in seccomp mode;
    /// in root mode for a tool trusted with production (to seal it) or one whose committed argv the
    /// kernel cannot hash (a binfmt_misc format).</summary>
    public bool NeedsTracer(CommittedExec expected, bool trustedWithProduction) =>
        kernel == null || trustedWithProduction || !expected.Hashable;

    /// <summary>Before the CONTINUE of an allowed exec (notification <paramref name="notifId"/> of
    /// <paramref name="listener"/>): seizes the task when <see cref="NeedsTracer"/> and stages root
    /// mode's kernel check. 0 when it can be let go; otherwise the errno to refuse it with (the
    /// reason already written and noted).</summary>
    public int Prepare(ExecTracer tracer, int tid, CommittedExec expected, bool trustedWithProduction, DeferredAudit? audit, int listener, ulong notifId)
    {
        // The tmux/screen CLI's exemption is decided here, on the environment the kernel commits
        // (compared at the exec stop), and holds only sealed, as a trusted tool's trust does.
        string? cli = Clis?.AtExec(expected);
        if (NeedsTracer(expected, trustedWithProduction) || cli != null)
        {
            var e = tracer.Seize(tid, expected, trustedWithProduction || cli == "", Tree, Sealable ? null : NotSealable, cli);
            if (e == Errno.ESRCH) return EPERM; // gone: nothing runs
            // The caller's check of the notification came before the seize: if its task died since, the
            // tid may be another process's now. Valid after the seize, the seized task is the one that asked.
            if (e == 0 && !Interop.Seccomp.IdValid(listener, notifId))
            {
                tracer.Release();
                return EPERM; // its notification is gone: this answer reaches no one
            }
            if (e != 0)
            {
                var rule = SupervisorRules.ExecUnverifiable;
                notifier.Write(tid, rule.Refusal($"an exec of {expected.Name}"));
                if (audit != null) audit.Note(rule.Decision, tid, Core.Model.Argv.FromStrings(expected.Args), null, AuditSyscall.Execve, AuditOutcome.Blocked);
                else recorder.Record(rule.Decision, tid, expected.Args, null, AuditSyscall.Execve, AuditOutcome.Blocked);
                return EPERM;
            }
        }
        if (kernel != null && expected.Hashable)
        {
            if (ProcessInfo.TryStat(tid, out int parent, out _, out var name)) audit?.Stated(tid, parent, name);
            _staged[tid] = (expected, parent, Environment.TickCount64);
        }
        return 0;
    }

    /// <summary>Non-dumpable processes can be reached by the supervisor only with CAP_SYS_PTRACE in
    /// their user namespace: as root, or as the owner of the tree's user namespace.</summary>
    public bool Sealable { get; init; } = true;

    /// <summary>Why a tool is not trusted where <see cref="Sealable"/> is false: unsealed, any process
    /// of the tree could take its connections (pidfd_getfd), attach to it or write its memory.</summary>
    internal const string NotSealable = "it cannot be made unreachable to the tree's other processes (the supervisor has no CAP_SYS_PTRACE over them: not root, and not the owner of their user namespace)";

    /// <summary>The tmux/screen CLIs that may speak to an outside command server, whose exec-time
    /// answers are kept here; null when the profile lists no command server (nothing to exempt).</summary>
    public CommandServerClis? Clis { get; init; }

    /// <summary>The tree's tasks, held still while a tool trusted with production commits its exec;
    /// null when they cannot be listed completely (then no tool is trusted with production).</summary>
    public TreeTasks? Tree { get; init; }

    /// <summary>After the answer to an exec prepared with a seize was sent: waits for the exec to
    /// commit or fail, and acts on a difference. <paramref name="audit"/>: the exec's own record,
    /// written once the exec is let go (<see cref="DeferredAudit.Capture"/>) and before a kill's.</summary>
    public void Complete(ExecTracer tracer, DeferredAudit? audit = null)
    {
        var outcome = tracer.Finish(out int pid, out string? difference, out var expected);
        if (tracer.Cli is { } cli && outcome is ExecTracer.Outcome.Verified or ExecTracer.Outcome.VerifiedNotSealed)
        {
            // Left stopped until its answer is kept: it connects, or execs again, only after.
            Clis!.Answered(pid, outcome == ExecTracer.Outcome.Verified ? cli : CommandServerClis.Unsealed(tracer.WhyNotTrusted));
            if (outcome == ExecTracer.Outcome.Verified)
            {
                tracer.LetGo(pid);
                audit?.Flush();
                return;
            }
        }
        switch (outcome)
        {
            case ExecTracer.Outcome.Changed:
                // Left stopped at its exec event (or after the seal's syscall): the program runs no instruction before the kill.
                audit?.Flush();
                Killed(pid, expected, difference ?? "it changed", pid);
                tracer.Kill(pid);
                return;
            case ExecTracer.Outcome.VerifiedNotSealed:
                // Its memory and fds stay reachable by the tree: it runs, but is not trusted, from
                // its first instruction on (it is let go only after its trust ended).
                try { trust.Untrust(pid); }
                catch
                {
                    tracer.Kill(pid); // its trust could not be taken back: it must not run
                    throw;
                }
                tracer.LetGo(pid);
                string lost = tracer.Cli != null ? "production trust or the command-server exemption" : "production trust";
                log.WriteLine($"agentshell: pid {pid} ({expected.Name}) runs without {lost}: {tracer.WhyNotTrusted}");
                break;
        }
        audit?.Flush();
    }

    /// <summary>Root mode: the kernel killed a staged exec (struct event EV_EXEC_*). The task is
    /// gone: the reason goes to its parent's stderr, which is the agent's in the usual case.</summary>
    public void KernelKilled(KernelConnectGuard.Event e, string difference)
    {
        int tid = (int)e.Tid;
        if (!_staged.TryRemove(tid, out var s) && !_staged.TryRemove((int)e.Tgid, out s))
        {
            recorder.Record(SupervisorRules.ExecChanged.Decision, tid, [], null, AuditSyscall.Execve, AuditOutcome.Blocked);
            return;
        }
        Killed(s.Parent, s.Exec, difference, tid);
    }

    private void Killed(int writeTo, CommittedExec expected, string difference, int pid)
    {
        var rule = SupervisorRules.ExecChanged;
        notifier.Write(writeTo, $"agentshell: killed {expected.Name}: {difference} after the check; {rule.Reason} [rule {rule.Id}]");
        var d = rule.About(null, explanation: $"{expected.Name}: {difference} between the check and the exec. {rule.Explanation}");
        recorder.Record(d, pid, expected.Args, null, AuditSyscall.Execve, AuditOutcome.Blocked);
    }

    /// <summary>Drops staged entries older than a minute (their execs committed as decided, or failed).</summary>
    public void Prune()
    {
        long now = Environment.TickCount64;
        foreach (var (tid, s) in _staged)
            if (now - s.Ticks > 60_000) _staged.TryRemove(tid, out _);
    }
}
