using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>redis-cli/valkey-cli: the command after the options; FLUSHALL/FLUSHDB → wipe,
/// DEL/UNLINK/GETDEL/... → delete, SHUTDOWN/CLIENT KILL → terminate; reads and writes by the
/// command table; EVAL/FUNCTION/unknown commands → unknown. Without a command (interactive,
/// <c>--pipe</c>) the commands come from stdin: read when known, else unknown. Target from
/// <c>-h</c>/<c>-p</c>/<c>-u redis://…</c>/<c>-n</c>, default 127.0.0.1:6379.</summary>
public static class RedisCli
{
    /// <summary>redis-cli's options (Redis 7.4 src/redis-cli.c parseOptions, valkey-cli alike). It
    /// compares each word exactly, takes an option's value from the next word, and stops at the
    /// first word that is not an option: that word and the rest are the command. An option it does
    /// not know, or one that lacks its value, is an error.</summary>
    public static readonly OptionTable Options = new("redis-cli", OptionRules.None, """
        -h <hostname>
        -p <port>
        -t <timeout>
        -s <socket>
        -a <password>
           --pass <password>
           --user <username>
           --askpass
        -u <uri>
        -r <repeat>
        -i <interval>
        -n <db>
        -2
        -3
        -x
        -X <tag>
        -d <delimiter>
        -D <delimiter>
        -c
        -e
        -4
        -6
           --raw
           --no-raw
           --quoted-input
           --csv
           --json
           --quoted-json
           --show-pushes <yn>
           --stat
           --latency
           --latency-history
           --latency-dist
           --lru-test <keys>
           --replica
           --rdb <filename>
           --functions-rdb <filename>
           --pipe
           --pipe-timeout <n>
           --bigkeys
           --memkeys
           --memkeys-samples <n>
           --keystats
           --keystats-samples <n>
           --hotkeys
           --scan
           --pattern <pattern>
           --quoted-pattern <pattern>
           --count <count>
           --cursor <n>
           --top <n>
           --intrinsic-latency <seconds>
           --eval <file>
           --ldb
           --ldb-sync-mode
           --cluster <command>
           --verbose
           --no-auth-warning
           --tls
           --sni <host>
           --cacert <file>
           --cacertdir <dir>
           --insecure
           --tls-ciphers <list>
           --tls-ciphersuites <list>
           --cert <file>
           --key <file>
        -v --version
           --help
        """);

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
        var evidence = new List<Evidence>();
        string host = "127.0.0.1";
        string? port = null, db = null, cluster = null;
        bool pipe = false, scan = false, bigkeys = false, unknown = false, help = false, badOption = false;
        var cmd = new List<string>();
        string? evalScript = null, evalFile = null;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { cmd.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = badOption = true; continue; }
            var value = t.Value;
            switch (t.Name)
            {
                case "-h": host = value ?? host; evidence.Add(Evidence.Joined(t, "host ", value)); break;
                case "-p": port = value; break;
                case "-n": db = value; break;
                case "-u":
                    if (value != null && DbTarget.IsUnexpanded(value)) { host = value; evidence.Add(new(t.Text, "connection from a variable not set here: the server is not known")); }
                    else if (value != null && DbTarget.TryParseUri(value, out var uh, out var up, out var ud))
                    {
                        host = uh ?? host; port = up ?? port; db = ud ?? db;
                        evidence.Add(new(t.Text, $"host {uh}"));
                    }
                    break;
                case "--pipe": pipe = true; break;
                case "--scan": scan = true; break;
                case "--bigkeys" or "--memkeys" or "--keystats" or "--hotkeys" or "--stat" or "--latency" or "--latency-history" or "--latency-dist" or "--rdb" or "--functions-rdb" or "--replica" or "--intrinsic-latency" or "--lru-test":
                    bigkeys = true; break;
                case "--eval":
                    evalScript = value == null ? null : ToolHelp.ReadText(c.Context, value);
                    evalFile = value ?? "";
                    if (evalScript == null) { unknown = true; evidence.Add(new(t.Text, "runs a Lua script not read (unknown)")); }
                    break;
                case "--cluster": cluster = value; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("redis-cli", "--help");
        if (cluster != null) return Cluster(cluster, cmd, unknown, evidence);
        var target = DbTarget.Make("redis", host, port, db, 6379);
        Effect effect;
        string summary;
        if (evalScript != null)
        {
            // --eval FILE key … , arg …: the words after it are the script's keys and arguments.
            effect = LuaEffect(evalScript);
            summary = "--eval " + evalFile;
            evidence.Add(new(summary, $"Lua script: {effect.Name()}"));
        }
        else if (cmd.Count > 0)
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
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        // An option redis-cli would not take as written (-hHOST: it compares whole words) may be
        // meant for another server than the one read here: that server is not known.
        if (badOption) return ToolHelp.Intent("redis-cli", effect, summary, [target, new Target { Kind = TargetKind.Environment, Name = "unknown" }], evidence);
        return ToolHelp.Intent("redis-cli", effect, summary, [target], evidence);
    }

