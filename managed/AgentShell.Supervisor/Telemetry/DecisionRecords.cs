using System.Text;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>Encodes a decision's log record straight from its (redacted) audit record: the same
/// bytes as <see cref="OtlpMessages.LogRecord"/> of <see cref="TelemetryEvents.ToLog"/>, without
/// the attribute list, the command line and the body strings that path builds for every record.
/// PERF: the supervisor's gen0 budget is 128 KiB, so ~1.3 KB of garbage per exported record meant a
/// collection, which stops the deciding threads too, every hundred decisions. One per thread that
/// encodes records (it holds reused buffers).</summary>
internal sealed class DecisionRecords
{
    private readonly StringBuilder _text = new(512);
    private char[] _chars = new char[512];
    // PERF: most attribute values repeat from one record to the next as the same string instance (the
    // rule's id, reason and environment, the run id, the outcome): each such attribute's last
    // KeyValue is kept encoded and copied while its value is that instance: a blocked curl's
    // encoding, ~1.3 us (perf record of the supervisor), took ~0.6 us less (schedstat of the thread
    // encoding it, 20,000 decisions, load 14-17).
    private readonly Cached[] _cached = new Cached[10];
    private const int CachedBytes = 256;

    private struct Cached
    {
        public string? Value;
        public byte[]? Bytes;
        public int Length;
    }

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
        Text(w, 0, "agentshell.action"u8, r.Action);
        Text(w, 1, "agentshell.rule_id"u8, r.RuleId);
        Text(w, 2, "agentshell.environment"u8, r.Environment);
        Int(w, "process.pid"u8, r.Pid);
        Text(w, "process.command_line"u8, command);
        Text(w, 3, "agentshell.run_id"u8, r.RunId);
        Text(w, 4, "agentshell.session_id"u8, e.Session);
        if (r.Effect != null) Text(w, 5, "agentshell.effect"u8, r.Effect);
        if (r.Tool != null) Text(w, 6, "agentshell.tool"u8, r.Tool);
        if (e.PendingId != null) Text(w, "agentshell.pending_id"u8, e.PendingId);
        Text(w, 7, "agentshell.outcome"u8, r.Outcome);
        Text(w, 8, "agentshell.syscall"u8, r.Syscall);
        if (r.Reason != null) Text(w, 9, "agentshell.reason"u8, r.Reason);
        if (r.ApprovedBy != null) Text(w, "agentshell.answered_by"u8, r.ApprovedBy);
        if (r.WaitedMs is long waited) Int(w, "agentshell.wait_ms"u8, waited);
        w.Fixed64(11, e.TimeUnixNano);                 // observed_time_unix_nano
        w.Utf8(12, "agentshell.decision"u8);          // event_name
        w.End();
    }

    // The attribute through its slot's cache: copied when value is the instance last encoded there.
    private void Text(ProtoWriter w, int slot, ReadOnlySpan<byte> key, string value)
    {
        ref var c = ref _cached[slot];
        if (ReferenceEquals(c.Value, value))
        {
            w.Raw(c.Bytes.AsSpan(0, c.Length));
            return;
        }
        int start = w.Written.Length;
        Text(w, key, value);
        var encoded = w.Written[start..]; // complete: its own Begin and End are balanced
        if (encoded.Length > CachedBytes)
        {
            c.Value = null; // a long text (a reason): not kept
            return;
        }
        encoded.CopyTo(c.Bytes ??= new byte[CachedBytes]);
        c.Length = encoded.Length;
        c.Value = value;
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
