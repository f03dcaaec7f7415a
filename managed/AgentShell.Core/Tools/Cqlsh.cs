using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>cqlsh <c>[OPTIONS] [HOST [PORT]]</c> (Cassandra): CQL from <c>-e</c>/<c>--execute</c>,
/// <c>-f</c>/<c>--file</c> or stdin, read by the SQL scanner (DROP KEYSPACE/TABLE → drop, TRUNCATE →
/// truncate, DELETE without WHERE → wipe); interactive → unknown. Target: HOST (else
/// CQLSH_HOST, else localhost), port 9042, the keyspace of <c>-k</c>.</summary>
public static class Cqlsh
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-e", "--execute", "-f", "--file", "-k", "--keyspace", "-u", "--username", "-p", "--password", "--cqlshrc", "--cqlversion",
        "--protocol-version", "--encoding", "--connect-timeout", "--request-timeout", "-t", "--timeout", "--consistency-level", "-b", "--secure-connect-bundle",
    };

    /// <summary>Parses cqlsh's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        if (a.Contains("--help") || a.Contains("-h") || a.Contains("--version")) return ToolHelp.Help("cqlsh", "--help");
        string? host = null, port = null, keyspace = null, sql = null, file = null;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            string? value = null;
            string name = x;
            if (x.StartsWith("--", StringComparison.Ordinal) && x.IndexOf('=') is int eq and > 0) { name = x[..eq]; value = x[(eq + 1)..]; }
            else if (Valued.Contains(x) && i + 1 < a.Count) value = a[++i];
            else if (x.StartsWith('-')) continue;
            else { if (host == null) host = x; else port ??= x; continue; }
            switch (name)
            {
                case "-e": case "--execute": sql = value; break;
                case "-f": case "--file": file = value; break;
                case "-k": case "--keyspace": keyspace = value; break;
            }
        }
        host ??= c.Context.GetEnvironmentVariable("CQLSH_HOST");
        port ??= c.Context.GetEnvironmentVariable("CQLSH_PORT");
        var target = DbTarget.Make("cassandra", host, port, keyspace, 9042);
        var text = sql ?? (file != null ? ToolHelp.ReadText(c.Context, file) : c.StdinText);
        if (text == null)
        {
            evidence.Add(new(file ?? "cqlsh", file != null ? "CQL file cannot be read (unknown)" : "interactive or CQL from stdin (unknown)"));
            return ToolHelp.Intent("cqlsh", Effect.Unknown, "CQL not visible", [target], evidence);
        }
        var r = SqlScanner.Scan(text);
        evidence.Add(new(HttpBody.Short(sql ?? file ?? "stdin"), r));
        return ToolHelp.Intent("cqlsh", r.Effect, r.Summary, [target], evidence);
    }
}
