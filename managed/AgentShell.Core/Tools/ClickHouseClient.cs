using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>clickhouse-client (and <c>clickhouse client</c>): SQL from <c>--query</c>/<c>-q</c>,
/// <c>--queries-file</c> or stdin, read by the SQL scanner; interactive → unknown. Target:
/// <c>--host</c>/<c>-h</c> (else CLICKHOUSE_HOST, else localhost), <c>--port</c> (9000),
/// <c>--database</c>/<c>-d</c>. The client takes several <c>--host</c>s and tries them in turn, so each is a target.</summary>
public static class ClickHouseClient
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--host", "-h", "--port", "--user", "-u", "--password", "--database", "-d", "--query", "-q", "--queries-file", "--format", "-f",
        "--config-file", "-C", "--connection", "--param", "--max_threads", "--log-level", "--history_file", "--progress", "--time", "-t",
    };

    private static readonly string[] ShortNames = Enumerable.Range(0, 128).Select(ch => "-" + (char)ch).ToArray();

    private static string ShortName(char ch) => ch < 128 ? ShortNames[ch] : "-?";

    /// <summary>Parses clickhouse-client's arguments (after <c>client</c> for <c>clickhouse client</c>).</summary>
    public static CommandIntent? Parse(string tool, ToolCall c)
    {
        var a = c.Args;
        int start = 0;
        if (tool == "clickhouse")
        {
            // clickhouse local/server/… are other programs; only the client talks to a server.
            if (a.Count == 0 || a[0] != "client") return null;
            start = 1;
        }
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null;
        List<string>? more = null; // the --hosts after the first
        var sql = new List<string>();
        string? file = null;
        for (int i = start; i < a.Count; i++)
        {
            var x = a[i];
            if (x is "--help" or "--version" or "-V") return ToolHelp.Help("clickhouse-client", "--help");
            string name = x;
            string? value = null;
            if (x.StartsWith("--", StringComparison.Ordinal) && x.IndexOf('=') is int eq and > 0) { name = x[..eq]; value = x[(eq + 1)..]; }
            else if (Valued.Contains(x) && i + 1 < a.Count) value = a[++i];
            else if (x.Length > 2 && x[0] == '-' && x[1] != '-')
            {
                // Short options bundle (boost's sticky style): -nmq 'SQL' is -n -m -q 'SQL', -qSQL is -q SQL.
                int k = 1;
                while (k < x.Length && !Valued.Contains(ShortName(x[k]))) k++;
                if (k == x.Length) continue;
                name = ShortName(x[k]);
                value = k + 1 < x.Length ? x[(k + 1)..] : i + 1 < a.Count ? a[++i] : null;
            }
            else continue;
            switch (name)
            {
                case "--host": case "-h": if (host == null) host = value; else if (value != null) (more ??= []).Add(value); break;
                case "--port": port = value; break;
                case "--database": case "-d": db = value; break;
                case "--query": case "-q": if (value != null) sql.Add(value); break;
                case "--queries-file": file = value; break;
            }
        }
        host ??= c.Context.GetEnvironmentVariable("CLICKHOUSE_HOST");
        var target = DbTarget.Make("clickhouse", host, port, db, 9000);
        IReadOnlyList<Target> targets = [target];
        if (more != null) targets = [target, .. more.Select(h => DbTarget.Make("clickhouse", h, port, db, 9000))];
        if (file != null) { if (ToolHelp.ReadText(c.Context, file) is string t) sql.Add(t); else { evidence.Add(new(file, "queries file cannot be read (unknown)")); return ToolHelp.Intent("clickhouse-client", Effect.Unknown, "SQL not visible", targets, evidence); } }
        return SqlShells.Ran("clickhouse-client", sql, c, SqlDialect.MySql, targets, evidence);
    }
}
