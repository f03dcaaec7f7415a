using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>mysql/mariadb, read with my_getopt's grammar (<see cref="Options"/>): SQL from
/// <c>-e</c>/<c>--execute</c> and <c>--init-command</c>, or stdin; target from
/// <c>-h</c>/<c>--host</c>, <c>-P</c>/<c>--port</c>, <c>-D</c>/<c>--database</c> or the first
/// positional, then MYSQL_HOST/MYSQL_TCP_PORT. <c>-p</c> takes its password only when attached
/// (<c>-psecret</c>), as mysql does. Also <c>mysqladmin</c> (<c>drop DB</c> → drop,
/// <c>shutdown</c>/<c>kill</c> → terminate).</summary>
public static partial class Mysql
{
    /// <summary>Parses mysql's arguments.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null;
        var sql = new List<(string, string)>();
        var positional = new List<string>();
        bool help = false, unknown = false, execute = false;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { positional.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            string? value = t.Negated ? null : t.Value;
            switch (t.Name)
            {
                case "--execute": case "--init-command": case "--init-command-add":
                    if (value != null) sql.Add((value, t.Text));
                    execute |= t.Name == "--execute" && value != null;
                    break;
                case "--host": host = value; evidence.Add(Evidence.Joined(t, "host ", value)); break;
                case "--port": port = value; break;
                case "--database": db = value; break;
                case "--help": case "--version": help = true; break;
                case "--defaults-file": case "--defaults-extra-file": case "--login-path": evidence.Add(new(t.Text, "options from a file")); break;
            }
        }
        if (help) return ToolHelp.Help(tool, "--help");
        db ??= positional.Count > 0 ? positional[0] : null;
        if (host == null && c.Context.GetEnvironmentVariable("MYSQL_HOST") is string eh) { host = eh; evidence.Add(Evidence.Joined($"MYSQL_HOST={eh}", "host ", eh)); }
        port ??= c.Context.GetEnvironmentVariable("MYSQL_TCP_PORT");
        if (host == "localhost") host = null; // mysql: "localhost" means the Unix socket
        var target = DbTarget.Make("mysql", host, port, db, 3306);
        SqlResult? result = null;
        foreach (var (text, token) in sql)
        {
            var r = SqlScanner.Scan(text, SqlDialect.MySql);
            if (result == null || r.Effect > result.Effect) result = r;
            if (r.Effect != Effect.Read) evidence.Add(new(HttpBody.Short(token), r));
        }
        if (!execute)
        {
            // Without -e the statements come from stdin (an --init-command runs before them).
            if (c.StdinText != null)
            {
                var r = SqlScanner.Scan(c.StdinText, SqlDialect.MySql);
                if (result == null || r.Effect > result.Effect) result = r;
                evidence.Add(new("stdin", r));
            }
            else { unknown = true; evidence.Add(new(tool, c.StdinOpaque ? "SQL from a pipe whose content is unknown" : "interactive or SQL from stdin (unknown)")); }
        }
        Effect effect = result?.Effect ?? Effect.Read;
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent(tool, effect, result?.Summary ?? "SQL not visible", [target], evidence);
    }

    /// <summary>Parses mysqladmin's arguments.</summary>
    public static CommandIntent ParseAdmin(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var pos = new List<string>();
        string? host = null, port = null;
        bool help = false, unknown = false;
        var reader = new OptionReader(AdminOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { pos.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("mysqladmin", "--help");
        host ??= c.Context.GetEnvironmentVariable("MYSQL_HOST");
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
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("mysqladmin", effect, summary, [DbTarget.Make("mysql", host, port, db, 3306)], evidence);
    }
}