    // --cluster SUBCOMMAND HOST:PORT [ARGS]: the cluster manager; "call" runs a command on every node.
    private static CommandIntent Cluster(string sub, List<string> args, bool unknown, List<Evidence> evidence)
    {
        Target? target = null;
        if (args.Count > 0 && UrlParser.TryParse("redis://" + args[0], "redis", out var t))
            target = DbTarget.Make("redis", t.Host, t.Port?.ToString(), null, 6379);
        Effect effect = sub.ToLowerInvariant() switch
        {
            "call" => args.Count > 1 ? CommandEffect(args.Skip(1).ToList()) : Effect.Read,
            "del-node" => Effect.Terminate,
            "check" or "info" or "help" or "backup" => Effect.Read,
            "create" or "fix" or "reshard" or "rebalance" or "add-node" or "set-timeout" or "import" => Effect.Write,
            _ => Effect.Unknown,
        };
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        string summary = $"--cluster {sub} {string.Join(' ', args.Take(4))}".TrimEnd();
        evidence.Add(new(summary, $"cluster {sub} → {effect.Name()}"));
        return ToolHelp.Intent("redis-cli", effect, summary, target == null ? [] : [target], evidence);
    }

    // CONFIG SET name value [name value ...]: persistence turned off (appendonly no, save "") means
    // the data is gone at the next restart → delete; the dump's directory or file name moved
    // (dir, dbfilename: the known way to write files on the server), the eviction policy, passwords → server-admin.
    private static Effect ConfigSet(IReadOnlyList<string> words)
    {
        var effect = Effect.Write;
        for (int i = 2; i + 1 < words.Count; i += 2)
        {
            var key = words[i].ToLowerInvariant();
            var value = words[i + 1].Trim();
            if (key == "appendonly" && value.Equals("no", StringComparison.OrdinalIgnoreCase) || key == "save" && value.Trim('"', '\'').Length == 0)
                effect = ToolHelp.Max(effect, Effect.Delete);
            else if (key is "dir" or "dbfilename" or "appendfilename" or "appenddirname")
                effect = ToolHelp.Max(effect, Effect.ServerAdmin);
            // The eviction policy (keys evicted, or every write refused when full), a new password and the
            // client limit (clients shut out): the server's administration.
            else if (key is "maxmemory-policy" or "requirepass" or "maxclients" or "masterauth" or "replicaof" or "slaveof" or "rename-command")
                effect = ToolHelp.Max(effect, Effect.ServerAdmin);
        }
        return effect;
    }

