using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>psql: SQL from <c>-c</c>/<c>--command</c>, <c>-f</c>/<c>--file</c> (read through the
/// context) or stdin (here-doc, <c>echo … |</c>, <c>&lt; file</c>); the target from
/// <c>-h</c>/<c>-p</c>/<c>-d</c>, a URI or conninfo as the dbname, then PGHOST/PGPORT/PGDATABASE.
/// SQL that cannot be seen (interactive, opaque stdin, unreadable file) → unknown.</summary>
public static partial class Psql
{
    /// <summary>Parses psql's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var ctx = c.Context;
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null, cluster = null;
        // PERF: the first script (one -c or -f, the common case) in locals; a list only from the second.
        // Dir: a -f script's directory, where its \ir lines are looked for (null: -c, from the working directory).
        (string Text, string Token, string? Dir) firstSql = default;
        List<(string Text, string Token, string? Dir)>? moreSql = null;
        int scripts = 0;
        void AddSql(string text, string token, string? dir = null)
        {
            if (scripts++ == 0) firstSql = (text, token, dir);
            else (moreSql ??= []).Add((text, token, dir));
        }
        bool unknown = false, list = false, help = false;
        string? firstPositional = null; // PERF: only the first operand is read (the dbname): no list
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { firstPositional ??= t.Value!; continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            string? value = t.Value;
            switch (t.Name)
            {
                case "--command": AddSql(value ?? "", t.Text); break;
                case "--file":
                {
                    var text = InputPaths.Read(c, ctx, value ?? "", dashIsStdin: true, out var why);
                    if (text == null) { unknown = true; evidence.Add(new(t.Text, $"SQL from {why}")); }
                    else AddSql(text, t.Text, value is { Length: > 0 } and not "-" ? Path.GetDirectoryName(value) : null);
                    break;
                }
                case "--host": host = value; evidence.Add(Evidence.Joined(t.Text, "host ", value)); break;
                case "--port": port = value; break;
                case "--dbname": db = value; break;
                case "--cluster": cluster = value; evidence.Add(new(t.Text, $"cluster {value} (pg_wrapper)")); break;
                case "--list": list = true; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("psql", "--help");
        if (db == null && firstPositional != null) db = firstPositional;
        var target = ResolveTarget(db, host, port, ctx, evidence, cluster);
        SqlResult? result = null;
        List<SqlResult>? connecting = null; // PERF: the scripts with a \connect, in order; most have none
        if (scripts > 0)
        {
            for (int i = 0; i < scripts; i++)
            {
                var (text, token, dir) = i == 0 ? firstSql : moreSql![i - 1];
                var r = SqlScanner.Scan(Config.PsqlConfig.Includes(text, dir, ctx, evidence), SqlDialect.Postgres);
                if (r.Connects.Count > 0) (connecting ??= []).Add(r);
                if (result == null || r.Effect > result.Effect) result = r;
                if (r.Effect != Effect.Read) evidence.Add(new(HttpBody.Short(token), r));
            }
        }
        else if (!unknown && !list)
        {
            if (c.StdinText != null)
            {
                result = SqlScanner.Scan(Config.PsqlConfig.Includes(c.StdinText, null, ctx, evidence), SqlDialect.Postgres);
                if (result.Connects.Count > 0) connecting = [result];
                evidence.Add(new("stdin", result));
            }
            else { unknown = true; evidence.Add(new("psql", c.StdinOpaque ? "SQL from a pipe whose content is unknown" : "interactive or SQL from stdin (unknown)")); }
        }
        Effect effect = result?.Effect ?? Effect.Read;
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        string summary = result?.Summary ?? (list ? "list databases" : "SQL not visible");
        if (connecting == null) return ToolHelp.Intent("psql", effect, summary, [target], evidence);
        var targets = new List<Target> { target };
        foreach (var r in connecting) foreach (var conn in r.Connects) targets.Add(Reconnect(conn, target, ctx, evidence));
        return ToolHelp.Intent("psql", effect, summary, targets, evidence);
    }

    /// <summary>True when psql is told to skip its startup files: <c>-X</c> (alone or in a bundle
    /// such as <c>-tAX</c>) or <c>--no-psqlrc</c> (or a prefix getopt accepts), read as psql reads
    /// its options.</summary>
    internal static bool NoPsqlrc(IReadOnlyList<string> args)
    {
        var reader = new OptionReader(Options, args);
        while (reader.Next(out var t)) if (t.Kind == OptionTokenKind.Option && t.Name == "--no-psqlrc") return true;
        return false;
    }

    // \connect [DBNAME [USER [HOST [PORT]]]] | conninfo | URI: the statements after it run there
    // ("-" keeps that part of the current connection).
    private static Target Reconnect(string arg, Target current, IExecContext ctx, List<Evidence> evidence)
    {
        var a = arg.Trim().Trim('"', '\'');
        string? db, host = current.Host, port = current.Port?.ToString();
        if (a.Contains('=') || a.Contains("://", StringComparison.Ordinal))
        {
            var t = ResolveTarget(a, null, null, ctx, evidence);
            db = t.Database; host = t.Host ?? host; port = t.Port?.ToString() ?? port;
        }
        else
        {
            var p = a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string? Part(int i) => i < p.Length && p[i] != "-" ? p[i] : null;
            db = Part(0) ?? current.Database;
            host = Part(2) ?? host;
            port = Part(3) ?? port;
        }
        var target = DbTarget.Make("postgresql", host, port, db, 5432);
        evidence.Add(new("\\connect " + arg, $"later statements run on {target}"));
        return target;
    }

    /// <summary>The database a PostgreSQL client reaches: dbname may be a URI or conninfo; flags
    /// beat the environment (PGHOST, PGPORT, PGDATABASE).</summary>
    public static Target ResolveTarget(string? db, string? host, string? port, IExecContext ctx, List<Evidence> evidence, string? cluster = null)
    {
        // Debian's pg_wrapper: --cluster (or PGCLUSTER, when PGHOST is unset) VERSION/HOST:PORT is a
        // network cluster and sets the host; VERSION/NAME is a local one.
        cluster ??= host == null && ctx.GetEnvironmentVariable("PGHOST") == null ? ctx.GetEnvironmentVariable("PGCLUSTER") : null;
        if (host == null && cluster != null && cluster.IndexOf('/') is int slash and > 0 && cluster[(slash + 1)..] is var name && name.LastIndexOf(':') is int colon and > 0)
        {
            host = name[..colon];
            port ??= colon + 1 < name.Length ? name[(colon + 1)..] : null;
            evidence.Add(new(cluster, $"network cluster host {host}"));
        }
        // psql "$DATABASE_URL" where the variable is not set here (check, a hook): the shell will put
        // a URI there, whose server cannot be known, not the name of a local database.
        if (host == null && db != null && DbTarget.IsUnexpanded(db))
        {
            evidence.Add(new(db, "connection from a variable not set here: the server is not known"));
            return new Target { Kind = TargetKind.Environment, Name = "unknown" };
        }
        string? service = null;
        // Any scheme: usql and pgcli (psql-compatible clients) take pg://, pgsql://, mysql://, … URLs.
        if (db != null && db.Contains("://", StringComparison.Ordinal))
        {
            DbTarget.TryParseUri(db, out var uh, out var up, out var ud);
            evidence.Add(new(db, $"connection URI host {uh}"));
            service = UriParameter(db, "service");
            host ??= uh; port ??= up; db = ud;
        }
        else if (db != null && DbTarget.TryParseConninfo(db, out var ci))
        {
            evidence.Add(new(db, "conninfo string"));
            host ??= ci.GetValueOrDefault("host") ?? ci.GetValueOrDefault("hostaddr");
            port ??= ci.GetValueOrDefault("port");
            service = ci.GetValueOrDefault("service");
            db = ci.GetValueOrDefault("dbname");
        }
        // A connection service's settings beat the environment and lose to the command line (libpq).
        if ((service ?? ctx.GetEnvironmentVariable("PGSERVICE")) is { Length: > 0 } svc)
        {
            var found = Config.PgService.Lookup(ctx, svc, evidence, out var settings);
            if (found == Config.PgService.Outcome.Unaccountable) return new Target { Kind = TargetKind.Environment, Name = "unknown" };
            host ??= settings.GetValueOrDefault("host") ?? settings.GetValueOrDefault("hostaddr");
            port ??= settings.GetValueOrDefault("port");
            db ??= settings.GetValueOrDefault("dbname");
        }
        if (host == null && ctx.GetEnvironmentVariable("PGHOST") is string eh) { host = eh; evidence.Add(Evidence.Joined($"PGHOST={eh}", "host ", eh)); }
        port ??= ctx.GetEnvironmentVariable("PGPORT");
        db ??= ctx.GetEnvironmentVariable("PGDATABASE");
        return DbTarget.Make("postgresql", host, port, db, 5432);
    }

    private static string? UriParameter(string uri, string key)
    {
        int q = uri.IndexOf('?');
        if (q < 0) return null;
        foreach (var kv in uri[(q + 1)..].Split('&'))
        {
            int eq = kv.IndexOf('=');
            if (eq > 0 && kv[..eq] == key) return Uri.UnescapeDataString(kv[(eq + 1)..]);
        }
        return null;
    }
}
