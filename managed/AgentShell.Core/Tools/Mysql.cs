using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>mysql/mariadb: SQL from <c>-e</c>/<c>--execute</c> or stdin; target from
/// <c>-h</c>/<c>--host</c>, <c>-P</c>/<c>--port</c>, <c>-D</c>/<c>--database</c> or the first
/// positional, then MYSQL_HOST/MYSQL_TCP_PORT. <c>-p</c> takes its password only when attached
/// (<c>-psecret</c>), as mysql does. Also <c>mysqladmin</c> (<c>drop DB</c> → drop,
/// <c>shutdown</c>/<c>kill</c> → terminate).</summary>
public static class Mysql
{
    private static readonly HashSet<string> LongValued = new(StringComparer.Ordinal) { "--execute", "--host", "--port", "--database", "--user", "--socket", "--defaults-file", "--defaults-extra-file" };

    private const string ShortValued = "ehPDuSO";

    /// <summary>Parses mysql's arguments.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var args = c.Args;
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null;
        var sql = new List<(string, string)>();
        var positional = new List<string>();
        bool help = false;
        for (int i = 0; i < args.Count; i++)
        {
            var name = ToolHelp.NextOption(args, ref i, LongValued, ShortValued, out var value, out var token);
            if (name == null) { positional.Add(args[i]); continue; }
            switch (name)
            {
                case "-e": case "--execute": case "--init-command": sql.Add((value ?? "", token)); break;
                case "-h": case "--host": host = value; evidence.Add(new(token, $"host {value}")); break;
                case "-P": case "--port": port = value; break;
                case "-D": case "--database": db = value; break;
                case "-?": case "--help": case "-V": case "--version": help = true; break;
                case "--defaults-file": case "--defaults-extra-file": evidence.Add(new(token, "options from a file")); break;
            }
        }
        if (help) return ToolHelp.Help(tool, "--help");
        db ??= positional.Count > 0 ? positional[0] : null;
        if (host == null && c.Context.GetEnvironmentVariable("MYSQL_HOST") is string eh) { host = eh; evidence.Add(new($"MYSQL_HOST={eh}", $"host {eh}")); }
        port ??= c.Context.GetEnvironmentVariable("MYSQL_TCP_PORT");
        if (host == "localhost") host = null; // mysql: "localhost" means the Unix socket
        var target = DbTarget.Make("mysql", host, port, db, 3306);
        SqlResult? result = null;
        bool unknown = false;
        foreach (var (text, token) in sql)
        {
            var r = SqlScanner.Scan(text, SqlDialect.MySql);
            if (result == null || r.Effect > result.Effect) result = r;
            if (r.Effect != Effect.Read) evidence.Add(new(HttpBody.Short(token), $"SQL: {r.Summary} → {r.Effect.Name()}"));
        }
        if (sql.Count == 0)
        {
            if (c.StdinText != null) { result = SqlScanner.Scan(c.StdinText, SqlDialect.MySql); evidence.Add(new("stdin", $"SQL: {result.Summary} → {result.Effect.Name()}")); }
            else { unknown = true; evidence.Add(new(tool, c.StdinOpaque ? "SQL from a pipe whose content is unknown" : "interactive or SQL from stdin (unknown)")); }
        }
        Effect effect = result?.Effect ?? Effect.Read;
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent(tool, effect, result?.Summary ?? "SQL not visible", [target], evidence);
    }

    /// <summary>Parses mysqladmin's arguments.</summary>
    public static CommandIntent ParseAdmin(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: false)) return ToolHelp.Help("mysqladmin", "--help");
        var evidence = new List<Evidence>();
        var pos = ToolHelp.Positionals(a, new HashSet<string> { "-h", "-P", "-u", "-S", "--host", "--port", "--user", "--socket" });
        var host = ToolHelp.Option(a, "-h", "--host") ?? c.Context.GetEnvironmentVariable("MYSQL_HOST");
        if (host == "localhost") host = null;
        Effect effect = Effect.Read;
        string summary = string.Join(' ', pos);
        string? db = null;
        for (int i = 0; i < pos.Count; i++)
        {
            var e = pos[i].ToLowerInvariant() switch
            {
                "drop" => Effect.Drop,
                "shutdown" or "kill" => Effect.Terminate,
                "purge" => Effect.Delete,
                "create" or "flush-hosts" or "flush-logs" or "flush-privileges" or "flush-tables" or "flush-threads" or "password" or "reload" or "refresh" or "start-replica" or "stop-replica" or "start-slave" or "stop-slave" => Effect.Write,
                "status" or "extended-status" or "processlist" or "variables" or "version" or "ping" or "debug" => Effect.Read,
                _ => (Effect?)null,
            };
            if (e == null) continue;
            if (e == Effect.Drop && i + 1 < pos.Count) db = pos[i + 1];
            if (e > effect) { effect = e.Value; evidence.Add(new(pos[i], $"mysqladmin {pos[i]} → {e.Value.Name()}")); }
        }
        return ToolHelp.Intent("mysqladmin", effect, summary, [DbTarget.Make("mysql", host, ToolHelp.Option(a, "-P", "--port"), db, 3306)], evidence);
    }
}
