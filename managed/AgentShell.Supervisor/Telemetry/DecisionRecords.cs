using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AgentShell.Core.Audit;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>A decision's log record in two halves. The deciding thread, after its answer was sent,
/// copies the line it wrote to the audit log (redacted, UTF-8 JSON) into one ring entry, with the
/// session and pending id the line does not carry (<see cref="Entry"/>): one copy, no encoding. The
/// export thread reads the line back and writes the <c>log_records</c> field
/// (<see cref="Write(ProtoWriter, ReadOnlySpan{byte})"/>): the same bytes as
/// <see cref="OtlpMessages.LogRecord"/> of <see cref="TelemetryEvents.ToLog"/>. The export is thus
/// made from the local audit log's own line. One instance per thread that writes records (it
/// holds reused buffers).</summary>
/// <remarks>PERF: encoding on the deciding thread (the body, the quoted command line, 15 nested
/// attributes) was ~1 µs of its ~50 µs per blocked curl (perf record of the supervisor, 20,000
/// exported decisions: TelemetryExporter.Decision 2.6% of the receiving thread's samples, 1.9% of
/// it the encoding); copying the record's fields one by one instead (each string made UTF-8) still
/// cost ~0.6 µs (in-process bench export); the line is one copy. Bytes in the ring, not the audit
/// record itself: a record queued by reference outlived young collections whenever the export
/// thread fell behind and lifted peak RSS (see <see cref="RecordRing"/>).</remarks>
internal sealed class DecisionRecords
{
    /// <summary>The first byte of a decision's ring entry; an entry already encoded (a pause's)
    /// starts with its protobuf tag instead (<c>ScopeLogs.log_records</c>, 0x12).</summary>
    public const byte Kind = 0x01;
    // The entry's length: a varint of five bytes whatever its value, so it is written after the rest.
    private const int Frame = 1 + 5;

    // The line's fields that are exported, and the two the entry adds before it.
    private const int Action = 0, RuleId = 1, Environment = 2, RunId = 3, Session = 4, Effect = 5, Tool = 6, PendingId = 7,
        Outcome = 8, Syscall = 9, Reason = 10, ApprovedBy = 11, Fields = 12;

    // Where each field's value is: in the entry (At >= 0) or, when the line escaped it, in _unescaped
    // (At = -1 - offset); Length -1 when absent.
    private readonly int[] _at = new int[Fields], _length = new int[Fields];
    private int[] _argv = new int[16], _targets = new int[8]; // pairs of (at, length) in the same form
    private byte[] _unescaped = new byte[1024];
    private byte[] _text = new byte[1024];
    // PERF: most attribute values repeat from one record to the next (the rule's id, reason and
    // environment, the run id, the outcome): each such attribute's last KeyValue is kept encoded and
    // copied while its value's bytes are the same.
    private readonly Cached[] _cached = new Cached[Fields];
    private const int CachedBytes = 256;
    private ProtoWriter? _own;

    /// <summary>Tests: every line through the JSON reader, none through <see cref="Scan"/>.</summary>
    internal bool ReadOnly { get; init; }
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_line;

    private struct Cached
    {
        public byte[]? Bytes;
        public int Length, ValueLength; // the encoded KeyValue's, and its value's (its last bytes)
    }

    /// <summary>Writes a decision's ring entry into <paramref name="into"/>, which is reset first:
    /// <paramref name="line"/> (the audit log's JSON line of its record) after the session and pending id.</summary>
    public static void Entry(ProtoWriter into, ReadOnlySpan<byte> line, string session, string? pendingId)
    {
        into.Reset();
        into.Reserve(Frame)[0] = Kind;
        Put(into, session);
        Put(into, pendingId);
        into.Raw(line);
        into.PaddedVarintAt(1, into.Written.Length - Frame);
    }

    private static void Put(ProtoWriter into, string? value)
    {
        int at = into.Written.Length;
        into.Reserve(4);
        int n = value == null ? -1 : into.AppendUtf8(value);
        BinaryPrimitives.WriteInt32LittleEndian(into.At(at, 4), n);
    }

