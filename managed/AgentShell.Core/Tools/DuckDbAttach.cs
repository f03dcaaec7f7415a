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
    /// <summary><paramref name="local"/> and the server of each ATTACH in <paramref name="scripts"/>,
    /// as the statement scanner reads them (comments, quotes and dollar quotes hide no ATTACH and fake none).</summary>
    internal static IReadOnlyList<Target> With(List<string> scripts, IReadOnlyList<Target> local, List<Evidence> evidence)
    {
        List<Target>? targets = null; // PERF: copied only when a script attaches something
        foreach (var sql in scripts)
        {
            // PERF: most scripts attach nothing: no scan here (the shell's own scan reads their effect).
            if (sql.IndexOf("ATTACH", StringComparison.OrdinalIgnoreCase) < 0) continue;
            foreach (var attach in SqlScanner.Scan(sql, SqlDialect.Postgres, SqlScanOptions.ServerText).Attaches)
            {
                targets ??= [.. local];
                if (attach.Path == null)
                {
                    targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                    evidence.Add(new("ATTACH", "attaches a database whose path is not a literal (unknown)"));
                    continue;
                }
                Add(attach.Path, attach.Server, targets, evidence);
            }
        }
        return targets ?? local;
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
            // s3://, https://: a remote store, not a database server (unknown below).
            var (uriScheme, defaultPort) = ProfileToolTarget.DatabaseScheme(text[..text.IndexOf("://", StringComparison.Ordinal)]);
            if (uriScheme is "postgresql" or "mysql") t = DbTarget.Make(uriScheme, host, p, db, defaultPort);
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
}
