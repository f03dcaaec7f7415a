using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>sqlite3 <c>[OPTIONS] FILE [SQL...]</c>: a local database file; SQL from the trailing
/// arguments, <c>-cmd</c>, or stdin. Dot-commands (<c>.tables</c>) read, except <c>.shell</c>,
/// <c>.system</c>, <c>.read</c> and <c>.import</c>.</summary>
public static class Sqlite
{
    /// <summary>Parses sqlite3's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var args = c.Args;
        var evidence = new List<Evidence>();
        if (args.Contains("-help") || args.Contains("--help") || args.Contains("-version")) return ToolHelp.Help("sqlite3", "-help");
        string? file = null;
        var sql = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.StartsWith('-') && a.Length > 1)
            {
                if (a is "-cmd" or "--cmd") { if (i + 1 < args.Count) sql.Add(args[++i]); }
                else if (a is "-separator" or "-newline" or "-nullvalue" or "-init" or "-vfs" or "-maxsize" or "-pagecache" or "-lookaside" or "-mmap" or "-heap") i++;
                continue;
            }
            if (file == null) file = a;
            else sql.Add(a);
        }
        var target = new Target { Kind = TargetKind.LocalPath, Path = file ?? ":memory:" };
        // A database file named for production (prod.db, production.sqlite3, app-prod.db) is that
        // environment's data, whatever machine holds it.
        Target? named = file != null && NamesProduction(Path.GetFileName(file)) ? new Target { Kind = TargetKind.Environment, Name = "production" } : null;
        if (named != null) evidence.Add(new(file!, "a database file named for production"));
        Effect effect = Effect.Read;
        string summary = "";
        var texts = sql.Count > 0 ? sql : c.StdinText != null ? [c.StdinText] : null;
        if (texts == null)
        {
            evidence.Add(new("sqlite3", "interactive or SQL from stdin (unknown)"));
            return ToolHelp.Intent("sqlite3", Effect.Unknown, "SQL not visible", named != null ? [target, named] : [target], evidence);
        }
        foreach (var t in texts)
        {
            foreach (var line in t.Split('\n'))
            {
                var l = line.TrimStart();
                if (!l.StartsWith('.')) continue;
                if (l.StartsWith(".shell") || l.StartsWith(".system") || l.StartsWith(".read") || l.StartsWith(".import") || l.StartsWith(".restore"))
                { effect = ToolHelp.Max(effect, Effect.Unknown); evidence.Add(new(l, "dot-command (unknown)")); }
            }
            var sqlOnly = string.Join('\n', t.Split('\n').Where(l => !l.TrimStart().StartsWith('.')));
            var r = SqlScanner.Scan(sqlOnly, SqlDialect.Sqlite);
            if (r.Effect > effect || summary.Length == 0) { summary = r.Summary; }
            effect = ToolHelp.Max(effect, r.Effect);
            if (r.Effect != Effect.Read) evidence.Add(new(HttpBody.Short(t), r));
        }
        return ToolHelp.Intent("sqlite3", effect, summary, named != null ? [target, named] : [target], evidence);
    }

    // True when a word of the file name (split at anything not a letter or digit) is prod or production.
    internal static bool NamesProduction(string name)
    {
        foreach (var w in name.Split(['.', '-', '_', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (w.Equals("prod", StringComparison.OrdinalIgnoreCase) || w.Equals("production", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
