using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>psql: SQL from <c>-c</c>/<c>--command</c>, <c>-f</c>/<c>--file</c> (read through the
/// context) or stdin (here-doc, <c>echo … |</c>, <c>&lt; file</c>); the target from
/// <c>-h</c>/<c>-p</c>/<c>-d</c>, a URI or conninfo as the dbname, then PGHOST/PGPORT/PGDATABASE.
/// SQL that cannot be seen (interactive, opaque stdin, unreadable file) → unknown.</summary>
public static class Psql
{
    private static readonly HashSet<string> LongValued = new(StringComparer.Ordinal) { "--command", "--file", "--host", "--port", "--dbname", "--username", "--set", "--variable", "--output", "--log-file", "--pset" };

    internal const string ShortValued = "cdfhpUvoLPTFRs";

    /// <summary>Parses psql's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var args = c.Args;
        var ctx = c.Context;
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null;
        var sql = new List<(string Text, string Token)>();
        bool unknown = false, list = false, help = false;
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var name = ToolHelp.NextOption(args, ref i, LongValued, ShortValued, out var value, out var token);
            if (name == null) { positional.Add(args[i]); continue; }
            switch (name)
            {
                case "-c": case "--command": sql.Add((value ?? "", token)); break;
                case "-f": case "--file":
                {
                    var text = value == "-" ? c.StdinText : ToolHelp.ReadText(ctx, value ?? "");
                    if (text == null) { unknown = true; evidence.Add(new(token, $"SQL from {value}, which cannot be read")); }
                    else sql.Add((text, token));
                    break;
                }
                case "-h": case "--host": host = value; evidence.Add(new(token, $"host {value}")); break;
                case "-p": case "--port": port = value; break;
                case "-d": case "--dbname": db = value; break;
                case "-l": case "--list": list = true; break;
                case "-?": case "--help": case "-V": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("psql", "--help");
        if (db == null && positional.Count > 0) db = positional[0];
        var target = ResolveTarget(db, host, port, ctx, evidence);
        SqlResult? result = null;
        if (sql.Count > 0)
        {
            foreach (var (text, token) in sql)
            {
                var r = SqlScanner.Scan(Config.PsqlConfig.Includes(text, null, ctx, evidence), SqlDialect.Postgres);
                if (result == null || r.Effect > result.Effect) result = r;
                if (r.Effect != Effect.Read) evidence.Add(new(HttpBody.Short(token), $"SQL: {r.Summary} → {r.Effect.Name()}"));
            }
        }
        else if (!unknown && !list)
        {
            if (c.StdinText != null) { result = SqlScanner.Scan(Config.PsqlConfig.Includes(c.StdinText, null, ctx, evidence), SqlDialect.Postgres); evidence.Add(new("stdin", $"SQL: {result.Summary} → {result.Effect.Name()}")); }
            else { unknown = true; evidence.Add(new("psql", c.StdinOpaque ? "SQL from a pipe whose content is unknown" : "interactive or SQL from stdin (unknown)")); }
        }
        Effect effect = result?.Effect ?? Effect.Read;
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        string summary = result?.Summary ?? (list ? "list databases" : "SQL not visible");
        return ToolHelp.Intent("psql", effect, summary, [target], evidence);
    }

    /// <summary>The database a PostgreSQL client reaches: dbname may be a URI or conninfo; flags
    /// beat the environment (PGHOST, PGPORT, PGDATABASE).</summary>
    public static Target ResolveTarget(string? db, string? host, string? port, IExecContext ctx, List<Evidence> evidence)
    {
        string? service = null;
        if (db != null && (db.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || db.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)))
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
        if (host == null && ctx.GetEnvironmentVariable("PGHOST") is string eh) { host = eh; evidence.Add(new($"PGHOST={eh}", $"host {eh}")); }
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
