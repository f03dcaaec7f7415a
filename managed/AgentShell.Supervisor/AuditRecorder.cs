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
    /// known for certain (0: looked up); <paramref name="self"/>: its own stat when already read
    /// for this exec (<see cref="ParentChain.Of"/>).</summary>
    public void Record(Decision d, int pid, IReadOnlyList<string> argv, string? cwd, string syscall, string outcome, string? by = null, long? waitedMs = null,
        string? pendingId = null, int tgid = 0, (int Parent, string Name)? self = null)
    {
        if (Repeats(d, pid, argv, syscall, outcome)) return;
        IReadOnlyList<string> chain;
        try { chain = Chains.Of(pid, agentPid, tgid, self); }
        catch (Exception e)
        {
            log.WriteLine($"agentshell: audit record failed: {e.Message}");
            return;
        }
        Write(d, pid, argv, cwd, chain, syscall, outcome, by, waitedMs, pendingId);
    }

    /// <summary>True when nothing is to be written for this record: no audit log, or a repeat of the
    /// same exec (a PATH search's attempts of one exec are one decision: one row). Otherwise
    /// remembers it, as <see cref="Record"/> does: the record must then be written (<see cref="Write"/>).</summary>
    public bool Repeats(Decision d, int pid, IReadOnlyList<string> argv, string syscall, string outcome) =>
        audit == null || syscall is AuditSyscall.Execve or AuditSyscall.Execveat && _repeats.IsRepeat(pid, argv, d.RuleId, outcome, DateTime.UtcNow.Ticks);

    /// <summary>The chain of <paramref name="pid"/> for its record (<see cref="ParentChain.Of"/>), or null
    /// when it could not be read (the record then reads it when written).</summary>
    public IReadOnlyList<string>? ChainOf(int pid, int tgid)
    {
        try { return Chains.Of(pid, agentPid, tgid); }
        catch (Exception)
        {
            // Audit only, never a decision: the record reads it again when written and reports what fails.
            return null;
        }
    }

    /// <summary>Appends one record whose chain was read (after <see cref="Repeats"/> said to).</summary>
    public void Write(Decision d, int pid, IReadOnlyList<string> argv, string? cwd, IReadOnlyList<string> chain, string syscall, string outcome,
        string? by = null, long? waitedMs = null, string? pendingId = null)
    {
        if (audit == null) return;
        try
        {
            var rec = AuditRecord.FromDecision(d, DateTimeOffset.UtcNow, runId, syscall, pid, chain, argv, cwd, outcome, by, waitedMs);
            audit.Append(rec, parsedTool: d.Intent != null, out var redacted, out var line);
            // The exporter is handed the line as written (read back off the hot path), or, when the
            // line could not be made, the record (whose export then says why).
            if (redacted != null && telemetry != null)
            {
                if (line.IsEmpty) telemetry.Decision(redacted, runId, pendingId);
                else telemetry.Decision(redacted, line, runId, pendingId);
            }
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
