using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>mongosh/mongo: JavaScript from <c>--eval</c>, <c>-f</c>/<c>--file</c>, script
/// arguments or stdin, scanned for destructive calls (comments stripped): <c>dropDatabase()</c>
/// → wipe, <c>.drop()</c> → drop, <c>deleteMany({})</c>/<c>remove({})</c>/<c>updateMany({}, …)</c> → wipe,
/// <c>deleteMany(filter)</c>/<c>deleteOne</c>/<c>findOneAndDelete</c> → delete, <c>shutdownServer</c>
/// → terminate, insert/update → write, find/count/show → read. Target from the URI/host
/// argument or <c>--host</c>/<c>--port</c>.</summary>
public static class Mongosh
{
    /// <summary>mongosh's options (@mongosh/arg-parser, read with yargs-parser: exact names,
    /// <c>--name=value</c> or the next word, <c>--no-</c> for flags, no bundles) and the legacy
    /// mongo shell's (boost program_options, which also takes unique prefixes); the union of both.</summary>
    public static readonly OptionTable Options = new("mongosh", OptionRules.Abbreviations | OptionRules.EqualsValue | OptionRules.Permute
        | OptionRules.DoubleDash | OptionRules.NoPrefix, """
           --apiDeprecationErrors
           --apiStrict
           --apiVersion <version>
           --authenticationDatabase <db>
           --authenticationMechanism <mechanism>
           --awsAccessKeyId <id>
           --awsIamSessionToken <token>
           --awsSecretAccessKey <key>
           --awsSessionToken <token>
           --browser <browser>
           --build-info --buildInfo
           --csfleLibraryPath <path>
           --cryptSharedLibPath <path>
           --db <db>
           --disableImplicitSessions
           --enableEncryption
        -f --file <file>
           --eval <javascript>
           --exposeAsyncRewriter
           --gssapiHostName <name>
           --gssapiServiceName <name>
        -h --help
           --host <host>
           --ipv6
           --jsContext <context>
           --json [format]
           --keyVaultNamespace <namespace>
           --kmsURL <url>
           --locale <locale>
           --nodb
           --norc
           --oidcDumpTokens [mode]
           --oidcFlows <flows>
           --oidcIdTokenAsAccessToken
           --oidcNoNonce
           --oidcRedirectUri --oidcRedirectUrl <uri>
           --oidcTrustedEndpoint
        -p --password <password>
           --perfTests
           --port <port>
           --quiet
           --retryWrites
           --shell
           --skipStartupWarnings
           --smokeTests
           --sspiHostnameCanonicalization <value>
           --sspiRealmOverride <realm>
           --ssl
           --sslAllowInvalidCertificates
           --sslAllowInvalidHostnames
           --sslCAFile <file>
           --sslCertificateSelector <selector>
           --sslCRLFile <file>
           --sslDisabledProtocols <protocols>
           --sslFIPSMode
           --sslPEMKeyFile <file>
           --sslPEMKeyPassword <password>
           --tls
           --tlsAllowInvalidCertificates
           --tlsAllowInvalidHostnames
           --tlsCAFile <file>
           --tlsCertificateKeyFile <file>
           --tlsCertificateKeyFilePassword <password>
           --tlsCertificateSelector <selector>
           --tlsCRLFile <file>
           --tlsDisabledProtocols <protocols>
           --tlsFIPSMode
           --tlsUseSystemCA
        -u --username <username>
           --verbose
           --version
        """);

