using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>redis-cli/valkey-cli: the command after the options; FLUSHALL/FLUSHDB → wipe,
/// DEL/UNLINK/GETDEL/... → delete, SHUTDOWN/CLIENT KILL → terminate; reads and writes by the
/// command table; EVAL/FUNCTION/unknown commands → unknown. Without a command (interactive,
/// <c>--pipe</c>) the commands come from stdin: read when known, else unknown. Target from
/// <c>-h</c>/<c>-p</c>/<c>-u redis://…</c>/<c>-n</c>, default 127.0.0.1:6379.</summary>
public static class RedisCli
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-h", "-p", "-s", "-a", "-u", "-r", "-i", "-n", "-d", "-D", "-e", "--user", "--pass", "--rdb", "--functions-rdb",
        "--pattern", "--count", "--quoted-pattern", "--eval", "--memkeys-samples", "--cacert", "--cacertdir", "--cert",
        "--key", "--tls-ciphers", "--tls-ciphersuites", "--sni", "--lru-test", "--pipe-timeout", "--intrinsic-latency",
        "--replica", "--cluster",
    };

    private static readonly HashSet<string> Reads = new(StringComparer.OrdinalIgnoreCase)
    {
        "GET", "MGET", "KEYS", "SCAN", "HSCAN", "SSCAN", "ZSCAN", "INFO", "PING", "TTL", "PTTL", "EXISTS", "TYPE", "DBSIZE",
        "HGET", "HGETALL", "HMGET", "HKEYS", "HVALS", "HLEN", "LRANGE", "LLEN", "LINDEX", "SMEMBERS", "SCARD", "SISMEMBER",
        "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZCARD", "ZSCORE", "STRLEN", "GETRANGE", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE",
        "ECHO", "TIME", "LASTSAVE", "ROLE", "RANDOMKEY", "OBJECT", "MEMORY", "SLOWLOG", "LATENCY", "XRANGE", "XREAD", "XLEN",
        "XINFO", "PFCOUNT", "GEOPOS", "GEODIST", "GEOSEARCH", "BITCOUNT", "GETBIT", "DUMP", "COMMAND", "HELLO", "AUTH", "SELECT",
        "CLUSTER", "WAIT", "QUIT", "HEXISTS", "HSTRLEN", "ZRANK", "ZREVRANK", "ZCOUNT", "LPOS", "SRANDMEMBER", "SINTER", "SUNION", "SDIFF",
    };

    /// <summary>Parses redis-cli's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var args = c.Args;
        var evidence = new List<Evidence>();
        if (args.Contains("--help") || args.Contains("--version") || args.Contains("-v")) return ToolHelp.Help("redis-cli", "--help");
        string host = "127.0.0.1";
        string? port = null, db = null;
        bool pipe = false, scan = false, bigkeys = false, xargsStdin = false;
        var cmd = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (cmd.Count == 0 && a.StartsWith('-') && a.Length > 1)
            {
                string? value = Valued.Contains(a) && i + 1 < args.Count ? args[++i] : null;
                switch (a)
                {
                    case "-h": host = value ?? host; evidence.Add(new($"-h {value}", $"host {value}")); break;
                    case "-p": port = value; break;
                    case "-n": db = value; break;
                    case "-u":
                        if (value != null && DbTarget.TryParseUri(value, out var uh, out var up, out var ud))
                        {
                            host = uh ?? host; port = up ?? port; db = ud ?? db;
                            evidence.Add(new($"-u {value}", $"host {uh}"));
                        }
                        break;
                    case "--pipe": pipe = true; break;
                    case "--scan": scan = true; break;
                    case "--bigkeys" or "--memkeys" or "--hotkeys" or "--stat" or "--latency" or "--latency-history" or "--rdb": bigkeys = true; break;
                    case "-x": xargsStdin = true; break;
                    case "--eval": cmd.Add("EVAL"); break;
                }
                continue;
            }
            cmd.Add(a);
        }
        var target = DbTarget.Make("redis", host, port, db, 6379);
        Effect effect;
        string summary;
        if (cmd.Count > 0)
        {
            effect = CommandEffect(cmd);
            summary = string.Join(' ', cmd.Take(4));
            evidence.Add(new(cmd[0], $"{cmd[0].ToUpperInvariant()} → {effect.Name()}"));
        }
        else if (scan || bigkeys) { effect = Effect.Read; summary = scan ? "--scan" : "stats"; }
        else if (c.StdinText != null)
        {
            effect = Effect.Read; summary = "";
            foreach (var line in c.StdinText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
                if (words.Count == 0) continue;
                var e = CommandEffect(words);
                if (e > effect || summary.Length == 0) summary = line;
                effect = ToolHelp.Max(effect, e);
            }
            evidence.Add(new("stdin", $"commands from stdin: {summary}"));
        }
        else
        {
            effect = Effect.Unknown; summary = pipe ? "--pipe" : "commands not visible";
            evidence.Add(new(pipe ? "--pipe" : "redis-cli", c.StdinOpaque ? "commands from a pipe whose content is unknown" : "interactive or commands from stdin (unknown)"));
        }
        _ = xargsStdin;
        return ToolHelp.Intent("redis-cli", effect, summary, [target], evidence);
    }

    /// <summary>Effect of one Redis command (words[0] is its name).</summary>
    public static Effect CommandEffect(IReadOnlyList<string> words)
    {
        var name = words[0].ToUpperInvariant();
        string sub = words.Count > 1 ? words[1].ToUpperInvariant() : "";
        switch (name)
        {
            case "FLUSHALL": case "FLUSHDB": return Effect.Wipe;
            case "DEL": case "UNLINK": case "GETDEL": case "HDEL": case "SREM": case "ZREM": case "LREM": case "XDEL": case "XTRIM":
            case "ZREMRANGEBYSCORE": case "ZREMRANGEBYRANK": case "ZREMRANGEBYLEX": case "LTRIM": case "EXPIRE": case "PEXPIRE":
            case "EXPIREAT": case "PEXPIREAT": case "GETEX":
                return Effect.Delete;
            case "SHUTDOWN": return Effect.Terminate;
            case "CLIENT": return sub == "KILL" ? Effect.Terminate : Effect.Read;
            case "SCRIPT": return sub == "FLUSH" ? Effect.Delete : sub is "EXISTS" ? Effect.Read : Effect.Write;
            case "FUNCTION": return sub == "FLUSH" ? Effect.Delete : sub is "LIST" or "STATS" or "DUMP" ? Effect.Read : Effect.Unknown;
            case "CONFIG": return sub == "GET" ? Effect.Read : Effect.Write;
            case "ACL": return sub is "LIST" or "WHOAMI" or "USERS" or "GETUSER" or "CAT" or "LOG" ? Effect.Read : sub == "DELUSER" ? Effect.Delete : Effect.Write;
            case "EVAL": case "EVALSHA": case "EVAL_RO": case "FCALL": case "DEBUG": case "MODULE": case "MULTI": case "EXEC":
                return Effect.Unknown;
        }
        if (Reads.Contains(name)) return Effect.Read;
        return name.All(char.IsAsciiLetter) ? Effect.Write : Effect.Unknown;
    }
}
