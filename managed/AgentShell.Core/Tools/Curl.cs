using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>curl: the HTTP method, the URLs and the request body.</summary>
public static class Curl
{
    // Options that consume the next token (or the rest of a short-option cluster).
    private static readonly HashSet<string> LongWithArg = new(StringComparer.Ordinal)
    {
        "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode", "--json", "--form", "--form-string",
        "--header", "--request", "--output", "--user", "--user-agent", "--referer", "--cookie", "--cookie-jar", "--config",
        "--upload-file", "--proxy", "--proxy-user", "--write-out", "--max-time", "--connect-timeout", "--retry", "--url",
        "--cert", "--key", "--cacert", "--capath", "--range", "--continue-at", "--time-cond", "--resolve", "--connect-to",
        "--interface", "--speed-limit", "--speed-time", "--limit-rate", "--max-filesize", "--oauth2-bearer", "--aws-sigv4",
        "--unix-socket", "--abstract-unix-socket", "--noproxy", "--quote", "--request-target", "--variable", "--dns-servers",
        "--local-port", "--proto", "--proto-redir", "--retry-delay", "--retry-max-time", "--tls-max", "--ciphers",
        "--pinnedpubkey", "--create-file-mode", "--output-dir", "--max-redirs", "--trace", "--trace-ascii", "--stderr",
        "--cert-type", "--key-type", "--pass", "--dump-header", "--etag-save", "--etag-compare", "--hsts", "--alt-svc",
        "--proxy-header", "--preproxy", "--socks4", "--socks4a", "--socks5", "--socks5-hostname", "--mail-from", "--mail-rcpt",
        "--mail-auth", "--login-options", "--sasl-authzid", "--service-name", "--keepalive-time", "--happy-eyeballs-timeout-ms",
        "--expect100-timeout", "--parallel-max", "--url-query", "--ech", "--ip-tos", "--vlan-priority", "--netrc-file",
        "--delegation", "--ftp-port", "--krb", "--random-file", "--egd-file", "--engine", "--crlfile", "--dns-interface",
        "--dns-ipv4-addr", "--dns-ipv6-addr", "--ftp-account", "--ftp-alternative-to-user", "--ftp-method", "--ftp-ssl-ccc-mode",
        "--hostpubmd5", "--hostpubsha256", "--curves", "--tls13-ciphers", "--proxy-cacert", "--proxy-capath", "--proxy-cert",
        "--proxy-key", "--proxy-pass", "--proxy-ciphers", "--proxy-crlfile", "--proxy-pinnedpubkey", "--proxy-service-name",
        "--proxy-tls13-ciphers", "--proxy-tlsauthtype", "--proxy-tlspassword", "--proxy-tlsuser", "--proxy-cert-type",
        "--proxy-key-type", "--expand-data", "--expand-url", "--tlsauthtype", "--tlspassword", "--tlsuser", "--unix-socket", "--telnet-option", "--socks5-gssapi-service",
    };

    // Short options that take an argument.
    internal const string ShortWithArg = "dFHXoueAbcKTxUwmrCzYyEQtP";

    /// <summary>Parses curl's arguments (argv without argv[0]).</summary>
    public static CommandIntent Parse(IReadOnlyList<string> args, IExecContext ctx) => Parse(args, ctx, null);

