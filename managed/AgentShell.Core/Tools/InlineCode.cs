using System.Text;

namespace AgentShell.Core.Tools;

/// <summary>What a one-liner given to an interpreter (<c>python -c</c>, <c>node -e</c>,
/// <c>perl -e</c>, <c>ruby -e</c>, <c>deno eval</c>, or a here-doc on its stdin) hands to other
/// programs, read by a scan of its calls with literal arguments, not by running or parsing the
/// language: shell commands (<c>os.system</c>, <c>subprocess.*</c>, <c>execSync</c>, <c>system</c>,
/// backticks), programs with argument lists (<c>subprocess.run([…])</c>, <c>spawnSync(p, […])</c>),
/// Perl's and Ruby's backticks, <c>qx()</c> and <c>%x()</c> (when asked), PHP's <c>shell_exec</c>, Lua's <c>os.execute</c>,
/// a module imported under another name (<c>import subprocess as s</c>),
/// HTTP requests (<c>requests|httpx|axios.METHOD(URL)</c>, <c>fetch(URL, {method})</c>, urllib's
/// <c>Request(URL, method=…)</c>), which are read as the equivalent curl, and the hosts of URLs and
/// <c>host=</c> arguments a database driver connects to. A call whose argument is not a literal makes
/// the code opaque (unknown). Code with none of these hands nothing over.</summary>
internal static class InlineCode
{
    internal sealed class Found
    {
        public List<string> Scripts { get; } = [];
        public List<string[]> Commands { get; } = [];
        public List<string[]> Requests { get; } = [];
        public List<string> Hosts { get; } = [];
        /// <summary>Statements handed to a driver as literals (<c>cursor.execute('DROP TABLE t')</c>).</summary>
        public List<string> Statements { get; } = [];
        /// <summary>Driver methods that destroy whatever their arguments (<c>r.flushall()</c>, <c>db.dropDatabase()</c>).</summary>
        public List<(string Method, Model.Effect Effect)> Methods { get; } = [];
        /// <summary>The SQL dialect the code's driver speaks (by the library it names).</summary>
        public SqlDialect Dialect { get; set; }
        public string? Opaque { get; set; }
        public bool Any => Scripts.Count + Commands.Count + Requests.Count + Hosts.Count > 0 || Opaque != null;
    }

    private static readonly string[] ShellCalls = ["os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "execSync", "system", "exec",
        "os.execute", "io.popen", "shell_exec", "passthru", "popen", "proc_open"];
    private static readonly string[] ArgvCalls = ["subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
        "spawnSync", "spawn", "execFileSync", "execFile", "Deno.Command", "Bun.spawn", "Bun.spawnSync", "os.execvp", "os.execv", "os.spawnvp"];
    // PERF: the keys an alias of each is found by, built once: "import M as ", "from M import ".
    private static readonly (string Call, string? AsKey, string? FromKey)[] ArgvCallKeys =
        [.. ArgvCalls.Select(c => c.IndexOf('.') is int d and > 0 ? (c, "import " + c[..d] + " as ", "from " + c[..d] + " import ") : (c, (string?)null, (string?)null))];
    private static readonly string[] HttpLibs = ["requests", "httpx", "axios", "session", "client", "ky", "got"];
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete", "head", "options", "request"];
    // Clients whose first argument is the host they connect to.
    private static readonly string[] HostFirstCalls = ["Net::HTTP.new", "Net::HTTP.start", "HTTPSConnection", "HTTPConnection", "TCPSocket.new",
        "TCPSocket.open", "create_connection", "Redis", "StrictRedis", "MongoClient", "Mysql2::Client.new", "PG.connect", "PG::Connection.new"];
    // Calls that hand a driver a statement: DB-API, node-postgres/mysql2, SQLAlchemy's text(), postgres.js's unsafe().
    private static readonly string[] StatementCalls = ["execute", "executemany", "executescript", "query", "exec_params", "unsafe", "text"];
    // Methods of Redis, MongoDB and Elasticsearch clients (Python and Node spellings) that wipe or drop
    // what they are called on, whatever their arguments.
    private static readonly (string Method, Model.Effect Effect)[] DriverMethods =
    [
        ("flushall", Model.Effect.Wipe), ("flushAll", Model.Effect.Wipe), ("flushdb", Model.Effect.Wipe), ("flushDb", Model.Effect.Wipe),
        ("dropDatabase", Model.Effect.Drop), ("drop_database", Model.Effect.Drop), ("dropCollection", Model.Effect.Drop), ("drop_collection", Model.Effect.Drop),
        ("deleteMany", Model.Effect.Delete), ("delete_many", Model.Effect.Delete),
        // Not a bare drop(): pandas' DataFrame.drop(columns=…) is everywhere a query's result is shaped
        // (MongoDB's collection.drop() stays unknown: paused on production).
    ];
    // PERF: every LIB.METHOD name built once, not once per one-liner read.
    private static readonly (string Lib, string Method, string Name)[] HttpCalls = [.. HttpLibs.SelectMany(lib => Methods.Select(m => (lib, m, lib + "." + m)))];