    /// <summary>The audit log's line of <paramref name="record"/> (as <see cref="AuditJson.WriteLine"/> writes
    /// it), in a buffer of this thread's, valid until its next call.</summary>
    public static ReadOnlySpan<byte> Line(AuditRecord record)
    {
        var line = t_line ??= new ArrayBufferWriter<byte>(1024);
        line.ResetWrittenCount();
        AuditJson.WriteLine(line, record);
        return line.WrittenSpan;
    }

    /// <summary>Appends the <c>log_records</c> field of <paramref name="e"/> (a decision) to
    /// <paramref name="w"/>, through its entry (tests: the two halves against the reference).</summary>
    public void Write(ProtoWriter w, in TelemetryEvent e)
    {
        var own = _own ??= new ProtoWriter(1024);
        Entry(own, Line(e.Record!), e.Session, e.PendingId);
        Write(w, own.Written);
    }

    /// <summary>Appends the <c>log_records</c> field of the decision in <paramref name="entry"/> (one
    /// <see cref="Entry"/>) to <paramref name="w"/>. An entry that cannot be read throws
    /// <see cref="InvalidDataException"/>, having written nothing.</summary>
    public void Write(ProtoWriter w, ReadOnlySpan<byte> entry)
    {
        if (entry.Length < Frame + 8 || entry[0] != Kind) throw new InvalidDataException("not a decision's entry");
        int at = Frame;
        (_at[Session], _length[Session]) = Next(entry, ref at);
        if (_length[Session] < 0) throw new InvalidDataException("a decision's entry has no session");
        (_at[PendingId], _length[PendingId]) = Next(entry, ref at);
        if (_unescaped.Length < entry.Length) _unescaped = new byte[entry.Length * 2];
        var (time, pid, waited, argc, targets) = !ReadOnly && entry[at..].IndexOf((byte)'\\') < 0 && Scan(entry, at) is { } fast ? fast : Read(entry, at);

        // The command line (the argv quoted, or "connect" and the targets), then the body that ends
        // with it, as one run of bytes: command at [0, cmd), body at [cmd, end).
        int pos = 0;
        if (argc > 0)
            for (int i = 0; i < argc; i++)
            {
                if (i > 0) Append(ref pos, " "u8);
                Quoted(ref pos, Value(entry, _argv[2 * i], _argv[2 * i + 1]));
            }
        else
        {
            Append(ref pos, "connect "u8);
            for (int i = 0; i < targets; i++)
            {
                if (i > 0) Append(ref pos, " "u8);
                Append(ref pos, Value(entry, _targets[2 * i], _targets[2 * i + 1]));
            }
        }
        int cmd = pos;
        Append(ref pos, Str(entry, Outcome)); Append(ref pos, " by rule "u8); Append(ref pos, Str(entry, RuleId)); Append(ref pos, " ("u8);
        Append(ref pos, Str(entry, Environment)); Append(ref pos, "): "u8);
        Ensure(pos + cmd);
        _text.AsSpan(0, cmd).CopyTo(_text.AsSpan(pos));
        pos += cmd;
        ReadOnlySpan<byte> command = _text.AsSpan(0, cmd), body = _text.AsSpan(cmd, pos - cmd);

        bool allow = Str(entry, Action).SequenceEqual("allow"u8); // AuditAction.Allow
        w.Begin(2);                                    // ScopeLogs.log_records
        w.Fixed64(1, time);                            // time_unix_nano
        w.UInt64(2, (ulong)(allow ? OtlpMessages.Info : OtlpMessages.Warn));
        w.Utf8(3, allow ? "INFO"u8 : "WARN"u8);
        w.Begin(5); w.Utf8(1, body); w.End();          // body: AnyValue.string_value
        // The attributes in TelemetryEvents' order.
        Text(w, Action, "agentshell.action"u8, entry);
        Text(w, RuleId, "agentshell.rule_id"u8, entry);
        Text(w, Environment, "agentshell.environment"u8, entry);
        Int(w, "process.pid"u8, pid);
        Text(w, "process.command_line"u8, command);
        Text(w, RunId, "agentshell.run_id"u8, entry);
        Text(w, Session, "agentshell.session_id"u8, entry);
        if (_length[Effect] >= 0) Text(w, Effect, "agentshell.effect"u8, entry);
        if (_length[Tool] >= 0) Text(w, Tool, "agentshell.tool"u8, entry);
        if (_length[PendingId] >= 0) Text(w, PendingId, "agentshell.pending_id"u8, entry);
        Text(w, Outcome, "agentshell.outcome"u8, entry);
        Text(w, Syscall, "agentshell.syscall"u8, entry);
        if (_length[Reason] >= 0) Text(w, Reason, "agentshell.reason"u8, entry);
        if (_length[ApprovedBy] >= 0) Text(w, ApprovedBy, "agentshell.answered_by"u8, entry);
        if (waited is long ms) Int(w, "agentshell.wait_ms"u8, ms);
        w.Fixed64(11, time);                           // observed_time_unix_nano
        w.Utf8(12, "agentshell.decision"u8);          // event_name
        w.End();
        if (_text.Length > 64 * 1024) _text = new byte[1024]; // one huge record: not kept for good
        if (_unescaped.Length > 128 * 1024) _unescaped = new byte[1024];
    }

