using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>snowsql (Snowflake's CLI client): SQL from <c>-q/--query</c> or <c>-f/--filename</c> files, read by
/// the SQL scanner (DROP DATABASE → drop, DELETE without WHERE → wipe, …); interactive or stdin → unknown.
/// Target: the account's host (<c>-a/--accountname</c>, else SNOWSQL_ACCOUNT: ACCOUNT.snowflakecomputing.com)
/// and database (<c>-d/--dbname</c>, else SNOWSQL_DATABASE), plus the environment words of the account and
/// database names (<c>acme-prod</c>, <c>ANALYTICS_PROD</c>); a named connection (<c>-c</c>, in
/// <c>~/.snowsql/config</c>) is not read, so without an account the target is unknown.</summary>
public static class Snowsql
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-a", "--accountname", "-u", "--username", "-d", "--dbname", "-s", "--schemaname", "-r", "--rolename", "-w", "--warehouse",
        "-h", "--host", "-p", "--port", "-q", "--query", "-f", "--filename", "-c", "--connection", "-o", "--option", "-D", "--variable",
        "--config", "--authenticator", "--private-key-path", "--region",
    };

    /// <summary>Parses snowsql's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: false) || a.Contains("-v") || a.Contains("--version")) return ToolHelp.Help("snowsql", "--help");
        string? account = null, db = null, host = null, connection = null;
        var scripts = new List<(string Token, string? Text)>();
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            int eq = x.StartsWith("--", StringComparison.Ordinal) ? x.IndexOf('=') : -1;
            var name = eq > 0 ? x[..eq] : x;
            if (!Valued.Contains(name)) continue;
            string? v = eq > 0 ? x[(eq + 1)..] : i + 1 < a.Count ? a[++i] : null;
            if (v == null) continue;
            switch (name)
            {
                case "-a" or "--accountname": account = v; break;
                case "-d" or "--dbname": db = v; break;
                case "-h" or "--host": host = v; break;
                case "-c" or "--connection": connection = v; break;
                case "-q" or "--query": scripts.Add(("-q", v)); break;
                case "-f" or "--filename": scripts.Add((v, ToolHelp.ReadText(c.Context, v))); break;
            }
        }
        account ??= c.Context.GetEnvironmentVariable("SNOWSQL_ACCOUNT");
        db ??= c.Context.GetEnvironmentVariable("SNOWSQL_DATABASE");
        host ??= account != null ? account + ".snowflakecomputing.com" : null;
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        if (host != null)
        {
            var t = DbTarget.Make("snowflake", host, null, db, 443);
            targets.Add(t);
            evidence.Add(new(account != null ? $"-a {account}" : $"-h {host}", $"account {t}"));
        }
        else
        {
            targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
            evidence.Add(new(connection != null ? $"-c {connection}" : "snowsql", "the account of a named or default connection (~/.snowsql/config, not read): unknown"));
        }
        // A named connection (-c prod) names its stage as a profile name does, though its account is not read.
        foreach (var n in new[] { account, db, connection })
            if (n != null)
                foreach (var word in ProfileToolTarget.EnvironmentWords(n))
                {
                    targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
                    evidence.Add(new(n, $"{n} names {word}"));
                }
        if (scripts.Count == 0)
        {
            if (c.StdinText == null)
            {
                evidence.Add(new("snowsql", "interactive or SQL from stdin (unknown)"));
                return ToolHelp.Intent("snowsql", Effect.Unknown, "SQL not visible", targets, evidence);
            }
            scripts.Add(("stdin", c.StdinText));
        }
        Effect effect = Effect.Read;
        string summary = "";
        foreach (var (token, text) in scripts)
        {
            if (text == null) { evidence.Add(new(token, "file cannot be read (unknown)")); effect = ToolHelp.Max(effect, Effect.Unknown); continue; }
            var r = SqlScanner.Scan(text);
            evidence.Add(new(HttpBody.Short(token == "-q" ? text : token), r));
            if (r.Effect >= effect) { effect = r.Effect; summary = r.Summary; }
        }
        return ToolHelp.Intent("snowsql", effect, summary.Length > 0 ? summary : "SQL", targets, evidence);
    }
}