    public static Found Read(string code, bool backticks = false, bool templates = false)
    {
        var f = new Found();
        var used = new HashSet<string>(StringComparer.Ordinal);
        if (backticks) ShellQuotes(code, f);
        if (templates) ShellTemplates.Read(code, f); // JavaScript: zx's, Bun's and execa's $`…`
        foreach (var name in ShellCalls)
            foreach (int at in Calls(code, name))
            {
                // Perl's and Ruby's system("prog", "arg", …) is a program and its list, no shell.
                if (Literal(code, at, out var text, out int close) && SkipSpace(code, close) is int comma && comma < code.Length && code[comma] == ','
                    && ArgsLiteral(code, comma + 1, out var rest)) f.Commands.Add([text, .. rest]);
                else if (Literal(code, at, out text, out _)) f.Scripts.Add(text);
                else if (ListLiteral(code, at, out var words)) f.Commands.Add(words.ToArray());
                else f.Opaque ??= $"{name} of a command built at run time";
            }
        foreach (var (call, asKey, fromKey) in ArgvCallKeys)
        {
            ArgvCall(code, call, f);
            if (asKey == null) continue;
            // What the code calls it: "s.run" after "import subprocess as s", "run" after "from subprocess import run" (os.* alike).
            int dot = call.IndexOf('.');
            for (int i = code.IndexOf(asKey, StringComparison.Ordinal); i >= 0; i = code.IndexOf(asKey, i + 1, StringComparison.Ordinal))
            {
                int p = i + asKey.Length, e = p;
                while (e < code.Length && (char.IsAsciiLetterOrDigit(code[e]) || code[e] == '_')) e++;
                if (e > p) ArgvCall(code, code[p..e] + call[dot..], f);
            }
            int at = code.IndexOf(fromKey!, StringComparison.Ordinal);
            if (at < 0) continue;
            int end = code.IndexOfAny(['\n', ';'], at);
            var names = code[(at + fromKey!.Length)..(end < 0 ? code.Length : end)];
            if (Array.IndexOf(names.Split([',', ' ', '(', ')'], StringSplitOptions.RemoveEmptyEntries), call[(dot + 1)..]) >= 0) ArgvCall(code, call[(dot + 1)..], f);
        }
        foreach (var (lib, m, call) in HttpCalls)
            foreach (int at in Calls(code, call))
            {
                int p = at;
                string method = m.ToUpperInvariant();
                if (m == "request") { if (!Literal(code, p, out method, out p)) { f.Opaque ??= "a request whose method is built at run time"; continue; } p = SkipSpace(code, p) + 1; method = method.ToUpperInvariant(); }
                if (!Literal(code, p, out var url, out int end)) { f.Opaque ??= $"{lib}.{m} of a URL built at run time"; continue; }
                used.Add(url);
                int close = Balanced(code, at - 1, '(', ')', 8192);
                f.Requests.Add(Curl(method, url, Body(code, end, ["json=", "data=", "content="]), InlineRequestAuth.Args(close > end ? code[end..close] : "")));
            }
        foreach (int at in Calls(code, "fetch"))
        {
            if (!Literal(code, at, out var url, out int end)) { f.Opaque ??= "fetch of a URL built at run time"; continue; }
            used.Add(url);
            int close = Balanced(code, end, '{', '}');
            var opts = close > end ? code[end..close] : "";
            var method = OptionValue(opts, "method") ?? "GET";
            f.Requests.Add(Curl(method.ToUpperInvariant(), url, Body(opts, 0, ["body:", "body ="]), InlineRequestAuth.Args(opts)));
        }
        foreach (int at in Calls(code, "Request"))
        {
            if (!Literal(code, at, out var url, out int end)) continue;
            used.Add(url);
            int close = Balanced(code, at - 1, '(', ')', 8192);
            if (close < 0) close = code.IndexOf(')', end);
            var args = close > end ? code[end..close] : "";
            var method = OptionValue(args, "method") ?? "GET";
            f.Requests.Add(Curl(method.ToUpperInvariant(), url, null, InlineRequestAuth.Args(args)));
        }
        foreach (int at in Calls(code, "urlopen"))
            if (Literal(code, at, out var url, out _) && used.Add(url)) f.Requests.Add(Curl("GET", url, null));
        // A URL handed to a program (subprocess.run(["curl", URL])) is that program's: read with it, not as a connection of the code.
        foreach (var argv in f.Commands) foreach (var word in argv) if (word.Contains("://", StringComparison.Ordinal)) used.Add(word);
        foreach (var script in f.Scripts)
            foreach (var word in script.Split([' ', '\t', '\n', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
                if (word.Contains("://", StringComparison.Ordinal)) used.Add(word);
        // Hosts a driver or client connects to: URLs left over, host=/host: arguments.
        for (int i = code.IndexOf("://", StringComparison.Ordinal); i > 0; i = code.IndexOf("://", i + 3, StringComparison.Ordinal))
        {
            int start = i;
            while (start > 0 && (char.IsAsciiLetterOrDigit(code[start - 1]) || code[start - 1] is '+' or '-' or '.')) start--;
            int stop = i + 3;
            while (stop < code.Length && code[stop] is not ('"' or '\'' or '`' or ' ' or ')' or ',' or '}' or '\n')) stop++;
            var url = code[start..stop];
            if (!used.Contains(url)) f.Hosts.Add(url);
        }
        foreach (var key in (ReadOnlySpan<string>)["host=", "host:", "hostname=", "host =", "host :"])
            for (int i = code.IndexOf(key, StringComparison.Ordinal); i >= 0; i = code.IndexOf(key, i + 1, StringComparison.Ordinal))
            {
                if (Literal(code, i + key.Length, out var h, out _)) { if (h.Length > 0) f.Hosts.Add(h); }
                else if (key == "host=" && i > 0 && code[i - 1] is '"' or '\'' or ' ' && ConninfoValue(code, i + key.Length) is { } v) f.Hosts.Add(v);
            }
        foreach (var name in HostFirstCalls)
            foreach (int at in Calls(code, name))
            {
                int p = SkipSpace(code, at);
                if (p < code.Length && code[p] is '(' or '[') p++; // create_connection(('h', 5432))
                if (Literal(code, p, out var h, out _) && h.Length > 0 && !h.Contains("://", StringComparison.Ordinal)) f.Hosts.Add(h);
            }
        if (f.Hosts.Count > 0)
        {
            foreach (var name in StatementCalls)
                foreach (int at in Calls(code, name))
                    if (Literal(code, at, out var sql, out _)) f.Statements.Add(sql);
            foreach (var (method, effect) in DriverMethods)
                foreach (int at in Calls(code, method))
                    if (at > method.Length + 1 && code[at - method.Length - 2] == '.') f.Methods.Add((method, effect));
            f.Dialect = code.Contains("mysql", StringComparison.OrdinalIgnoreCase) || code.Contains("mariadb", StringComparison.OrdinalIgnoreCase) ? SqlDialect.MySql
                : code.Contains("sqlite", StringComparison.OrdinalIgnoreCase) ? SqlDialect.Sqlite : SqlDialect.Postgres;
        }
        return f;
    }

    // Perl's and Ruby's backticks, qx(…)/qx{…} and %x(…)/%x{…}: the text is a shell command (a
    // variable in it makes it one built at run time).
    private static void ShellQuotes(string code, Found f)
    {
        for (int i = 0; i < code.Length; i++)
        {
            int from, to;
            if (code[i] == '`') { from = i + 1; to = code.IndexOf('`', from); }
            else if ((code[i] == 'q' && i + 2 < code.Length && code[i + 1] == 'x' && (i == 0 || !char.IsAsciiLetterOrDigit(code[i - 1]))
                      || code[i] == '%' && i + 2 < code.Length && code[i + 1] == 'x') && code[i + 2] is '(' or '{' or '[' or '/' or '|' or '!')
            {
                char open = code[i + 2], close = open switch { '(' => ')', '{' => '}', '[' => ']', _ => open };
                from = i + 3;
                to = open == close ? code.IndexOf(close, from) : Balanced(code, i + 2, open, close) - 1;
            }
            else continue;
            if (to < from) { f.Opaque ??= "an unterminated shell quote"; return; }
            var cmd = code[from..to];
            if (cmd.Contains('$') || cmd.Contains('@') || cmd.Contains("#{", StringComparison.Ordinal)) f.Opaque ??= "a shell quote of a command built at run time";
            else f.Scripts.Add(cmd);
            i = to;
        }
    }

    // One argv call's sites (subprocess.run(["psql", …]), spawnSync("psql", […])) under the name the code uses.
    private static void ArgvCall(string code, string name, Found f)
    {
        foreach (int at in Calls(code, name))
        {
            if (ListLiteral(code, at, out var words)) { f.Commands.Add(words.ToArray()); continue; }
            if (!Literal(code, at, out var prog, out int end)) { f.Opaque ??= $"{name} of a program named at run time"; continue; }
            // subprocess.run("cmd …", shell=True) is a shell string; spawnSync("psql", ["-h", …]) a program and its list.
            int comma = SkipSpace(code, end);
            var argv = new List<string> { prog };
            if (comma < code.Length && code[comma] == ',' && ListLiteral(code, comma + 1, out var rest)) argv.AddRange(rest);
            if (argv.Count == 1 && prog.Contains(' ')) f.Scripts.Add(prog); else f.Commands.Add(argv.ToArray());
        }
    }

    // "a", "b", … ) of literals only, up to the call's close.
    private static bool ArgsLiteral(string s, int at, out List<string> words)
    {
        words = [];
        int p = at;
        while (true)
        {
            if (!Literal(s, p, out var w, out int end)) return false;
            words.Add(w);
            p = SkipSpace(s, end);
            if (p < s.Length && s[p] == ')') return true;
            if (p >= s.Length || s[p] != ',') return false;
            p++;
        }
    }

    // The host of a libpq conninfo string ('host=db.prod dbname=shop'): up to a blank or a quote.
    private static string? ConninfoValue(string code, int from)
    {
        int end = from;
        while (end < code.Length && code[end] is not (' ' or '"' or '\'' or '\n' or ')' or ',' or ';')) end++;
        return end > from ? code[from..end] : null;
    }

    private static string[] Curl(string method, string url, string? body, List<string>? auth = null) =>
        body == null ? ["curl", "-X", method, url, .. auth ?? []] : ["curl", "-X", method, url, "-H", "Content-Type: application/json", "--data-raw", body, .. auth ?? []];

    // The body after one of keys: a string literal, or a {…} literal (a dict or object, JSON-like).
    private static string? Body(string code, int from, string[] keys)
    {
        foreach (var k in keys)
        {
            int at = code.IndexOf(k, from, StringComparison.Ordinal);
            if (at < 0) continue;
            int p = SkipSpace(code, at + k.Length);
            if (code.AsSpan(p).StartsWith("JSON.stringify(")) p = SkipSpace(code, p + 15);
            if (p < code.Length && code[p] == '{') { int close = Balanced(code, p, '{', '}'); if (close > p) return JsonOf(code[p..close]); }
            if (Literal(code, p, out var s, out _)) return s;
        }
        return null;
    }

    // A dict or object literal as JSON: each string literal re-quoted (a GraphQL query in '…' holds
    // "…"), bare keys quoted ({query: …}), Python's True/False/None spelled as JSON's. Anything else
    // (a variable, a call) is copied as it is, and the JSON reader then finds nothing of it.
    private static string JsonOf(string lit)
    {
        var sb = new StringBuilder(lit.Length + 8);
        for (int i = 0; i < lit.Length;)
        {
            char c = lit[i];
            if (c is '"' or '\'' or '`' && Literal(lit, i, out var text, out int end))
            {
                sb.Append('"');
                foreach (char ch in text)
                    sb.Append(ch switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\t' => "\\t", _ => ch.ToString() });
                sb.Append('"');
                i = end;
                continue;
            }
            if (char.IsAsciiLetter(c) || c is '_' or '$')
            {
                int j = i;
                while (j < lit.Length && (char.IsAsciiLetterOrDigit(lit[j]) || lit[j] is '_' or '$')) j++;
                var word = lit[i..j];
                bool key = SkipSpace(lit, j) is int k && k < lit.Length && lit[k] == ':';
                sb.Append(key ? $"\"{word}\"" : word switch { "True" => "true", "False" => "false", "None" => "null", _ => word });
                i = j;
                continue;
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }

    // method: 'DELETE' / method="DELETE"
    private static string? OptionValue(string opts, string name)
    {
        foreach (var sep in (ReadOnlySpan<char>)[':', '='])
        {
            int at = opts.IndexOf(name, StringComparison.Ordinal);
            while (at >= 0)
            {
                int p = SkipSpace(opts, at + name.Length);
                if (p < opts.Length && opts[p] == sep && Literal(opts, p + 1, out var v, out _)) return v;
                at = opts.IndexOf(name, at + 1, StringComparison.Ordinal);
            }
        }
        return null;
    }

    // Positions just after "NAME(" where NAME is not the tail of a longer identifier.
    internal static CallScan Calls(string code, string name) => new(code, name);

    // PERF: a struct enumerator, not an iterator: the ~80 names looked for allocate nothing per one-liner.
    internal struct CallScan(string code, string name)
    {
        private int _i = -2; // the last match of name; -2 before the first search

        public readonly CallScan GetEnumerator() => this;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            for (_i = _i == -2 ? code.IndexOf(name, StringComparison.Ordinal) : code.IndexOf(name, _i + 1, StringComparison.Ordinal); _i >= 0;
                 _i = code.IndexOf(name, _i + 1, StringComparison.Ordinal))
            {
                if (_i > 0 && (char.IsAsciiLetterOrDigit(code[_i - 1]) || code[_i - 1] == '_')) continue;
                int p = SkipSpace(code, _i + name.Length);
                if (p < code.Length && code[p] == '(') { Current = p + 1; return true; }
            }
            return false;
        }
    }

    /// <summary>The literal given to <paramref name="key"/> by <c>=</c> (Python's keyword argument) or
    /// <c>:</c> (a JavaScript object's property), blanks allowed between: the first such, or null.</summary>
    internal static string? ValueOf(string code, string key)
    {
        foreach (var sep in (ReadOnlySpan<char>)['=', ':'])
            for (int i = code.IndexOf(key, StringComparison.Ordinal); i >= 0; i = code.IndexOf(key, i + 1, StringComparison.Ordinal))
            {
                int p = SkipSpace(code, i + key.Length);
                if (p < code.Length && code[p] == sep && Literal(code, p + 1, out var v, out _)) return v;
            }
        return null;
    }

    internal static int SkipSpace(string s, int i) { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; return i; }

    // Just after the close matching the first open at or after from (quotes skipped), or -1; looked
    // for over at most limit characters.
    internal static int Balanced(string s, int from, char open, char close, int limit = int.MaxValue)
    {
        int p = s.IndexOf(open, from), depth = 0;
        if (p < 0) return -1;
        for (int i = p; i < s.Length && i - p < limit; i++)
        {
            if (s[i] == open) depth++;
            else if (s[i] == close && --depth == 0) return i + 1;
            else if (s[i] is '"' or '\'' or '`' && Literal(s, i, out _, out int end)) i = end - 1;
        }
        return -1;
    }

    /// <summary>A string literal at <paramref name="at"/> (after blanks): '…', "…", `…` (no ${…}),
    /// Python's r/f/b prefixes (an f-string with {…} is not literal) and triple quotes.</summary>
    internal static bool Literal(string s, int at, out string text, out int end)
    {
        text = ""; end = at;
        int p = SkipSpace(s, at);
        bool fstring = false;
        while (p < s.Length && s[p] is 'r' or 'b' or 'f' or 'u' && p + 1 < s.Length && s[p + 1] is '"' or '\'' or 'r' or 'b' or 'f') { fstring |= s[p] == 'f'; p++; }
        if (p >= s.Length || s[p] is not ('"' or '\'' or '`')) return false;
        char q = s[p];
        bool triple = p + 2 < s.Length && s[p + 1] == q && s[p + 2] == q;
        int i = p + (triple ? 3 : 1);
        var sb = new StringBuilder();
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length) { char n = s[++i]; sb.Append(n switch { 'n' => '\n', 't' => '\t', _ => n }); continue; }
            if (c == q && (!triple || i + 2 < s.Length && s[i + 1] == q && s[i + 2] == q))
            {
                end = i + (triple ? 3 : 1);
                text = sb.ToString();
                return !(fstring && text.Contains('{')) && !(q == '`' && text.Contains("${", StringComparison.Ordinal));
            }
            sb.Append(c);
        }
        return false;
    }

    // ['a', "b", …] of literals only.
    private static bool ListLiteral(string s, int at, out List<string> words)
    {
        words = [];
        int p = SkipSpace(s, at);
        if (p >= s.Length || s[p] is not ('[' or '(')) return false;
        char close = s[p] == '[' ? ']' : ')';
        p++;
        while (true)
        {
            p = SkipSpace(s, p);
            if (p < s.Length && s[p] == close) return words.Count > 0;
            if (!Literal(s, p, out var w, out int end)) return false;
            words.Add(w);
            p = SkipSpace(s, end);
            if (p < s.Length && s[p] == ',') p++;
        }
    }
}
