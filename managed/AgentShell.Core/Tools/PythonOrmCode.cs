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
        int dash = c.Args.ToList().IndexOf("--");
        var sql = dash >= 0 ? ToolHelp.Option(c.Args.Skip(dash + 1).ToList(), "-c", "--command", "-e", "--execute") : null;
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
            if (InlineCode.Literal(code, at + "call_command(".Length, out var name, out _))
                f.Found(name is "flush" or "reset_db" ? Effect.Wipe : Effect.Unknown, $"call_command('{name}') → {(name is "flush" or "reset_db" ? "wipe" : "unknown")}");
            else f.Found(Effect.Unknown, "call_command of a name built at run time (unknown)");
        }
        foreach (var call in (ReadOnlySpan<string>)[".execute(", ".executemany(", ".executescript(", ".raw("])
        {
            for (int at = code.IndexOf(call, StringComparison.Ordinal); at >= 0; at = code.IndexOf(call, at + 1, StringComparison.Ordinal))
            {
                int p = InlineCode.SkipSpace(code, at + call.Length);
                if (code.AsSpan(p).StartsWith("text(", StringComparison.Ordinal)) p += 5; // SQLAlchemy's text("…")
                // InlineCode.Literal: quotes, triple quotes and prefixes as Python reads them; an f-string with a {…} is no literal.
                f.Sql(call.Trim('.', '('), InlineCode.Literal(code, p, out var sql, out _) ? sql : null);
            }
        }
        return f.Result("Python");
    }
}
