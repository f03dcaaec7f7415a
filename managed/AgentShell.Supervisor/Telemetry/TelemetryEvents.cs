using AgentShell.Core.Audit;
using AgentShell.Core.Model;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>What was queued for export: a decision's audit record (as redacted for the audit log)
/// or a pause that opened or closed, put at once into the export ring (<see cref="RecordRing"/>) by
/// the thread that queues it: a decision's audit line (<see cref="DecisionRecords.Entry"/>, no
/// allocation, read back and encoded by the export thread), a pause's (rare) encoded through a
/// <see cref="LogEntry"/>.
/// A struct: making one allocates nothing.</summary>
internal readonly record struct TelemetryEvent(ulong TimeUnixNano, string Session, AuditRecord? Record, PendingItem? Pause, bool Opened, string? PendingId);

/// <summary>Audit records and pauses as OTLP log records, under the attribute names of issue 17:
/// <c>agentshell.action</c>, <c>agentshell.rule_id</c>, <c>agentshell.effect</c>,
/// <c>agentshell.environment</c>, <c>agentshell.tool</c>, <c>process.pid</c>,
/// <c>process.command_line</c> (redacted by <see cref="Redactor"/>, the audit log's one redactor),
/// <c>agentshell.run_id</c>, <c>agentshell.session_id</c>, <c>agentshell.pending_id</c>.
/// Credentials appear by name only (the audit record carries no secret once redacted).</summary>
internal static class TelemetryEvents
{
    /// <summary>The log record of <paramref name="e"/>.</summary>
    public static LogEntry ToLog(TelemetryEvent e) => e.Record != null ? Decision(e) : Pause(e);

    private static LogEntry Decision(TelemetryEvent e)
    {
        var r = e.Record!; // redacted already, by the audit log's Append
        string cmd = CommandLine(r.Argv, r.Targets);
        var attrs = Common(r.Action, r.RuleId, r.Effect, r.Environment, r.Tool, r.Pid, cmd, r.RunId, e.Session, e.PendingId);
        attrs.Add(new("agentshell.outcome", r.Outcome));
        attrs.Add(new("agentshell.syscall", r.Syscall));
        if (r.Reason != null) attrs.Add(new("agentshell.reason", r.Reason));
        if (r.ApprovedBy != null) attrs.Add(new("agentshell.answered_by", r.ApprovedBy));
        if (r.WaitedMs is long w) attrs.Add(Attr.Of("agentshell.wait_ms", w));
        string body = $"{r.Outcome} by rule {r.RuleId} ({r.Environment}): {cmd}";
        return new LogEntry(e.TimeUnixNano, r.Action == AuditAction.Allow ? OtlpMessages.Info : OtlpMessages.Warn,
            r.Action == AuditAction.Allow ? "INFO" : "WARN", "agentshell.decision", body, attrs);
    }

    private static LogEntry Pause(TelemetryEvent e)
    {
        var i = e.Pause!;
        var d = i.Decision;
        string cmd = CommandLine(Redactor.RedactArgv(i.Argv), d.Target != null ? [Redactor.RedactText(d.Target.ToString())] : []);
        var attrs = Common(AuditAction.Pause, d.RuleId, d.Intent?.Effect.Name(), d.Environment, d.Intent?.Tool, i.Pid, cmd, e.Session, e.Session, i.Id);
        string name, body;
        if (e.Opened)
        {
            name = "agentshell.pause.opened";
            body = $"paused {i.Id} by rule {d.RuleId} ({d.Environment}), waiting for a person: {cmd}";
            attrs.Add(new("agentshell.deadline", i.Deadline.ToString("O")));
        }
        else
        {
            long waited = i.Answered is { } t ? (long)(t - i.Created).TotalMilliseconds : 0;
            string outcome = Outcome(i.Outcome);
            name = i.Outcome == PendingOutcome.TimedOut ? "agentshell.pause.timed_out" : "agentshell.pause.answered";
            string by = i.Outcome == PendingOutcome.Gone ? "nobody (the process ended while waiting)"
                : i.Outcome == PendingOutcome.TimedOut ? "nobody (timed out)" : i.AnsweredBy ?? "unknown";
            body = $"pause {i.Id} {outcome} by {by} after {waited} ms: {cmd}";
            attrs.Add(new("agentshell.outcome", outcome));
            attrs.Add(new("agentshell.answered_by", by));
            attrs.Add(Attr.Of("agentshell.wait_ms", waited));
        }
        return new LogEntry(e.TimeUnixNano, OtlpMessages.Warn, "WARN", name, body, attrs);
    }

    /// <summary>The audit spelling of a pause's outcome.</summary>
    public static string Outcome(PendingOutcome o) => o switch
    {
        PendingOutcome.Approved or PendingOutcome.ApprovedForRun => AuditOutcome.Approved,
        PendingOutcome.TimedOut => AuditOutcome.Timeout,
        PendingOutcome.Gone => "gone",
        _ => AuditOutcome.Denied,
    };

    private static List<Attr> Common(string action, string ruleId, string? effect, string environment, string? tool, int pid,
        string commandLine, string runId, string session, string? pendingId)
    {
        var attrs = new List<Attr>(16)
        {
            new("agentshell.action", action), new("agentshell.rule_id", ruleId), new("agentshell.environment", environment),
            Attr.Of("process.pid", pid), new("process.command_line", commandLine),
            new("agentshell.run_id", runId), new("agentshell.session_id", session),
        };
        if (effect != null) attrs.Add(new("agentshell.effect", effect));
        if (tool != null) attrs.Add(new("agentshell.tool", tool));
        if (pendingId != null) attrs.Add(new("agentshell.pending_id", pendingId));
        return attrs;
    }

    // A connect has no argv: its target stands for the command.
    private static string CommandLine(IReadOnlyList<string> argv, IReadOnlyList<string> targets) =>
        argv.Count > 0 ? ShellQuote.Join(argv) : "connect " + string.Join(' ', targets);
}