    /// <summary>Parses curl's arguments; <paramref name="call"/> supplies stdin for <c>@-</c> bodies.</summary>
    public static CommandIntent Parse(IReadOnlyList<string> args, IExecContext ctx, ToolCall? call)
    {
        string? method = null;
        bool head = false, hasData = false, getMode = false, upload = false, config = false, help = false, bodyUnknown = false;
        string? dataToken = null;
        var bodies = new List<string>();
        var urls = new List<(string Url, string Token)>();
        var evidence = new List<Evidence>();

        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--") { for (i++; i < args.Count; i++) urls.Add((args[i], args[i])); break; }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a, value;
                int eq = a.IndexOf('=');
                bool inline = false;
                if (eq > 0 && LongWithArg.Contains(a[..eq])) { name = a[..eq]; inline = true; }
                if (!LongWithArg.Contains(name)) { Flag(name); continue; }
                if (inline) value = a[(eq + 1)..];
                else if (i + 1 < args.Count) value = args[++i];
                else value = "";
                Option(name, value, inline ? a : $"{a} {value}");
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                for (int j = 1; j < a.Length; j++)
                {
                    char c = a[j];
                    if (ShortWithArg.IndexOf(c) >= 0)
                    {
                        bool attached = j + 1 < a.Length;
                        string value = attached ? a[(j + 1)..] : (i + 1 < args.Count ? args[++i] : "");
                        Option(ShortToLong(c), value, attached ? a : $"{a} {value}");
                        break;
                    }
                    Flag("-" + c);
                }
                continue;
            }
            urls.Add((a, a));
        }

        void Flag(string name)
        {
            switch (name)
            {
                case "-I": case "--head": head = true; evidence.Add(new(name, "method HEAD")); break;
                case "-G": case "--get": getMode = true; evidence.Add(new(name, "data sent as query (GET)")); break;
                case "-h": case "--help": case "-M": case "--manual": case "-V": case "--version": help = true; break;
            }
        }

        void Option(string name, string value, string token)
        {
            switch (name)
            {
                case "--request":
                    method = value.ToUpperInvariant();
                    evidence.Add(new(token, $"method {method}"));
                    break;
                case "--data": case "--data-ascii": case "--data-binary": case "--json":
                    hasData = true; dataToken ??= token;
                    if (name == "--json") evidence.Add(new(token, "JSON body (POST)"));
                    Body(value, token, allowFile: true);
                    break;
                case "--data-raw":
                    hasData = true; dataToken ??= token;
                    bodies.Add(value);
                    break;
                case "--data-urlencode":
                {
                    hasData = true; dataToken ??= token;
                    // content | =content | name=content | @file | name@file
                    int at = value.IndexOf('@'), eq = value.IndexOf('=');
                    if (at >= 0 && (eq < 0 || at < eq)) { Body(value[at..], token, allowFile: true, prefix: at > 0 ? value[..at] + "=" : ""); }
                    else bodies.Add(eq >= 0 ? value[..(eq + 1)] + value[(eq + 1)..] : value);
                    break;
                }
                case "--form": case "--form-string":
                    hasData = true; dataToken ??= token;
                    evidence.Add(new(token, "multipart form (POST)"));
                    // GraphQL multipart requests carry the document in an "operations" part.
                    if (value.StartsWith("operations=", StringComparison.Ordinal))
                    {
                        var part = value[11..];
                        if (name == "--form" && part.StartsWith('<')) part = "@" + part[1..]; // <file: the file's content as the value
                        Body(part, token, allowFile: name == "--form");
                    }
                    break;
                case "--upload-file": upload = true; evidence.Add(new(token, "upload (PUT)")); break;
                case "--url": urls.Add((value, token)); break;
                case "--config": config = true; evidence.Add(new(token, "options from a config file (unknown)")); break;
                case "--variable": case "--expand-data": config = config || value.Contains("@"); break;
            }
        }

        void Body(string value, string token, bool allowFile, string prefix = "")
        {
            if (allowFile && value.StartsWith('@'))
            {
                var file = value[1..];
                string? text = file == "-" ? call?.StdinText : ToolHelp.ReadText(ctx, file);
                if (text == null)
                {
                    bodyUnknown = true;
                    evidence.Add(new(token, file == "-" ? "body from stdin, which cannot be read" : $"body from {file}, which cannot be read"));
                    return;
                }
                bodies.Add(prefix + text);
                return;
            }
            bodies.Add(prefix + value);
        }

        if (help) return ToolHelp.Help("curl", "--help");
        string effectiveMethod = method ?? (head ? "HEAD" : hasData && !getMode ? "POST" : upload ? "PUT" : "GET");
        if (method == null && hasData && !getMode && dataToken != null) evidence.Add(new(dataToken, "request body (POST)"));

        var targets = new List<Target>(urls.Count);
        Effect effect = MethodEffect(effectiveMethod);
        foreach (var (url, token) in urls)
        {
            if (UrlParser.TryParse(url, "http", out var t))
            {
                targets.Add(t);
                evidence.Add(new(token, $"target {t}"));
                if (HttpBody.AnalyzeUrl(url, evidence) is Effect ue && effectiveMethod is "GET" or "POST") effect = ToolHelp.Max(effect, ue);
            }
        }
        if (bodies.Count > 0)
        {
            // Several -d are joined with '&'; a JSON body is normally a single -d.
            string body = bodies.Count == 1 ? bodies[0] : string.Join('&', bodies);
            if (HttpBody.Analyze(body, dataToken ?? body, evidence) is Effect be)
            {
                // A GraphQL POST is as destructive as its operation (a query only reads).
                effect = effectiveMethod is "POST" or "GET" ? be : ToolHelp.Max(effect, be);
            }
        }
        if (bodyUnknown && effect < Effect.Unknown) effect = Effect.Unknown;
        if (config) effect = ToolHelp.Max(effect, Effect.Unknown);
        string summary = targets.Count == 0 ? effectiveMethod : $"{effectiveMethod} {string.Join(' ', targets)}";
        // Name the GraphQL mutation fields: "POST …/graphql/v2 (mutation volumeDelete)" says what was refused.
        var mutations = evidence.Where(e => e.Fact.StartsWith("GraphQL mutation field ", StringComparison.Ordinal)).Select(e => e.Token).Distinct().ToList();
        if (mutations.Count > 0) summary += $" (mutation {string.Join(", ", mutations)})";
        return new CommandIntent { Tool = "curl", Effect = effect, Targets = targets, Evidence = evidence, Summary = summary };
    }

    /// <summary>Effect of an HTTP method by itself (the body may say more).</summary>
    public static Effect MethodEffect(string method) => method switch
    {
        "GET" or "HEAD" or "OPTIONS" or "TRACE" => Effect.Read,
        "DELETE" or "PURGE" => Effect.Delete,
        "POST" or "PUT" or "PATCH" => Effect.Write,
        _ => Effect.Unknown,
    };

    private static string ShortToLong(char c) => c switch
    {
        'd' => "--data", 'F' => "--form", 'H' => "--header", 'X' => "--request", 'o' => "--output", 'u' => "--user",
        'e' => "--referer", 'A' => "--user-agent", 'b' => "--cookie", 'c' => "--cookie-jar", 'K' => "--config",
        'T' => "--upload-file", 'x' => "--proxy", 'U' => "--proxy-user", 'w' => "--write-out", 'm' => "--max-time",
        'r' => "--range", 'C' => "--continue-at", 'z' => "--time-cond", 'Y' => "--speed-limit", 'y' => "--speed-time",
        'E' => "--cert", 'Q' => "--quote", 't' => "--telnet-option", 'P' => "--ftp-port",
        _ => "-" + c,
    };
}
