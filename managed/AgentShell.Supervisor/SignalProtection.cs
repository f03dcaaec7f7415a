using AgentShell.Core.Audit;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Signals from the tree that could reach the supervisor (kill, tkill,
/// pidfd_send_signal; the filter traps only those that might) are refused; the rest go on.</summary>
internal sealed class SignalProtection(SelfIdentity self, BlockNotifier notifier)
{
    /// <summary>kill(pid, sig): the filter sends only kill(0, …) here; it signals the caller's process
    /// group, ours too when the caller shares it. A caller whose group cannot be read may share ours.</summary>
    public unsafe Verdict Kill(ref seccomp_notif n, DeferredAudit audit)
    {
        int sig = (int)n.data.args[1];
        if (sig != 0 && (!ProcessInfo.TryStat((int)n.pid, out _, out int pgrp, out _) || pgrp == self.ProcessGroup))
            return Refuse(ref n, audit);
        return Verdict.Continue;
    }

    /// <summary>tkill(tid, sig): refused when the thread is one of ours. A tree with a pid namespace
    /// of its own cannot name our threads: its numbers are its own.</summary>
    public unsafe Verdict Tkill(ref seccomp_notif n, DeferredAudit audit) =>
        !self.TreeHasOwnPids && Directory.Exists($"/proc/self/task/{(int)n.data.args[0]}") ? Refuse(ref n, audit) : Verdict.Continue;

    /// <summary>pidfd_send_signal(fd, …): refused when the fd names us, or names nothing that can be read
    /// (it might be us).</summary>
    public unsafe Verdict PidfdSendSignal(ref seccomp_notif n, DeferredAudit audit) =>
        PidfdTarget((int)n.pid, (int)n.data.args[0]) is int t && t != self.Pid ? Verdict.Continue : Refuse(ref n, audit);

    private Verdict Refuse(ref seccomp_notif n, DeferredAudit audit)
    {
        var rule = SupervisorRules.ProtectSelf;
        notifier.Write((int)n.pid, rule.Refusal("a signal"));
        audit.Note(rule.Decision, (int)n.pid, default, null, AuditSyscall.Signal, AuditOutcome.Blocked);
        return Verdict.Refuse;
    }

    /// <summary>The pid a pidfd (or a /proc/PID directory fd) of <paramref name="pid"/> refers to
    /// (-1: the process has exited), or null when it cannot be read.</summary>
    private static int? PidfdTarget(int pid, int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/fdinfo/{fd}"))
                if (line.StartsWith("Pid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4).Trim(), out int t)) return t;
            // pidfd_send_signal also takes a /proc/PID directory fd.
            var link = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;
            if (link != null && link.StartsWith("/proc/", StringComparison.Ordinal) && int.TryParse(link.AsSpan(6), out int p)) return p;
            return -1; // another kind of fd: the kernel fails the call (EBADF)
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
