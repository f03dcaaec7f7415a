using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>wget: <c>--method</c>, <c>--post-data</c>/<c>--post-file</c>,
/// <c>--body-data</c>/<c>--body-file</c>, URLs anywhere; <c>-i</c> (URLs from a file) and
/// <c>-e</c> (wgetrc commands) make it unknown.</summary>
public static class Wget
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-O", "-o", "-a", "-P", "-U", "-e", "-i", "-t", "-T", "-w", "-Q", "-l", "-A", "-R", "-D", "-I", "-X", "-B",
        "--output-document", "--output-file", "--append-output", "--directory-prefix", "--user-agent", "--execute", "--input-file",
        "--tries", "--timeout", "--wait", "--quota", "--level", "--accept", "--reject", "--domains", "--include-directories",
        "--exclude-directories", "--base", "--header", "--user", "--password", "--http-user", "--http-password", "--method",
        "--post-data", "--post-file", "--body-data", "--body-file", "--load-cookies", "--save-cookies", "--referer",
        "--ca-certificate", "--certificate", "--private-key", "--bind-address", "--limit-rate", "--config",
    };

    /// <summary>Parses wget's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var args = c.Args;
        if (ToolHelp.AsksForHelp(args)) return ToolHelp.Help("wget", "--help");
        string? method = null;
        string? body = null, bodyToken = null;
        bool unknown = false, spider = false;
        var evidence = new List<Evidence>();
        var urls = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { urls.AddRange(args.Skip(i + 1)); break; }
            string name = a, value = "";
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
            else if (Valued.Contains(a)) value = i + 1 < args.Count ? args[++i] : "";
            else if (a.Length > 2 && a[0] == '-' && a[1] != '-' && Valued.Contains(a[..2])) { name = a[..2]; value = a[2..]; }
            else if (!a.StartsWith('-')) { urls.Add(a); continue; }
            string token = name == a ? $"{a} {value}" : a;
            switch (name)
            {
                case "--method": method = value.ToUpperInvariant(); evidence.Add(new(token, $"method {method}")); break;
                case "--post-data": case "--body-data": body = value; bodyToken = token; method ??= "POST"; break;
                case "--post-file": case "--body-file":
                    bodyToken = token; method ??= "POST";
                    body = ToolHelp.ReadText(c.Context, value);
                    if (body == null) { unknown = true; evidence.Add(new(token, $"body from {value}, which cannot be read")); }
                    break;
                case "-i": case "--input-file": unknown = true; evidence.Add(new(token, "URLs from a file (unknown)")); break;
                case "-e": case "--execute": case "--config": unknown = true; evidence.Add(new(token, "wgetrc commands (unknown)")); break;
                case "--spider": spider = true; break;
            }
            if (a == "--spider") spider = true;
        }
        method ??= spider ? "HEAD" : "GET";
        Effect effect = Curl.MethodEffect(method);
        if (bodyToken != null && method == "POST") evidence.Add(new(bodyToken, "request body (POST)"));
        if (body != null && HttpBody.Analyze(body, bodyToken ?? body, evidence) is Effect be)
            effect = method is "POST" or "GET" ? be : ToolHelp.Max(effect, be);
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        var targets = new List<Target>();
        foreach (var u in urls)
        {
            if (UrlParser.TryParse(u, "http", out var t)) { targets.Add(t); evidence.Add(new(u, $"target {t}")); }
        }
        return ToolHelp.Intent("wget", effect, targets.Count == 0 ? method : $"{method} {string.Join(' ', targets)}", targets, evidence);
    }
}
