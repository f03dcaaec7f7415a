using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>SQL shells with no parser of their own, each described as a row: which options carry
/// SQL, a script file, the server (host, port, URL) and the database, and the other options that
/// take a value. The SQL is read by the SQL scanner as psql's and mysql's is; no SQL given
/// (interactive, or from stdin that is not seen) is an unknown effect. Long options are taken with
/// one dash or two and as <c>--opt=value</c> (Go's flag package, Python's click and Java's picocli
/// all accept some of these); a shell's subcommand (<c>cockroach sql</c>) comes first.
/// Rows: <c>cockroach sql</c>, <c>trino</c>/<c>presto</c>, <c>litecli</c>, <c>duckdb</c>, <c>mysqlsh</c>, and the InfluxDB
/// 1.x <c>influx -execute</c> (InfluxQL's DROP and DELETE read as SQL's). mycli only with <c>-e</c>: the
/// name is also a profile tool's in the corpus (CorpusTests), and a built-in parser runs beside a
/// profile's tool of the same name.</summary>
public static class SqlShells
{
    private sealed record Shell(string Tool, string? Verb, string Scheme, int Port, SqlDialect Dialect, string[] Sql, string[] Files,
        string[] Hosts, string[] Ports, string[] Databases, string[] Urls, string[] Valued, Positional Positionals = Positional.None,
        string? HostVariable = null, string? UrlVariable = null, string[]? SqlModes = null, bool Attached = false);

    /// <summary>What bare words are: nothing, a local database file then SQL (sqlite3's form), or a
    /// server URI (<c>user@host:port/schema</c>, mysqlsh's form).</summary>
    private enum Positional : byte { None, FileThenSql, Uri, DatabaseOrUrl }

    private static readonly Shell Cockroach = new("cockroach sql", "sql", "postgresql", 26257, SqlDialect.Postgres,
        Sql: ["e", "execute"], Files: ["f", "file"], Hosts: ["host"], Ports: ["port", "p"], Databases: ["database", "d"], Urls: ["url"],
        Valued: ["user", "u", "certs-dir", "format", "set", "cluster-name", "watch", "history-file"],
        HostVariable: "COCKROACH_HOST", UrlVariable: "COCKROACH_URL");

    private static readonly Shell Trino = new("trino", null, "trino", 8080, SqlDialect.Postgres,
        Sql: ["execute"], Files: ["f", "file"], Hosts: [], Ports: [], Databases: ["catalog"], Urls: ["server"],
        Valued: ["schema", "user", "output-format", "output-format-interactive", "session", "source", "client-tags", "client-info",
            "client-request-timeout", "resource-estimate", "extra-credential", "access-token", "truststore-path", "truststore-password",
            "keystore-path", "keystore-password", "timezone", "socks-proxy", "http-proxy", "path", "krb5-principal", "krb5-config-path",
            "krb5-keytab-path", "krb5-credential-cache-path", "krb5-remote-service-name", "session-user", "role", "trace-token"],
        UrlVariable: "TRINO_SERVER");

    private static readonly Shell LiteCli = new("litecli", null, "sqlite", 0, SqlDialect.Sqlite,
        Sql: ["e", "execute"], Files: [], Hosts: [], Ports: [], Databases: [], Urls: [],
        Valued: ["D", "database", "R", "prompt", "l", "logfile", "liteclirc"], Positionals: Positional.FileThenSql);

    private static readonly Shell DuckDb = new("duckdb", null, "duckdb", 0, SqlDialect.Postgres,
        Sql: ["c", "cmd", "s"], Files: ["f", "init"], Hosts: [], Ports: [], Databases: [], Urls: [],
        Valued: ["separator", "newline", "nullvalue"], Positionals: Positional.FileThenSql);

    private static readonly Shell Influx1 = new("influx", null, "influxdb", 8086, SqlDialect.Postgres,
        Sql: ["execute"], Files: ["path"], Hosts: ["host"], Ports: ["port"], Databases: ["database"], Urls: [],
        Valued: ["username", "password", "format", "precision", "consistency", "pps", "socket", "type"], HostVariable: "INFLUX_HOST");

