using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>cqlsh <c>[OPTIONS] [HOST [PORT]]</c> (Cassandra): CQL from <c>-e</c>/<c>--execute</c>,
/// <c>-f</c>/<c>--file</c> or stdin, read by the SQL scanner (DROP KEYSPACE/TABLE → drop, TRUNCATE →
/// truncate, DELETE without WHERE → wipe); interactive → unknown. Target: HOST (else
/// CQLSH_HOST, else the cqlshrc's <c>[connection] hostname</c>, else localhost), port 9042, the keyspace of <c>-k</c>.</summary>
public static class Cqlsh
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-e", "--execute", "-f", "--file", "-k", "--keyspace", "-u", "--username", "-p", "--password", "--cqlshrc", "--cqlversion",
        "--protocol-version", "--encoding", "--connect-timeout", "--request-timeout", "-t", "--timeout", "--consistency-level", "-b", "--secure-connect-bundle",
    };

    private static readonly Config.PathMemo RcFile = new(".cassandra", "cqlshrc");

    // The [connection] section's hostname and port (Python configparser: "key = value" or "key: value", # and ; comments).
    private sealed record RcConnection(string? Host, string? Port);

    private static RcConnection Connection(Config.ConfigFile f)
    {
        string? host = null, port = null;
        bool inConnection = false;
        foreach (var raw in f.Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[') { inConnection = line.TrimEnd(']').TrimStart('[').Trim().Equals("connection", StringComparison.Ordinal); continue; }
            if (!inConnection) continue;
            int sep = line.IndexOfAny(['=', ':']);
            if (sep <= 0) continue;
            var key = line[..sep].Trim().ToLowerInvariant();
            var value = line[(sep + 1)..].Trim();
            if (key == "hostname") host = value;
            else if (key == "port") port = value;
        }
        return new(host, port);
    }

    /// <summary>Parses cqlsh's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        if (a.Contains("--help") || a.Contains("-h") || a.Contains("--version")) return ToolHelp.Help("cqlsh", "--help");
        string? host = null, port = null, keyspace = null, sql = null, file = null, rc = null;
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
                case "--cqlshrc": rc = value; break;
            }
        }
        host ??= c.Context.GetEnvironmentVariable("CQLSH_HOST");
        port ??= c.Context.GetEnvironmentVariable("CQLSH_PORT");
        // cqlsh.py: the host and port default to the cqlshrc's [connection] (--cqlshrc, else ~/.cassandra/cqlshrc),
        // under CQLSH_HOST/CQLSH_PORT and the arguments. A file that cannot be read leaves the server unknown.
        bool rcUnknown = false;
        if (host == null || port == null)
        {
            if (rc == null && c.Context.GetEnvironmentVariable("HOME") is { Length: > 0 } home) rc = RcFile.Combine(home);
            if (rc != null)
            {
                var f = c.Context.ReadConfigFile(rc);
                if (f.Unaccountable) { rcUnknown = true; evidence.Add(new(rc, $"cqlshrc {f.Problem}: the server is unknown")); }
                else if (f.Exists)
                {
                    var (rh, rp) = f.Parsed(Connection);
                    if (host == null && rh != null) { host = rh; evidence.Add(Evidence.Joined(rc, "host ", rh)); }
                    port ??= rp;
                }
            }
        }
        var target = DbTarget.Make("cassandra", host, port, keyspace, 9042);
        IReadOnlyList<Target> targets = rcUnknown ? [target, new Target { Kind = TargetKind.Environment, Name = "unknown" }] : [target];
        var text = sql ?? (file != null ? ToolHelp.ReadText(c.Context, file) : c.StdinText);
        if (text == null)
        {
            evidence.Add(new(file ?? "cqlsh", file != null ? "CQL file cannot be read (unknown)" : "interactive or CQL from stdin (unknown)"));
            return ToolHelp.Intent("cqlsh", Effect.Unknown, "CQL not visible", targets, evidence);
        }
        var r = SqlScanner.Scan(text);
        evidence.Add(new(HttpBody.Short(sql ?? file ?? "stdin"), r));
        return ToolHelp.Intent("cqlsh", r.Effect, r.Summary, targets, evidence);
    }
}