    private static bool MigrateCopies(IReadOnlyList<string> words)
    {
        for (int i = 6; i < words.Count && !words[i].Equals("KEYS", StringComparison.OrdinalIgnoreCase); i++)
            if (words[i].Equals("COPY", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
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
            // A server made a replica of another drops its own data set to load the primary's;
            // NO ONE only promotes it (its links to other hosts: server-admin).
            case "REPLICAOF": case "SLAVEOF": return sub == "NO" ? Effect.ServerAdmin : Effect.Wipe;
            // MIGRATE host port key db timeout [COPY] [REPLACE] [AUTH …] [KEYS …]: without COPY the keys leave this server.
            case "MIGRATE": return MigrateCopies(words) ? Effect.Write : Effect.Delete;
            // DEBUG's crash and restart forms stop the server; its others are not read.
            case "DEBUG": return sub is "SEGFAULT" or "PANIC" or "RESTART" or "CRASH-AND-RECOVER" or "OOM" ? Effect.Terminate : Effect.Unknown;
            // A consumer group destroyed or a consumer deleted loses its pending entries and read position.
            case "XGROUP": return sub is "DESTROY" or "DELCONSUMER" ? Effect.Delete : Effect.Write;
            case "CLIENT": return sub == "KILL" ? Effect.Terminate : Effect.Read;
            case "SCRIPT": return sub == "FLUSH" ? Effect.Delete : sub is "EXISTS" ? Effect.Read : Effect.Write;
            case "FUNCTION": return sub == "FLUSH" ? Effect.Delete : sub is "LIST" or "STATS" or "DUMP" ? Effect.Read : Effect.Unknown;
            case "CONFIG": return sub == "GET" ? Effect.Read : sub == "SET" ? ConfigSet(words) : Effect.Write;
            case "ACL": return sub is "LIST" or "WHOAMI" or "USERS" or "GETUSER" or "CAT" or "LOG" ? Effect.Read : sub == "DELUSER" ? Effect.Delete : Effect.Write;
            case "EVAL" when words.Count > 1: return LuaEffect(words[1]);
            case "EVAL": case "EVALSHA": case "EVAL_RO": case "FCALL": case "MODULE": case "MULTI": case "EXEC":
                return Effect.Unknown;
        }
        if (Reads.Contains(name)) return Effect.Read;
        return name.All(char.IsAsciiLetter) ? Effect.Write : Effect.Unknown;
    }

    // The redis API a script may touch besides call/pcall (logging, replies, hashing, replication modes).
    private static readonly string[] LuaHelpers = ["log(", "sha1hex(", "status_reply(", "error_reply(", "breakpoint(", "debug(",
        "replicate_commands(", "set_repl(", "setresp(", "LOG_", "REPL_", "REDIS_VERSION", "acl_check_cmd("];

    /// <summary>The effect of a Lua script run by EVAL or --eval: the worst of the commands its
    /// <c>redis.call</c>/<c>redis.pcall</c> (Valkey's <c>server.</c> too) name as string literals;
    /// a command named otherwise (a variable), or the API reached another way, is unknown. A script
    /// without calls reads. Comments are not skipped (a call there only counts more).</summary>
    public static Effect LuaEffect(string script)
    {
        var effect = Effect.Read;
        foreach (var api in (ReadOnlySpan<string>)["redis.", "server."])
        {
            for (int at = script.IndexOf(api, StringComparison.Ordinal); at >= 0; at = script.IndexOf(api, at + 1, StringComparison.Ordinal))
            {
                if (at > 0 && (char.IsAsciiLetterOrDigit(script[at - 1]) || script[at - 1] == '_')) continue; // myredis.x
                var rest = script.AsSpan(at + api.Length);
                int open = rest.StartsWith("call") ? 4 : rest.StartsWith("pcall") ? 5 : -1;
                if (open < 0)
                {
                    bool helper = false;
                    foreach (var h in LuaHelpers) if (rest.StartsWith(h, StringComparison.Ordinal)) { helper = true; break; }
                    if (!helper) return Effect.Unknown;
                    continue;
                }
                var args = LuaLiterals(rest[open..]);
                if (args == null) return Effect.Unknown;
                effect = ToolHelp.Max(effect, CommandEffect(args));
            }
        }
        if (effect < Effect.Unknown && (script.Contains("loadstring", StringComparison.Ordinal) || script.Contains("_G", StringComparison.Ordinal))) return Effect.Unknown;
        return effect;
    }

    // The leading string-literal arguments of a call: ( 'NAME' , "arg" , … ); null when the first is not a literal.
    private static List<string>? LuaLiterals(ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        if (s.IsEmpty || s[0] != '(') return null;
        s = s[1..];
        var args = new List<string>(2);
        while (true)
        {
            s = s.TrimStart();
            if (s.IsEmpty || s[0] is not ('\'' or '"')) break;
            char q = s[0];
            int end = 1;
            while (end < s.Length && s[end] != q) end += s[end] == '\\' ? 2 : 1;
            if (end >= s.Length) return null;
            args.Add(s[1..end].ToString());
            s = s[(end + 1)..].TrimStart();
            if (s.IsEmpty || s[0] != ',') break;
            s = s[1..];
        }
        return args.Count == 0 || args[0].Length == 0 ? null : args;
    }
}