    // MySQL Shell runs -e/-f as JavaScript unless --sql/--sqlc/--sqlx (or a .sql file): code is unknown.
    // Words after -- are its API command line (util dump-instance …): unknown.
    private static readonly Shell MysqlShell = new("mysqlsh", null, "mysql", 3306, SqlDialect.MySql,
        Sql: ["e", "execute"], Files: ["f", "file"], Hosts: ["h", "host"], Ports: ["P", "port", "mysql-port", "mysqlx-port"],
        Databases: ["D", "schema", "database"], Urls: ["uri"],
        Valued: ["u", "user", "dbuser", "S", "socket", "ssl-mode", "ssl-ca", "ssl-capath", "ssl-cert", "ssl-key", "ssl-cipher", "tls-version",
            "auth-method", "log-level", "name-cache", "connect-timeout", "import", "dba-log-sql", "result-format", "credential-store-helper",
            "pym", "get-server-public-key", "server-public-key-path", "compression-algorithms", "compression-level", "execute-as", "file-format"],
        Positionals: Positional.Uri, SqlModes: ["sql", "sqlc", "sqlx"], Attached: true);

    // dbcli's mycli (click: -hHOST attached; a bare word is the database, a mysql:// word the server).
    private static readonly Shell MyCli = new("mycli", null, "mysql", 3306, SqlDialect.MySql,
        Sql: ["e", "execute"], Files: [], Hosts: ["h", "host"], Ports: ["P", "port"], Databases: ["D", "database"], Urls: ["dsn", "d"],
        Valued: ["u", "user", "p", "pass", "password", "S", "socket", "ssl-ca", "ssl-capath", "ssl-cert", "ssl-key", "ssl-cipher", "ssl-mode",
            "tls-version", "login-path", "defaults-group-suffix", "defaults-file", "myclirc", "l", "logfile", "init-command", "charset",
            "local-infile", "R", "prompt", "ssh-user", "ssh-host", "ssh-port", "ssh-password", "ssh-key-filename", "ssh-config-path",
            "ssh-config-host", "g", "character-set"],
        Positionals: Positional.DatabaseOrUrl, Attached: true);

    /// <summary>The row for <paramref name="tool"/>, or null: no SQL shell of these (influx: only its 1.x
    /// form, named by <c>-execute</c> or <c>-import</c>; the 2.x CLI is a built-in table).</summary>
    private static Shell? Of(string tool, IReadOnlyList<string> args) => tool switch
    {
        "cockroach" => args.Count > 0 && args[0] == "sql" ? Cockroach : null,
        "trino" or "presto" or "presto-cli" => Trino,
        "litecli" => LiteCli,
        "duckdb" => DuckDb,
        "mysqlsh" => MysqlShell,
        // Only with SQL to run: the name is also a profile tool's in the corpus (mycli db drop --env …).
        "mycli" => args.Any(a => Name(a) is "e" or "execute") ? MyCli : null,
        "influx" => args.Any(a => Name(a) is "execute" or "import") ? Influx1 : null,
        _ => null,
    };

    /// <summary>An option's name without its dashes and value; null for a word that is no option.</summary>
    private static string? Name(string a)
    {
        if (a.Length < 2 || a[0] != '-' || a == "--") return null;
        var n = a.AsSpan(a[1] == '-' ? 2 : 1);
        int eq = n.IndexOf('=');
        return (eq >= 0 ? n[..eq] : n).ToString();
    }

