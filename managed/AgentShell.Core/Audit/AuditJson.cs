using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentShell.Core.Audit;

/// <summary>The audit log's line format: one JSON object per line, written with <see cref="Utf8JsonWriter"/> and read
/// with <see cref="JsonDocument"/> (no reflection serializer: the tool is NativeAOT).</summary>
/// <remarks>
/// Fields: <c>v</c> (format version, <see cref="Version"/>), <c>time</c>, <c>runId</c>, <c>syscall</c>, <c>pid</c>,
/// <c>pidChain</c>, <c>argv</c>, <c>cwd</c>, <c>tool</c>, <c>effect</c>, <c>targets</c>, <c>environment</c>,
/// <c>ruleId</c>, <c>action</c>, <c>outcome</c>, <c>approvedBy</c>, <c>waitedMs</c>, <c>reason</c>; null fields are
/// left out. Control characters (newlines in argv included) are escaped, so a record is always exactly one line.
/// Readers ignore fields they do not know, so later versions may add fields.
/// </remarks>
public static class AuditJson
{
    /// <summary>The format version written in <c>"v"</c>.</summary>
    public const int Version = 1;

    /// <summary>How agentshell writes JSON a person may read (the log, --json output): non-ASCII and
    /// '+', '&lt;', '&amp;' stay as they are (none of it is HTML); control characters and quotes are
    /// still escaped.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Writes <paramref name="record"/> as one JSON object followed by <c>'\n'</c>.</summary>
    public static void WriteLine(IBufferWriter<byte> output, AuditRecord record)
    {
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            w.WriteString("time", record.Time.ToUniversalTime());
            w.WriteString("runId", record.RunId);
            w.WriteString("syscall", record.Syscall);
            w.WriteNumber("pid", record.Pid);
            WriteArray(w, "pidChain", record.PidChain);
            WriteArray(w, "argv", record.Argv);
            WriteOptional(w, "cwd", record.Cwd);
            WriteOptional(w, "tool", record.Tool);
            WriteOptional(w, "effect", record.Effect);
            WriteArray(w, "targets", record.Targets);
            w.WriteString("environment", record.Environment);
            w.WriteString("ruleId", record.RuleId);
            w.WriteString("action", record.Action);
            w.WriteString("outcome", record.Outcome);
            WriteOptional(w, "approvedBy", record.ApprovedBy);
            if (record.WaitedMs is long waited) w.WriteNumber("waitedMs", waited);
            WriteOptional(w, "reason", record.Reason);
            w.WriteEndObject();
        }
        output.Write("\n"u8);
    }

    /// <summary><paramref name="record"/> as one UTF-8 line ending in <c>'\n'</c>.</summary>
    public static byte[] ToLine(AuditRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        WriteLine(buffer, record);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads one line. Returns false with a short <paramref name="error"/> for a line that is not a JSON
    /// object, lacks <c>time</c> or <c>action</c>, or has a known field of the wrong type; never throws for bad input.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, [NotNullWhen(true)] out AuditRecord? record, [NotNullWhen(false)] out string? error)
    {
        record = null;
        line = line.Trim("\r\n \t"u8);
        if (line.IsEmpty) { error = "empty line"; return false; }
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            return TryRead(doc.RootElement, out record, out error);
        }
        catch (JsonException e)
        {
            error = $"not JSON: {e.Message}";
            return false;
        }
    }

    /// <summary>Reads one line given as text; see <see cref="TryParse(ReadOnlySpan{byte}, out AuditRecord?, out string?)"/>.</summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out AuditRecord? record, [NotNullWhen(false)] out string? error) =>
        TryParse(System.Text.Encoding.UTF8.GetBytes(line), out record, out error);

    private static bool TryRead(JsonElement root, out AuditRecord? record, out string? error)
    {
        record = null;
        if (root.ValueKind != JsonValueKind.Object) { error = "not a JSON object"; return false; }
        var f = new Fields(root);
        if (!root.TryGetProperty("time", out var timeEl) || timeEl.ValueKind != JsonValueKind.String
            || !timeEl.TryGetDateTimeOffset(out var time))
        {
            error = "missing or invalid \"time\"";
            return false;
        }
        var r = new AuditRecord
        {
            Time = time.ToUniversalTime(),
            RunId = f.String("runId") ?? "",
            Syscall = f.String("syscall") ?? "",
            Pid = (int)(f.Number("pid") ?? 0),
            PidChain = f.Strings("pidChain"),
            Argv = f.Strings("argv"),
            Cwd = f.String("cwd"),
            Tool = f.String("tool"),
            Effect = f.String("effect"),
            Targets = f.Strings("targets"),
            Environment = f.String("environment") ?? "none",
            RuleId = f.String("ruleId") ?? "",
            Action = f.String("action") ?? "",
            Outcome = f.String("outcome") ?? "",
            ApprovedBy = f.String("approvedBy"),
            WaitedMs = f.Number("waitedMs"),
            Reason = f.String("reason"),
        };
        if (f.Error != null) { error = f.Error; return false; }
        if (r.Action.Length == 0) { error = "missing \"action\""; return false; }
        record = r;
        error = null;
        return true;
    }

    /// <summary>Typed access to known fields; the first type mismatch is kept in <see cref="Error"/>.</summary>
    private struct Fields(JsonElement root)
    {
        public string? Error { get; private set; }

        public string? String(string name)
        {
            if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
            if (el.ValueKind == JsonValueKind.String) return el.GetString();
            Error ??= $"\"{name}\" is not a string";
            return null;
        }

        public long? Number(string name)
        {
            if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
            if (el.ValueKind == JsonValueKind.Number && el.TryGetInt64(out long n)) return n;
            Error ??= $"\"{name}\" is not an integer";
            return null;
        }

        public IReadOnlyList<string> Strings(string name)
        {
            if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return [];
            if (el.ValueKind == JsonValueKind.Array)
            {
                var list = new string[el.GetArrayLength()];
                int i = 0;
                foreach (var item in el.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) { Error ??= $"\"{name}\" has a non-string item"; return []; }
                    list[i++] = item.GetString()!;
                }
                return list;
            }
            Error ??= $"\"{name}\" is not an array";
            return [];
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value != null) w.WriteString(name, value);
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
