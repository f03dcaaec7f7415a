using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What Python code handed to an ORM's shell does to the database, as far as its calls say
/// (the Python counterpart of <see cref="RubyCode"/>): Django's <c>manage.py shell -c CODE</c> (or the
/// code on its stdin, as Flask's <c>flask shell</c> takes it) and <c>dbshell</c> fed SQL. A queryset's or record's <c>.delete()</c> deletes
/// (wipe when nothing narrows it: no <c>filter</c>, <c>get</c>, <c>exclude</c>, …), a manager's
/// <c>.update(</c> writes (wipe unnarrowed, as an UPDATE without WHERE), SQLAlchemy's
/// <c>drop_all(</c> drops, <c>call_command('flush')</c> wipes, and <c>.execute("SQL")</c> or
/// <c>.raw("SQL")</c> is its SQL (a string built at run time, an f-string, is unknown). Code with none of these
/// is unknown: Python can do anything.</summary>
internal static class PythonOrmCode
{
    private static readonly string[] Narrowing = [".filter(", ".get(", ".exclude(", ".filter_by(", ".where(", "[:", ".first()", ".last()", ".get_or_create("];

    /// <summary>django and flask: the effect of <c>shell -c CODE</c> / <c>shell</c> fed code on stdin,
    /// and of django's <c>dbshell</c> fed SQL (on stdin, or <c>dbshell -- -c SQL</c>); null (the
    /// table's unknown) when there is no code to read.</summary>
    internal static Effect? ShellEffectOf(ToolCall c, List<string> words, List<Evidence> evidence)
    {
        if (words.Count == 0) return null;
        if (words[0] == "shell")
        {
            var code = ToolHelp.Option(c.Args, "-c", "--command") ?? c.StdinText;
            // Code may do more than the calls read here (SQL concatenated, a call spelled another
            // way): what is read only raises the shell's unknown, never lowers it to a read.
            return code == null ? null : ToolHelp.Max(Effect.Unknown, EffectOf(code, evidence));
        }
        if (words[0] != "dbshell") return null;
        int dash = IndexOf(c.Args, "--");
        var sql = dash >= 0 ? ToolHelp.Option(Tail(c.Args, dash + 1), "-c", "--command", "-e", "--execute") : null;
        sql ??= c.StdinText;
        if (sql == null) return null;
        var r = SqlScanner.Scan(sql);
        evidence.Add(new(HttpBody.Short(sql), r));
        return r.Effect;
    }

    /// <summary>The effect of <paramref name="code"/>; adds what it found to <paramref name="evidence"/>.</summary>
    internal static Effect EffectOf(string code, List<Evidence> evidence)
    {
        var f = new OrmFindings(code, evidence);
        bool narrowed = OrmFindings.AnyOf(code, Narrowing);
        if (code.Contains(".delete()", StringComparison.Ordinal))
            f.Found(narrowed ? Effect.Delete : Effect.Wipe, narrowed ? "delete() → delete" : "delete() of what nothing narrows → wipe");
        // A manager's update (Model.objects.update(…), ….filter(…).update(…)): a dict's update is no write to the database.
        if (code.Contains("objects.", StringComparison.Ordinal) && code.Contains(".update(", StringComparison.Ordinal) || code.Contains(").update(", StringComparison.Ordinal) && code.Contains("query(", StringComparison.Ordinal))
            f.Found(narrowed ? Effect.Write : Effect.Wipe, narrowed ? "update() → write" : "update() of what nothing narrows → wipe");
        if (code.Contains("drop_all(", StringComparison.Ordinal)) f.Found(Effect.Drop, "drop_all → drop");
        if (code.Contains(".drop(", StringComparison.Ordinal) && code.Contains("Table", StringComparison.Ordinal)) f.Found(Effect.Drop, "a table's drop() → drop");
        for (int at = code.IndexOf("call_command(", StringComparison.Ordinal); at >= 0; at = code.IndexOf("call_command(", at + 1, StringComparison.Ordinal))
        {
            var rest = code.AsSpan(at + "call_command(".Length).TrimStart();
            if (!rest.IsEmpty && rest[0] is '"' or '\'' && TryLiteral(rest, out var name))
                f.Found(name is "flush" or "reset_db" ? Effect.Wipe : Effect.Unknown, $"call_command('{name}') → {(name is "flush" or "reset_db" ? "wipe" : "unknown")}");
            else f.Found(Effect.Unknown, "call_command of a name built at run time (unknown)");
        }
        foreach (var call in (ReadOnlySpan<string>)[".execute(", ".executemany(", ".executescript(", ".raw("])
        {
            for (int at = code.IndexOf(call, StringComparison.Ordinal); at >= 0; at = code.IndexOf(call, at + 1, StringComparison.Ordinal))
            {
                var rest = code.AsSpan(at + call.Length).TrimStart();
                if (rest.StartsWith("text(", StringComparison.Ordinal)) rest = rest[5..].TrimStart(); // SQLAlchemy's text("…")
                f.Sql(call.Trim('.', '('), !rest.IsEmpty && rest[0] is '"' or '\'' && TryLiteral(rest, out var sql) ? sql : null);
            }
        }
        return f.Result("Python");
    }

    // A Python string literal (single or double quotes, a triple-quoted one too) at the start of s.
    private static bool TryLiteral(ReadOnlySpan<char> s, out string text)
    {
        char q = s[0];
        bool triple = s.Length >= 3 && s[1] == q && s[2] == q;
        int start = triple ? 3 : 1;
        for (int end = start; end < s.Length; end += s[end] == '\\' ? 2 : 1)
        {
            if (s[end] != q) continue;
            if (triple && !(end + 2 < s.Length && s[end + 1] == q && s[end + 2] == q)) continue;
            text = s[start..end].ToString();
            return true;
        }
        text = "";
        return false;
    }

    private static int IndexOf(IReadOnlyList<string> a, string w)
    {
        for (int i = 0; i < a.Count; i++) if (a[i] == w) return i;
        return -1;
    }

    private static List<string> Tail(IReadOnlyList<string> a, int from)
    {
        var t = new List<string>();
        for (int i = from; i < a.Count; i++) t.Add(a[i]);
        return t;
    }
}
