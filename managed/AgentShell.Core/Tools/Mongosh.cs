using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>mongosh/mongo: JavaScript from <c>--eval</c>, <c>-f</c>/<c>--file</c>, script
/// arguments or stdin, scanned for destructive calls (comments stripped): <c>dropDatabase()</c>
/// → wipe, <c>.drop()</c> → drop, <c>deleteMany({})</c>/<c>remove({})</c> → wipe,
/// <c>deleteMany(filter)</c>/<c>deleteOne</c>/<c>findOneAndDelete</c> → delete, <c>shutdownServer</c>
/// → terminate, insert/update → write, find/count/show → read. Target from the URI/host
/// argument or <c>--host</c>/<c>--port</c>.</summary>
public static class Mongosh
{
    /// <summary>Parses the arguments of mongosh or mongo.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var args = c.Args;
        var evidence = new List<Evidence>();
        if (args.Contains("--help") || args.Contains("-h") || args.Contains("--version")) return ToolHelp.Help(tool, "--help");
        string? host = null, port = null, db = null;
        var code = new List<(string Text, string Token)>();
        bool unknown = false, nodb = false;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (a)
            {
                case "--eval": { var v = Value(); if (v != null) code.Add((v, $"--eval {v}")); continue; }
                case "-f": case "--file":
                {
                    var f = Value();
                    var t = f == null ? null : ToolHelp.ReadText(c.Context, f);
                    if (t == null) { unknown = true; evidence.Add(new($"{a} {f}", $"script {f}, which cannot be read")); }
                    else code.Add((t, f!));
                    continue;
                }
                case "--host": host = Value(); continue;
                case "--port": port = Value(); continue;
                case "--nodb": nodb = true; continue;
                case "-u" or "--username" or "-p" or "--password" or "--authenticationDatabase" or "--authenticationMechanism" or "--apiVersion" or "--tlsCAFile" or "--tlsCertificateKeyFile":
                    Value(); continue;
            }
            if (a.StartsWith('-')) continue;
            if (a.EndsWith(".js", StringComparison.Ordinal))
            {
                var t = ToolHelp.ReadText(c.Context, a);
                if (t == null) { unknown = true; evidence.Add(new(a, $"script {a}, which cannot be read")); }
                else code.Add((t, a));
                continue;
            }
            // [mongodb://|mongodb+srv://]host[:port]/db, host/db, or db
            if (a.Contains("://"))
            {
                DbTarget.TryParseUri(a, out var uh, out var up, out var ud);
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
        if (host != null && host.Contains(':') && !host.Contains(']') && host.Count(ch => ch == ':') == 1) { var hp = host.Split(':'); host = hp[0]; port ??= hp[1]; }
        var target = DbTarget.Make("mongodb", host ?? "127.0.0.1", port, db, 27017);
        var targets = nodb ? new List<Target>() : [target];
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
            var (e, what) = Scan(text);
            if (e > effect || summary.Length == 0) summary = what;
            effect = ToolHelp.Max(effect, e);
            evidence.Add(new(HttpBody.Short(token), $"{what} → {e.Name()}"));
        }
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
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
        if (Has(compact, "deleteOne(") || Has(compact, "findOneAndDelete(") || Has(compact, "findAndModify(") && Has(compact, "remove:true")) Consider(Effect.Delete, "deleteOne()");
        if (Has(compact, "bulkWrite(") && (Has(compact, "deleteMany") || Has(compact, "deleteOne"))) Consider(Effect.Delete, "bulkWrite delete");
        if (Has(compact, "shutdownServer(") || Has(compact, "{shutdown:") || Has(compact, "killOp(")) Consider(Effect.Terminate, "shutdownServer()");
        if (Has(compact, "eval(") || Has(compact, "load(") || Has(compact, "runCommand(") && !Has(compact, "{dropDatabase:") && !Has(compact, "{drop:")) Consider(Effect.Unknown, "runCommand/load/eval");
        foreach (var w in new[] { "insertOne(", "insertMany(", "insert(", "updateOne(", "updateMany(", "update(", "replaceOne(", "save(", "createCollection(", "createIndex(", "renameCollection(", "findOneAndUpdate(", "findOneAndReplace(", "createUser(" })
            if (Has(compact, w)) Consider(Effect.Write, w + ")");
        return best;
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
