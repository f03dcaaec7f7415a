using System.Buffers;
using System.Text;
using System.Text.Json;
using AgentShell.Core.Audit;

namespace AgentShell.Supervisor.Approval;

/// <summary>The control socket's protocol: one JSON object per line, each with <c>"v": 1</c>.
/// Requests carry <c>op</c> (hello, pending, approve, deny, watch) and may name a <c>run</c> (a run's or a
/// daemon session's id) to act on only its items; answers carry <c>ok</c> and
/// either the data or <c>error</c>; a watch stream carries <c>event</c> (paused, resolved).</summary>
public static class ControlProtocol
{
    /// <summary>Protocol version.</summary>
    public const int Version = 1;

    /// <summary>Writes one JSON line built by <paramref name="body"/>.</summary>
    public static byte[] Line(Action<Utf8JsonWriter> body)
    {
        var buf = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buf))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            body(w);
            w.WriteEndObject();
        }
        var bytes = new byte[buf.WrittenCount + 1];
        buf.WrittenSpan.CopyTo(bytes);
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Writes an item as a JSON object property value.</summary>
    public static void WriteItem(Utf8JsonWriter w, PendingItem i)
    {
        var d = i.Decision;
        w.WriteStartObject();
        w.WriteString("id", i.Id);
        if (i.Session != null) w.WriteString("run", i.Session);
        w.WriteString("created", i.Created);
        w.WriteString("deadline", i.Deadline);
        w.WriteNumber("pid", i.Pid);
        w.WriteStartArray("chain");
        foreach (var c in i.Chain) w.WriteStringValue(c);
        w.WriteEndArray();
        // What leaves the supervisor passes the redactor: pending and watch never show a secret.
        if (i.Cwd != null) w.WriteString("cwd", Redactor.RedactText(i.Cwd));
        // The secrets the command carries are masked wherever they stand (a carrier no argv rule knows, a parser's quote).
        IReadOnlyList<Core.Model.Credential> carried = d.Intent?.Credentials ?? [];
        var argv = Redactor.RedactArgv(i.Argv).Select(a => Redactor.MaskCarried(a, carried)).ToList();
        w.WriteStartArray("argv");
        foreach (var a in argv) w.WriteStringValue(a);
        w.WriteEndArray();
        w.WriteString("command", ShellQuote.Join(argv));
        // A connection's or request's argv is the process's own claim: the program is what runs.
        if (i.Program != null) { w.WriteString("program", i.Program); w.WriteString("argvSource", "process"); }
        w.WriteString("tool", d.Intent?.Tool);
        w.WriteString("effect", d.Intent?.Effect.ToString().ToLowerInvariant());
        w.WriteString("summary", d.Intent == null ? null : Redactor.RedactCarried(d.Intent.ToString(), carried));
        w.WriteString("target", d.Target == null ? null : Redactor.RedactCarried(d.Target.ToString(), carried));
        w.WriteString("environment", d.Environment);
        if (d.MatchedBy is { } m) w.WriteString("matched", m.Describe());
        if (d.Credential != null) w.WriteString("credential", d.Credential);
        w.WriteString("rule", d.RuleId);
        w.WriteString("reason", d.Reason);
        w.WriteString("explanation", d.Explanation);
        w.WriteString("outcome", i.Outcome.ToString().ToLowerInvariant());
        if (i.AnsweredBy != null) w.WriteString("answeredBy", i.AnsweredBy);
        w.WriteEndObject();
    }

    /// <summary>Parses one request line; null when it is not a JSON object of this version.</summary>
    public static JsonElement? Parse(ReadOnlySpan<byte> line, out string? error)
    {
        error = null;
        // Strings are read as UTF-16 later: bytes that are not UTF-8 would throw there.
        if (!System.Text.Unicode.Utf8.IsValid(line)) { error = "not UTF-8"; return null; }
        try
        {
            var doc = JsonDocument.Parse(line.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "not a JSON object"; return null; }
            if (!root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version) || version != Version)
            {
                error = $"unsupported protocol version (this supervisor speaks v{Version})";
                return null;
            }
            return root;
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return null;
        }
    }

    /// <summary>A string property or null (also when it escapes a lone surrogate, which no string
    /// can hold: the request then names nothing, so it approves nothing).</summary>
    public static string? Str(this JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.String) return null;
        try
        {
            return p.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A bool property or false.</summary>
    public static bool Bool(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.True;

    /// <summary>UTF-8 of a string.</summary>
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