    // PERF: the line as AuditJson writes it (one object: names, strings, integers, arrays of strings;
    // no white space), read when it holds no backslash, so no value is escaped and a string ends at
    // the next quote: Utf8JsonReader took ~2 µs of the export thread's time per record (perf record
    // of the supervisor, 20,000 exported blocked curls), this ~0.5. Anything else it meets: null,
    // and Read (the JSON reader) reads the line instead.
    private (ulong Time, int Pid, long? Waited, int Argc, int Targets)? Scan(ReadOnlySpan<byte> entry, int at)
    {
        for (int i = 0; i < Fields; i++)
            if (i is not (Session or PendingId)) _length[i] = -1;
        ulong time = 0;
        int pid = 0, argc = -1, targets = -1;
        long? waited = null;
        bool sawTime = false, sawPid = false;
        int p = at;
        if (p >= entry.Length || entry[p++] != '{') return null;
        while (true)
        {
            if (p >= entry.Length || entry[p] != '"') return null;
            int nameEnd = entry[(p + 1)..].IndexOf((byte)'"');
            if (nameEnd < 0) return null;
            var name = entry.Slice(p + 1, nameEnd);
            p += nameEnd + 2;
            if (p >= entry.Length || entry[p++] != ':' || p >= entry.Length) return null;
            int field = Field(name);
            if (entry[p] == '"')
            {
                int end = entry[(p + 1)..].IndexOf((byte)'"');
                if (end < 0) return null;
                if (field >= 0) (_at[field], _length[field]) = (p + 1, end);
                else if (field == -2)
                {
                    var r = new Utf8JsonReader(entry.Slice(p, end + 2)); // the string, quotes and all
                    if (!r.Read() || !r.TryGetDateTimeOffset(out var t)) return null;
                    (time, sawTime) = (UnixNano(t), true);
                }
                else if (field != -1) return null;
                p += end + 2;
            }
            else if (entry[p] == '[')
            {
                if (field is not (-5 or -6 or -1)) return null;
                ref int[] places = ref field == -6 ? ref _targets : ref _argv;
                int n = 0;
                p++;
                while (p < entry.Length && entry[p] == '"')
                {
                    int end = entry[(p + 1)..].IndexOf((byte)'"');
                    if (end < 0) return null;
                    if (field != -1)
                    {
                        if (2 * n + 2 > places.Length) System.Array.Resize(ref places, places.Length * 2);
                        (places[2 * n], places[2 * n + 1]) = (p + 1, end);
                    }
                    n++;
                    p += end + 2;
                    if (p < entry.Length && entry[p] == ',') p++;
                }
                if (p >= entry.Length || entry[p++] != ']') return null;
                if (field == -5) argc = n;
                else if (field == -6) targets = n;
            }
            else
            {
                int end = p;
                while (end < entry.Length && (entry[end] is (>= (byte)'0' and <= (byte)'9') or (byte)'-')) end++;
                var number = entry[p..end];
                if (field == -3) { if (!System.Buffers.Text.Utf8Parser.TryParse(number, out pid, out int used) || used != number.Length) return null; sawPid = true; }
                else if (field == -4) { if (!System.Buffers.Text.Utf8Parser.TryParse(number, out long ms, out int used) || used != number.Length) return null; waited = ms; }
                else if (field != -1 || number.IsEmpty) return null;
                p = end;
            }
            if (p >= entry.Length) return null;
            if (entry[p] == '}') break;
            if (entry[p++] != ',') return null;
        }
        if (!sawTime || !sawPid || argc < 0 || targets < 0) return null;
        foreach (int f in (ReadOnlySpan<int>)[Action, RuleId, Environment, RunId, Outcome, Syscall])
            if (_length[f] < 0) return null;
        return (time, pid, waited, argc, targets);
    }