    /// <summary>Parses the arguments of mongosh or mongo.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null;
        List<(string Host, string? Port)>? seeds = null;
        var code = new List<(string Text, string Token)>();
        bool unknown = false, nodb = false, help = false;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            string? value = t.Value;
            if (t.Kind == OptionTokenKind.Option)
            {
                switch (t.Name)
                {
                    case "--eval": code.Add((value ?? "", t.Text)); break;
                    case "--file":
                    {
                        var text = InputPaths.Read(c, c.Context, value ?? "", dashIsStdin: false, out var why);
                        if (text == null) { unknown = true; evidence.Add(new(t.Text, $"script from {why}")); }
                        else code.Add((text, value!));
                        break;
                    }
                    case "--host": host = value; break;
                    case "--port": port = value; break;
                    case "--db": db = value; break;
                    case "--nodb": nodb = t.IsOn; break;
                    case "--help": case "--version": case "--build-info": help = true; break;
                }
                continue;
            }
            var a = value!;
            if (a.EndsWith(".js", StringComparison.Ordinal) || a.EndsWith(".mongodb", StringComparison.Ordinal) || InputPaths.Classify(a, null) != InputPaths.Kind.File)
            {
                var text = InputPaths.Read(c, c.Context, a, dashIsStdin: false, out var why);
                if (text == null) { unknown = true; evidence.Add(new(a, $"script {why}")); }
                else code.Add((text, a));
                continue;
            }
            // [mongodb://|mongodb+srv://]host[:port]/db, host/db, or db; "$MONGO_URL" unset here: a server not known.
            if (DbTarget.IsUnexpanded(a)) { host ??= a; evidence.Add(new(a, "connection from a variable not set here: the server is not known")); }
            else if (a.Contains("://"))
            {
                DbTarget.TryParseUri(a, out var uh, out var up, out var ud);
                // A replica set's seed list: the driver connects to every seed and finds the primary.
                if (host == null && DbTarget.UriHosts(a) is { Count: > 1 } several) seeds = several;
                host ??= uh; port ??= up; db = ud ?? db;
                evidence.Add(new(a, $"host {uh}"));
            }
            else if (a.Contains('/'))
            {
                var parts = a.Split('/', 2);
                var hp = parts[0].Split(':');
                host ??= hp[0]; if (hp.Length > 1) port ??= hp[1];
                db = parts[1];
            }
            else db = a;
        }
        if (help) return ToolHelp.Help(tool, "--help");
        // --host rs0/a:27017,b:27017 (a replica set's name first) or a,b: a seed list too.
        if (seeds == null && host != null && (host.Contains(',') || host.Contains('/')) && !DbTarget.IsUnexpanded(host))
        {
            seeds = [];
            foreach (var seed in host[(host.IndexOf('/') + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int colon = seed.LastIndexOf(':');
                seeds.Add(colon > 0 && !seed.EndsWith(']') ? (seed[..colon], seed[(colon + 1)..]) : (seed.Trim('[', ']'), null));
            }
        }
        if (host != null && host.Contains(':') && !host.Contains(']') && host.Count(ch => ch == ':') == 1) { var hp = host.Split(':'); host = hp[0]; port ??= hp[1]; }
        var target = DbTarget.Make("mongodb", host ?? "127.0.0.1", port, db, 27017);
        var targets = nodb ? new List<Target>() : [target];
        if (!nodb && seeds != null)
        {
            targets.Clear();
            foreach (var (h, p) in seeds) targets.Add(DbTarget.Make("mongodb", h, p ?? port, db, 27017));
        }
        Effect effect = Effect.Read;
        string summary = "";
        if (code.Count == 0 && c.StdinText != null) code.Add((c.StdinText, "stdin"));
        if (code.Count == 0 && !unknown)
        {
            evidence.Add(new(tool, c.StdinOpaque ? "script from a pipe whose content is unknown" : "interactive shell (unknown)"));
            return ToolHelp.Intent(tool, Effect.Unknown, "script not visible", targets, evidence);
        }
        foreach (var (text, token) in code)
        {
            ScriptConnections(text, targets, evidence);
            var (e, what) = Scan(text);
            if (e > effect || summary.Length == 0) summary = what;
            effect = ToolHelp.Max(effect, e);
            evidence.Add(new(HttpBody.Short(token), $"{what} → {e.Name()}"));
        }
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
    }

    /// <summary>The servers a script connects to itself (<c>new Mongo(URI)</c>, <c>connect(URI)</c>, what
    /// <c>--nodb</c> scripts do): each literal is a target as a URI argument is; one built at run time is
    /// an unknown target.</summary>
    internal static void ScriptConnections(string js, List<Target> targets, List<Evidence> evidence)
    {
        foreach (var call in (ReadOnlySpan<string>)["Mongo(", "connect("])
        {
            for (int i = js.IndexOf(call, StringComparison.Ordinal); i >= 0; i = js.IndexOf(call, i + 1, StringComparison.Ordinal))
            {
                // getMongo(), disconnect(): other names.
                if (i > 0 && (char.IsAsciiLetterOrDigit(js[i - 1]) || js[i - 1] is '_' or '$')) continue;
                var rest = js.AsSpan(i + call.Length).TrimStart();
                if (rest.Length > 0 && rest[0] == ')') continue; // Mongo(): the default server, as the shell's own
                int end = rest.Length > 0 && rest[0] is '"' or '\'' or '`' ? rest[1..].IndexOf(rest[0]) : -1;
                var literal = end >= 0 ? rest.Slice(1, end).ToString() : null;
                if (literal == null || literal.Contains("${", StringComparison.Ordinal))
                {
                    targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                    evidence.Add(new(call + "…)", "a connection made at run time: the server is not known"));
                    continue;
                }
                string? host, port = null, db = null;
                if (literal.Contains("://")) DbTarget.TryParseUri(literal, out host, out port, out db);
                else
                {
                    var parts = literal.Split('/', 2);
                    var hp = parts[0].Split(':');
                    host = hp[0]; if (hp.Length > 1) port = hp[1];
                    if (parts.Length > 1) db = parts[1];
                    // connect("shop"): a database on the default server.
                    if (parts.Length == 1 && call == "connect(") (host, db) = (null, parts[0]);
                }
                targets.Add(DbTarget.Make("mongodb", host ?? "127.0.0.1", port, db, 27017));
                evidence.Add(new(literal, $"the script connects to {host ?? "127.0.0.1"}"));
            }
        }
    }

    /// <summary>Effect of a mongosh script and the call that decided it.</summary>
    public static (Effect Effect, string What) Scan(string js)
    {
        var s = StripComments(js);
        var compact = new string(s.Where(ch => !char.IsWhiteSpace(ch)).ToArray());
        (Effect, string) best = (Effect.Read, compact.Length > 80 ? compact[..80] : compact);
        void Consider(Effect e, string what) { if (e > best.Item1) best = (e, what); }
        if (Has(compact, "dropDatabase(") || Has(compact, "{dropDatabase:")) Consider(Effect.Wipe, "dropDatabase()");
        if (Has(compact, ".drop(") || Has(compact, "{drop:") || Has(compact, "dropCollection(")) Consider(Effect.Drop, ".drop()");
        if (Has(compact, "dropIndex(") || Has(compact, "dropIndexes(") || Has(compact, "dropUser(") || Has(compact, "dropAllUsers(") || Has(compact, "dropRole(")) Consider(Effect.Drop, "drop index/user");
        foreach (var m in new[] { "deleteMany(", "remove(" })
        {
            int i = 0;
            while ((i = compact.IndexOf(m, i, StringComparison.Ordinal)) >= 0)
            {
                i += m.Length;
                bool empty = i >= compact.Length || compact[i] == ')' || compact.AsSpan(i).StartsWith("{})") || compact.AsSpan(i).StartsWith("{},");
                Consider(empty ? Effect.Wipe : Effect.Delete, empty ? m + "{})" : m + "filter)");
            }
        }
        // updateMany({}, …) rewrites every document, as UPDATE without WHERE does (a wipe of what it sets).
        if (Has(compact, "updateMany({},")) Consider(Effect.Wipe, "updateMany({}, …)");
        // An aggregation's $out stage replaces the collection it names (its documents are gone), as
        // INSERT OVERWRITE does; $merge writes into it.
        if (Has(compact, "$out:") || Has(compact, "$out\":") || Has(compact, "$out':")) Consider(Effect.Truncate, "aggregate $out");
        if (Has(compact, "$merge:") || Has(compact, "$merge\":") || Has(compact, "$merge':")) Consider(Effect.Write, "aggregate $merge");
        // renameCollection(name, true) and {renameCollection: …, dropTarget: true} drop the collection named first.
        if (Has(compact, "dropTarget:true") || RenameDropsTarget(compact)) Consider(Effect.Drop, "renameCollection(…, dropTarget)");
        if (Has(compact, "deleteOne(") || Has(compact, "findOneAndDelete(") || Has(compact, "findAndModify(") && Has(compact, "remove:true")) Consider(Effect.Delete, "deleteOne()");
        if (Has(compact, "bulkWrite(") && (Has(compact, "deleteMany") || Has(compact, "deleteOne"))) Consider(Effect.Delete, "bulkWrite delete");
        if (Has(compact, "shutdownServer(") || Has(compact, "{shutdown:") || Has(compact, "killOp(")) Consider(Effect.Terminate, "shutdownServer()");
        if (Has(compact, "eval(") || Has(compact, "load(") || RunsACommand(compact) && !Has(compact, "{dropDatabase:") && !Has(compact, "{drop:")) Consider(Effect.Unknown, "runCommand/load/eval");
        foreach (var w in new[] { "insertOne(", "insertMany(", "insert(", "updateOne(", "updateMany(", "update(", "replaceOne(", "save(", "createCollection(", "createIndex(", "renameCollection(", "findOneAndUpdate(", "findOneAndReplace(", "createUser(" })
            if (Has(compact, w)) Consider(Effect.Write, w + ")");
        return best;
    }

    // Database commands that only report; any other run by runCommand/adminCommand is not read (unknown).
    private static readonly HashSet<string> ReadCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "ping", "hello", "isMaster", "ismaster", "buildInfo", "buildinfo", "hostInfo", "serverStatus", "listDatabases", "listCollections",
        "listIndexes", "dbStats", "dbstats", "collStats", "currentOp", "getLog", "getParameter", "getCmdLineOpts", "connectionStatus",
        "replSetGetStatus", "replSetGetConfig", "top", "count", "find", "aggregate", "explain", "validate", "usersInfo", "rolesInfo",
    };

    // runCommand(…)/adminCommand(…): true unless each names a reporting command ({ping: 1}, "ping").
    private static bool RunsACommand(string compact)
    {
        foreach (var call in (ReadOnlySpan<string>)["runCommand(", "adminCommand("])
        {
            for (int i = compact.IndexOf(call, StringComparison.Ordinal); i >= 0; i = compact.IndexOf(call, i + 1, StringComparison.Ordinal))
            {
                var rest = compact.AsSpan(i + call.Length).TrimStart('{');
                int end = rest.IndexOfAny(':', ',', ')');
                if (end <= 0 || !ReadCommands.Contains(rest[..end].Trim("\"'").ToString())) return true;
            }
        }
        return false;
    }

    private static bool RenameDropsTarget(string compact)
    {
        const string call = "renameCollection(";
        for (int i = compact.IndexOf(call, StringComparison.Ordinal); i >= 0; i = compact.IndexOf(call, i + 1, StringComparison.Ordinal))
        {
            int end = compact.IndexOf(')', i);
            // A call whose end cannot be found may say anything: read as dropping (fail closed).
            if (end < 0 || compact.AsSpan(i, end - i).EndsWith(",true", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static bool Has(string s, string what) => s.Contains(what, StringComparison.Ordinal);

    private static string StripComments(string js)
    {
        var sb = new System.Text.StringBuilder(js.Length);
        for (int i = 0; i < js.Length; i++)
        {
            char ch = js[i];
            if (ch is '"' or '\'' or '`')
            {
                int start = i++;
                while (i < js.Length && js[i] != ch) i += js[i] == '\\' ? 2 : 1;
                sb.Append(js, start, Math.Min(i + 1, js.Length) - start);
                continue;
            }
            if (ch == '/' && i + 1 < js.Length && js[i + 1] == '/') { while (i < js.Length && js[i] != '\n') i++; continue; }
            if (ch == '/' && i + 1 < js.Length && js[i + 1] == '*') { int e = js.IndexOf("*/", i + 2, StringComparison.Ordinal); i = e < 0 ? js.Length : e + 1; continue; }
            sb.Append(ch);
        }
        return sb.ToString();
    }
}
