using System.Text;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>Encodes a decision's log record straight from its (redacted) audit record: the same
/// bytes as <see cref="OtlpMessages.LogRecord"/> of <see cref="TelemetryEvents.ToLog"/>, without
/// the attribute list, the command line and the body strings that path builds for every record.
/// PERF: the supervisor's gen0 budget is 128 KiB, so ~1.3 KB of garbage per exported record meant a
/// collection, which stops the deciding threads too, every hundred decisions. One per thread that
/// queues records (it holds reused buffers).</summary>
internal sealed class DecisionRecords
{
    private readonly StringBuilder _text = new(512);
    private char[] _chars = new char[512];

    /// <summary>Appends the <c>log_records</c> field of <paramref name="e"/> (a decision) to <paramref name="w"/>.</summary>
    public void Write(ProtoWriter w, in TelemetryEvent e)
    {
        var r = e.Record!; // redacted already, by the audit log's Append
        // The command line, then the body that ends with it, as one run of characters.
        _text.Clear();
        if (r.Argv.Count > 0) ShellQuote.AppendJoin(_text, r.Argv);
        else
        {
            _text.Append("connect ");
            for (int i = 0; i < r.Targets.Count; i++) (i > 0 ? _text.Append(' ') : _text).Append(r.Targets[i]);
        }
        int cmd = _text.Length;
        _text.Append(r.Outcome).Append(" by rule ").Append(r.RuleId).Append(" (").Append(r.Environment).Append("): ");
        // PERF: the command is copied after the body's start here, not appended to the builder from
        // itself (StringBuilder makes a string of what it appends from itself: 128 bytes a record).
        int written = _text.Length, end = written + cmd;
        if (_chars.Length < end) _chars = new char[end * 2];
        _text.CopyTo(0, _chars, written);
        _chars.AsSpan(0, cmd).CopyTo(_chars.AsSpan(written));
        ReadOnlySpan<char> command = _chars.AsSpan(0, cmd), body = _chars.AsSpan(cmd, end - cmd);

        bool allow = r.Action == AuditAction.Allow;
        w.Begin(2);                                    // ScopeLogs.log_records
        w.Fixed64(1, e.TimeUnixNano);                  // time_unix_nano
        w.UInt64(2, (ulong)(allow ? OtlpMessages.Info : OtlpMessages.Warn));
        w.Utf8(3, allow ? "INFO"u8 : "WARN"u8);
        w.Begin(5); w.String(1, body); w.End();        // body: AnyValue.string_value
        // The attributes in TelemetryEvents' order.
        Text(w, "agentshell.action"u8, r.Action);
        Text(w, "agentshell.rule_id"u8, r.RuleId);
        Text(w, "agentshell.environment"u8, r.Environment);
        Int(w, "process.pid"u8, r.Pid);
        Text(w, "process.command_line"u8, command);
        Text(w, "agentshell.run_id"u8, r.RunId);
        Text(w, "agentshell.session_id"u8, e.Session);
        if (r.Effect != null) Text(w, "agentshell.effect"u8, r.Effect);
        if (r.Tool != null) Text(w, "agentshell.tool"u8, r.Tool);
        if (e.PendingId != null) Text(w, "agentshell.pending_id"u8, e.PendingId);
        Text(w, "agentshell.outcome"u8, r.Outcome);
        Text(w, "agentshell.syscall"u8, r.Syscall);
        if (r.Reason != null) Text(w, "agentshell.reason"u8, r.Reason);
        if (r.ApprovedBy != null) Text(w, "agentshell.answered_by"u8, r.ApprovedBy);
        if (r.WaitedMs is long waited) Int(w, "agentshell.wait_ms"u8, waited);
        w.Fixed64(11, e.TimeUnixNano);                 // observed_time_unix_nano
        w.Utf8(12, "agentshell.decision"u8);          // event_name
        w.End();
    }

    private static void Text(ProtoWriter w, ReadOnlySpan<byte> key, ReadOnlySpan<char> value)
    {
        w.Begin(6);                                    // LogRecord.attributes: KeyValue
        w.Utf8(1, key);
        w.Begin(2);                                    // AnyValue
        w.String(1, value);                            // string_value
        w.End();
        w.End();
    }

    private static void Int(ProtoWriter w, ReadOnlySpan<byte> key, long value)
    {
        w.Begin(6);
        w.Utf8(1, key);
        w.Begin(2);
        w.Int64(3, value, always: true);               // int_value
        w.End();
        w.End();
    }
}