    /// <summary>Parses a SQL shell's arguments; null when <paramref name="tool"/> is no shell of these.</summary>
    public static CommandIntent? Parse(string tool, ToolCall c)
    {
        var a = c.Args;
        if (Of(tool, a) is not { } s) return null;
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null, url = null, file = null;
        var sql = new List<string>();
        var files = new List<string>();
        bool dashes = false, sqlMode = s.SqlModes == null;
        for (int i = s.Verb != null ? 1 : 0; i < a.Count; i++)
        {
            var x = a[i];
            if (dashes || Name(x) is not { } name)
            {
                if (x == "--" && !dashes)
                {
                    dashes = true;
                    if (s.Positionals != Positional.Uri) continue;
                    evidence.Add(new(string.Join(' ', a.Skip(i)), "an API command line (unknown)"));
                    return ToolHelp.Intent(s.Tool, Effect.Unknown, "API command", Targets(s, c, file, host, port, db, url, evidence), evidence);
                }
                if (s.Positionals == Positional.FileThenSql) { if (file == null) file = x; else sql.Add(x); }
                else if (s.Positionals == Positional.Uri || s.Positionals == Positional.DatabaseOrUrl && x.Contains("://", StringComparison.Ordinal)) url ??= x;
                else if (s.Positionals == Positional.DatabaseOrUrl) db ??= x;
                continue;
            }
            if (name is "help" or "version" or "V") return ToolHelp.Help(s.Tool, "--help");
            if (s.SqlModes != null && s.SqlModes.Contains(name)) { sqlMode = true; continue; }
            int eq = x.IndexOf('=');
            // mysqlsh's -hHOST: a short option's value attached, when the word names no option itself
            // (the other rows take long names after one dash: duckdb's -csv is a flag).
            if (s.Attached && x[1] != '-' && name.Length > 1 && !Known(s, name) && Known(s, name[..1]))
            {
                (name, x, eq) = (name[..1], x[..2] + "=" + x[2..], 2);
            }
            if (!Known(s, name)) continue; // a flag (the SQL modes were taken above)
            string? value = eq > 0 ? x[(eq + 1)..] : i + 1 < a.Count ? a[++i] : null;
            if (value == null) continue;
            if (s.Sql.Contains(name)) sql.Add(value);
            else if (s.Files.Contains(name)) files.Add(value);
            else if (s.Hosts.Contains(name)) host = value;
            else if (s.Ports.Contains(name)) port = value;
            else if (s.Databases.Contains(name)) db = value;
            else if (s.Urls.Contains(name)) url = value;
        }
        IReadOnlyList<Target> targets = Targets(s, c, file, host, port, db, url, evidence);
        // Without a SQL mode only a .sql file is SQL: -e, other files and stdin are script (JavaScript's
        // show(…) would scan as SQL's SHOW, a read).
        if (!sqlMode && (sql.Count > 0 || files.Count == 0 || files.Any(f => !f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))))
        {
            evidence.Add(new(s.Tool, "code in the shell's script language, not SQL (unknown)"));
            return ToolHelp.Intent(s.Tool, Effect.Unknown, "script not read", targets, evidence);
        }
        bool points = false;
        foreach (var f in files)
        {
            if (ToolHelp.ReadText(c.Context, f) is string t) sql.Add(s == Influx1 ? InfluxImport(t, ref points) : t);
            else
            {
                evidence.Add(new(f, "script file cannot be read (unknown)"));
                return ToolHelp.Intent(s.Tool, Effect.Unknown, "SQL not visible", targets, evidence);
            }
        }
        // DuckDB's ATTACH of a Postgres or MySQL server: alias.table statements run on that server.
        if (s == DuckDb) targets = DuckDbAttach.With(sql.Count > 0 ? sql : c.StdinText != null ? [c.StdinText] : [], targets, evidence);
        var intent = Ran(s.Tool, sql, c, s.Dialect, targets, evidence);
        if (!points || intent.Effect >= Effect.Write) return intent;
        evidence.Add(new(files[0], "points in line protocol (# DML): written"));
        return ToolHelp.Intent(s.Tool, Effect.Write, "points written", targets, evidence);
    }

    /// <summary>An InfluxDB 1.x import file (<c>influx -import -path F</c>): its <c># DDL</c> lines are
    /// InfluxQL statements, one a line, returned joined for the scanner; its <c># DML</c> lines are
    /// points in line protocol (<paramref name="points"/>: some are written). Other <c>#</c> lines are
    /// comments and context (<c># CONTEXT-DATABASE:</c>). Lines before a section are statements.</summary>
    private static string InfluxImport(string text, ref bool points)
    {
        var ddl = new System.Text.StringBuilder();
        bool dml = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                var marker = line.AsSpan(1).Trim();
                if (marker.Equals("DML", StringComparison.OrdinalIgnoreCase)) dml = true;
                else if (marker.Equals("DDL", StringComparison.OrdinalIgnoreCase)) dml = false;
                continue;
            }
            if (dml) points = true;
            else ddl.Append(line).Append(";\n");
        }
        return ddl.ToString();
    }

    /// <summary>What a SQL shell runs: each text given (else stdin's) by the SQL scanner, the most
    /// destructive first in the summary; none seen (interactive, or stdin not seen) is unknown.</summary>
    internal static CommandIntent Ran(string tool, List<string> sql, ToolCall c, SqlDialect dialect, IReadOnlyList<Target> targets, List<Evidence> evidence)
    {
        if (sql.Count == 0 && c.StdinText != null) sql.Add(c.StdinText);
        if (sql.Count == 0)
        {
            evidence.Add(new(tool, "interactive or SQL from stdin (unknown)"));
            return ToolHelp.Intent(tool, Effect.Unknown, "SQL not visible", targets, evidence);
        }
        Effect effect = Effect.Read;
        string summary = "";
        foreach (var q in sql)
        {
            var r = SqlScanner.Scan(q, dialect);
            if (r.Effect > effect || summary.Length == 0) summary = r.Summary;
            effect = ToolHelp.Max(effect, r.Effect);
            evidence.Add(new(HttpBody.Short(q), r));
        }
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
    }

    private static bool Known(Shell s, string name) => s.Sql.Contains(name) || s.Files.Contains(name) || s.Hosts.Contains(name)
        || s.Ports.Contains(name) || s.Databases.Contains(name) || s.Urls.Contains(name) || s.Valued.Contains(name)
        || s.SqlModes?.Contains(name) == true;

    private static IReadOnlyList<Target> Targets(Shell s, ToolCall c, string? file, string? host, string? port, string? db, string? url, List<Evidence> evidence)
    {
        if (s.Positionals == Positional.FileThenSql)
        {
            var local = new Target { Kind = TargetKind.LocalPath, Path = file ?? ":memory:" };
            if (file == null || !Sqlite.NamesProduction(Path.GetFileName(file))) return [local];
            evidence.Add(new(file, "a database file named for production"));
            return [local, new Target { Kind = TargetKind.Environment, Name = "production" }];
        }
        url ??= host == null && s.UrlVariable != null ? c.Context.GetEnvironmentVariable(s.UrlVariable) : null;
        if (url != null)
        {
            // trino's --server is a URL or host:port.
            if (DbTarget.TryParseUri(url, out var uh, out var up, out var ud)) return [DbTarget.Make(s.Scheme, uh, up ?? port, ud ?? db, s.Port)];
            // mysqlsh's user[:password]@host[:port][/schema] without a scheme.
            if (s.Positionals == Positional.Uri)
            {
                int at = url.LastIndexOf('@'), slash = url.IndexOf('/', at + 1);
                if (slash > 0) (db, url) = (db ?? url[(slash + 1)..], url[..slash]);
                url = url[(at + 1)..];
            }
            int colon = url.LastIndexOf(':');
            return [colon > 0 ? DbTarget.Make(s.Scheme, url[..colon], url[(colon + 1)..], db, s.Port) : DbTarget.Make(s.Scheme, url, port, db, s.Port)];
        }
        host ??= s.HostVariable != null ? c.Context.GetEnvironmentVariable(s.HostVariable) : null;
        return [DbTarget.Make(s.Scheme, host ?? "localhost", port, db, s.Port)];
    }
}
