using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The servers a DuckDB script attaches: <c>ATTACH [DATABASE] [IF NOT EXISTS] 'PATH' …</c>
/// with the postgres or mysql extension makes <c>alias.table</c> a table on that server, so a
/// <c>DROP TABLE p.public.orders</c> runs there, not in the local file. PATH is a URI
/// (<c>postgresql://h/db</c>), a libpq or MySQL key=value string (<c>host=h dbname=d</c>, optionally
/// after <c>postgres:</c>/<c>mysql:</c>), or a file (named for production: production). Each is a
/// target beside the local database; an attach whose path is not a literal is unknown.</summary>
internal static class DuckDbAttach
{
    /// <summary><paramref name="local"/> and the server of each ATTACH in <paramref name="scripts"/>.</summary>
    internal static IReadOnlyList<Target> With(List<string> scripts, IReadOnlyList<Target> local, List<Evidence> evidence)
    {
        var targets = new List<Target>(local);
        foreach (var sql in scripts)
        {
            // PERF: most scripts attach nothing.
            if (sql.IndexOf("ATTACH", StringComparison.OrdinalIgnoreCase) < 0) continue;
            for (int i = 0; i < sql.Length; i++)
            {
                char ch = sql[i];
                if (ch is '\'' or '"') { i = SkipQuoted(sql, i); continue; }
                if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-') { while (i < sql.Length && sql[i] != '\n') i++; continue; }
                // A block comment hides what is in it (an apostrophe there opened no string).
                if (ch == '/' && i + 1 < sql.Length && sql[i + 1] == '*') { int close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal); i = close < 0 ? sql.Length : close + 1; continue; }
                if (!Word(sql, i, "ATTACH")) continue;
                int j = Blank(sql, i + 6);
                if (Word(sql, j, "DATABASE")) j = Blank(sql, j + 8);
                if (Word(sql, j, "IF")) { j = Blank(sql, j + 2); if (Word(sql, j, "NOT")) j = Blank(sql, j + 3); if (Word(sql, j, "EXISTS")) j = Blank(sql, j + 6); }
                if (j >= sql.Length || sql[j] != '\'')
                {
                    targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                    evidence.Add(new("ATTACH", "attaches a database whose path is not a literal (unknown)"));
                    continue;
                }
                int end = SkipQuoted(sql, j);
                // (TYPE postgres) / (TYPE mysql) after the path: a server, whatever the path looks like.
                int stop = sql.IndexOf(';', Math.Min(end, sql.Length));
                var options = sql[Math.Min(end, sql.Length)..(stop < 0 ? sql.Length : stop)];
                bool server = options.Contains("postgres", StringComparison.OrdinalIgnoreCase) || options.Contains("mysql", StringComparison.OrdinalIgnoreCase);
                Add(sql[(j + 1)..Math.Min(end, sql.Length)].Replace("''", "'"), server, targets, evidence);
                i = end;
            }
        }
        return targets;
    }

    private static void Add(string path, bool server, List<Target> targets, List<Evidence> evidence)
    {
        // A server's prefix, a remote store (MotherDuck, S3, HTTP) or a connection string: not this machine.
        server |= path.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase) || path.StartsWith("mysql:", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("md:", StringComparison.OrdinalIgnoreCase) || path.Contains("://", StringComparison.Ordinal) || path.Contains('=');
        string scheme = "postgresql";
        int port = 5432;
        var text = path;
        if (text.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase) && !text.Contains("://", StringComparison.Ordinal)) text = text[9..];
        else if (text.StartsWith("mysql:", StringComparison.OrdinalIgnoreCase) && !text.Contains("://", StringComparison.Ordinal)) (text, scheme, port) = (text[6..], "mysql", 3306);
        Target? t = null;
        if (DbTarget.TryParseUri(text, out var host, out var p, out var db))
        {
            var s = text[..text.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant();
            if (s is "mysql" or "mariadb") (scheme, port) = ("mysql", 3306);
            // s3://, https://: a remote store, not a database server (unknown below).
            if (s is "postgres" or "postgresql" or "mysql" or "mariadb") t = DbTarget.Make(scheme, host, p, db, port);
        }
        else if (DbTarget.TryParseConninfo(text, out var ci) && ci.TryGetValue("host", out var h) && h.Length > 0)
        {
            t = DbTarget.Make(scheme, h, ci.GetValueOrDefault("port"), ci.GetValueOrDefault("dbname") ?? ci.GetValueOrDefault("database"), port);
        }
        else if (Sqlite.NamesProduction(Path.GetFileName(text)))
        {
            t = new Target { Kind = TargetKind.Environment, Name = "production" };
        }
        if (t == null && server)
        {
            // A server whose host is not in the path (PGHOST, a secret, the default): not read, unknown.
            targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
            evidence.Add(new("ATTACH '" + HttpBody.Short(path) + "'", "attaches a server or remote store whose host is not read (unknown)"));
            return;
        }
        if (t == null) return; // a local file: the shell's own target already says local
        targets.Add(t);
        evidence.Add(new("ATTACH '" + HttpBody.Short(path) + "'", "attaches a database; its tables are reached as alias.table"));
    }

    private static int SkipQuoted(string s, int i)
    {
        char q = s[i];
        for (i++; i < s.Length; i++)
        {
            if (s[i] != q) continue;
            if (i + 1 < s.Length && s[i + 1] == q) { i++; continue; }
            return i;
        }
        return s.Length;
    }

    private static int Blank(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    private static bool Word(string s, int i, string w) =>
        i + w.Length <= s.Length && string.Compare(s, i, w, 0, w.Length, StringComparison.OrdinalIgnoreCase) == 0
        && (i == 0 || !(char.IsLetterOrDigit(s[i - 1]) || s[i - 1] == '_'))
        && (i + w.Length == s.Length || !(char.IsLetterOrDigit(s[i + w.Length]) || s[i + w.Length] == '_'));
}