    // Reads the line (a JSON object) from at: its fields' places, and the numbers.
    private (ulong Time, int Pid, long? Waited, int Argc, int Targets) Read(ReadOnlySpan<byte> entry, int at)
    {
        for (int i = 0; i < Fields; i++)
            if (i is not (Session or PendingId)) _length[i] = -1;
        ulong time = 0;
        int pid = 0, argc = 0, targets = 0, unescaped = 0;
        long? waited = null;
        bool sawTime = false, sawPid = false, sawArgv = false, sawTargets = false;
        try
        {
            var r = new Utf8JsonReader(entry[at..], new JsonReaderOptions { AllowMultipleValues = true });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) throw new InvalidDataException("a decision's line is not a JSON object");
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                int field = Field(r.ValueSpan);
                if (!r.Read()) break;
                if (r.ValueSpan.IsEmpty && r.TokenType == JsonTokenType.Null) continue;
                switch (field)
                {
                    case -2: // time
                        time = UnixNano(r.GetDateTimeOffset());
                        sawTime = true;
                        break;
                    case -3: // pid
                        pid = r.GetInt32();
                        sawPid = true;
                        break;
                    case -4: // waitedMs
                        waited = r.GetInt64();
                        break;
                    case -5: // argv
                        argc = Array(ref r, entry, at, ref _argv, ref unescaped);
                        sawArgv = true;
                        break;
                    case -6: // targets
                        targets = Array(ref r, entry, at, ref _targets, ref unescaped);
                        sawTargets = true;
                        break;
                    case >= 0:
                        (_at[field], _length[field]) = Place(ref r, entry, at, ref unescaped);
                        break;
                    default:
                        r.Skip();
                        break;
                }
            }
            if (r.TokenType != JsonTokenType.EndObject) throw new InvalidDataException("a decision's line does not end its object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"a decision's line cannot be read ({e.GetType().Name})", e);
        }
        if (!sawTime || !sawPid || !sawArgv || !sawTargets)
            throw new InvalidDataException("a decision's line lacks time, pid, argv or targets");
        foreach (int f in (ReadOnlySpan<int>)[Action, RuleId, Environment, RunId, Outcome, Syscall])
            if (_length[f] < 0) throw new InvalidDataException("a decision's line lacks a field every record has");
        return (time, pid, waited, argc, targets);
    }

    private static ulong UnixNano(DateTimeOffset t) => (ulong)(t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    // The exported string fields by their JSON names (AuditJson's); -2 and below: the other fields read.
    private static int Field(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("action"u8) => Action,
        _ when name.SequenceEqual("ruleId"u8) => RuleId,
        _ when name.SequenceEqual("environment"u8) => Environment,
        _ when name.SequenceEqual("runId"u8) => RunId,
        _ when name.SequenceEqual("effect"u8) => Effect,
        _ when name.SequenceEqual("tool"u8) => Tool,
        _ when name.SequenceEqual("outcome"u8) => Outcome,
        _ when name.SequenceEqual("syscall"u8) => Syscall,
        _ when name.SequenceEqual("reason"u8) => Reason,
        _ when name.SequenceEqual("approvedBy"u8) => ApprovedBy,
        _ when name.SequenceEqual("time"u8) => -2,
        _ when name.SequenceEqual("pid"u8) => -3,
        _ when name.SequenceEqual("waitedMs"u8) => -4,
        _ when name.SequenceEqual("argv"u8) => -5,
        _ when name.SequenceEqual("targets"u8) => -6,
        _ => -1,
    };

    // A string value's place: where it is in the entry, or (escaped) unescaped into _unescaped.
    private (int At, int Length) Place(ref Utf8JsonReader r, ReadOnlySpan<byte> entry, int lineAt, ref int unescaped)
    {
        if (r.TokenType != JsonTokenType.String) throw new InvalidDataException("a decision's line has a field of another type");
        if (!r.ValueIsEscaped) return (lineAt + (int)r.TokenStartIndex + 1, r.ValueSpan.Length);
        int n = r.CopyString(_unescaped.AsSpan(unescaped)); // never longer than its escaped form
        int start = unescaped;
        unescaped += n;
        return (-1 - start, n);
    }

    private int Array(ref Utf8JsonReader r, ReadOnlySpan<byte> entry, int lineAt, ref int[] places, ref int unescaped)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw new InvalidDataException("a decision's line has a list of another type");
        int n = 0;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (2 * n + 2 > places.Length) System.Array.Resize(ref places, places.Length * 2);
            (places[2 * n], places[2 * n + 1]) = Place(ref r, entry, lineAt, ref unescaped);
            n++;
        }
        return n;
    }

    private ReadOnlySpan<byte> Value(ReadOnlySpan<byte> entry, int at, int length) =>
        length <= 0 ? default : at >= 0 ? entry.Slice(at, length) : _unescaped.AsSpan(-1 - at, length);

    private ReadOnlySpan<byte> Str(ReadOnlySpan<byte> entry, int field) => Value(entry, _at[field], _length[field]);

    private static (int At, int Length) Next(ReadOnlySpan<byte> s, ref int at)
    {
        if (s.Length - at < 4) throw new InvalidDataException("a decision's entry is cut short");
        int n = BinaryPrimitives.ReadInt32LittleEndian(s[at..]);
        at += 4;
        if (n < -1 || n > s.Length - at) throw new InvalidDataException("a decision's entry is cut short");
        int start = at;
        if (n > 0) at += n;
        return (start, n);
    }

    private static readonly SearchValues<byte> PlainBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./=:@,+%"u8);

    // ShellQuote.Quote over UTF-8: the plain characters are ASCII, so a character is plain exactly
    // when its bytes are.
    private void Quoted(ref int pos, ReadOnlySpan<byte> a)
    {
        if (a.Length > 0 && !a.ContainsAnyExcept(PlainBytes)) { Append(ref pos, a); return; }
        Append(ref pos, "'"u8);
        while (true)
        {
            int q = a.IndexOf((byte)'\'');
            if (q < 0) break;
            Append(ref pos, a[..q]);
            Append(ref pos, "'\\''"u8);
            a = a[(q + 1)..];
        }
        Append(ref pos, a);
        Append(ref pos, "'"u8);
    }

    private void Append(ref int pos, ReadOnlySpan<byte> bytes)
    {
        Ensure(pos + bytes.Length);
        bytes.CopyTo(_text.AsSpan(pos));
        pos += bytes.Length;
    }

    private void Ensure(int length)
    {
        if (_text.Length < length) System.Array.Resize(ref _text, Math.Max(length, _text.Length * 2));
    }

    // The attribute through its slot's cache: copied when its value's bytes are the ones last encoded there.
    private void Text(ProtoWriter w, int slot, ReadOnlySpan<byte> key, ReadOnlySpan<byte> entry)
    {
        var value = Str(entry, slot);
        ref var c = ref _cached[slot];
        if (c.Bytes != null && c.ValueLength == value.Length && c.Bytes.AsSpan(c.Length - value.Length, value.Length).SequenceEqual(value))
        {
            w.Raw(c.Bytes.AsSpan(0, c.Length));
            return;
        }
        int start = w.Written.Length;
        Text(w, key, value);
        var encoded = w.Written[start..]; // complete: its own Begin and End are balanced; the value last
        if (encoded.Length > CachedBytes)
        {
            c.Bytes = null; // a long text (a reason): not kept
            return;
        }
        encoded.CopyTo(c.Bytes ??= new byte[CachedBytes]);
        c.Length = encoded.Length;
        c.ValueLength = value.Length;
    }

    private static void Text(ProtoWriter w, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        w.Begin(6);                                    // LogRecord.attributes: KeyValue
        w.Utf8(1, key);
        w.Begin(2);                                    // AnyValue
        w.Utf8(1, value);                              // string_value
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
