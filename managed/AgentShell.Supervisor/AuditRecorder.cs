using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Audit;

namespace AgentShell.Supervisor;

/// <summary>Turns decisions of one run into audit records (with the process chain) and appends
/// them. Without an audit log it records nothing. Never throws: a failure is reported and the
/// decision stands. With an exporter, each appended record is also queued for export (after the
/// local write, which stays the source of truth).</summary>
internal sealed class AuditRecorder(AuditLog? audit, string runId, int agentPid, TextWriter log, Telemetry.TelemetryExporter? telemetry = null) : IDisposable
{
    private readonly RepeatedExecs _repeats = new();

    /// <summary>The records' process chains, ancestors remembered while they live.</summary>
    public ParentChain Chains { get; } = new();

    /// <summary>Closes what the chains hold (the tree has ended).</summary>
    public void Dispose() => Chains.Dispose();

    /// <summary>The exporter, or null when export is off.</summary>
    public Telemetry.TelemetryExporter? Telemetry => telemetry;

    /// <summary>False for what is not recorded, decided before anything is built. PERF: allows of
    /// programs no parser knows (ls, git status) are not recorded by default.</summary>
    public bool Records(Decision d) =>
        audit != null && !(d.Action == PolicyAction.Allow && d.Intent == null && !audit.LogAllowsOfUnparsedTools);

    /// <summary>Appends one record; <paramref name="tgid"/>: <paramref name="pid"/>'s thread group when
    /// known for certain (0: looked up).</summary>
    public void Record(Decision d, int pid, IReadOnlyList<string> argv, string? cwd, string syscall, string outcome, string? by = null, long? waitedMs = null,
        string? pendingId = null, int tgid = 0)
    {
        if (audit == null) return;
        // A PATH search's attempts of one exec are one decision: one row.
        if (syscall is AuditSyscall.Execve or AuditSyscall.Execveat && _repeats.IsRepeat(pid, argv, d.RuleId, outcome, DateTime.UtcNow.Ticks)) return;
        try
        {
            var chain = Chains.Of(pid, agentPid, tgid);
            var rec = AuditRecord.FromDecision(d, DateTimeOffset.UtcNow, runId, syscall, pid, chain, argv, cwd, outcome, by, waitedMs);
            audit.Append(rec, parsedTool: d.Intent != null, out var redacted);
            if (redacted != null) telemetry?.Decision(redacted, runId, pendingId);
        }
        catch (Exception e)
        {
            log.WriteLine($"agentshell: audit record failed: {e.Message}");
        }
    }

    /// <summary>Records a paused request once it is answered (the registry's Resolved event).</summary>
    public void RecordAnswered(PendingItem i)
    {
        string outcome = i.Outcome switch
        {
            PendingOutcome.Approved or PendingOutcome.ApprovedForRun => AuditOutcome.Approved,
            PendingOutcome.TimedOut => AuditOutcome.Timeout,
            _ => AuditOutcome.Denied,
        };
        string? by = i.Outcome == PendingOutcome.Gone ? "nobody (the process ended while waiting)" : i.AnsweredBy;
        long? waited = i.Answered is { } t ? (long)(t - i.Created).TotalMilliseconds : null;
        Record(i.Decision, i.Pid, i.Argv, i.Cwd, i.Syscall ?? (i.ConnectKey != null ? AuditSyscall.Connect : AuditSyscall.Execve), outcome, by, waited, i.Id);
    }
}
