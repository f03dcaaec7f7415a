using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>HTTPie (<c>http</c>, <c>https</c>) and xh (<c>xh</c>, <c>xhs</c>):
/// <c>[METHOD] URL [ITEM...]</c>. Data items (<c>k=v</c>, <c>k:=json</c>, <c>k@file</c>) imply POST;
/// a <c>query</c> item or a JSON body with a query is classified as GraphQL; <c>--offline</c>
/// sends nothing.</summary>
public static class Httpie
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-a", "--auth", "-A", "--auth-type", "-o", "--output", "--session", "--session-read-only", "--timeout", "--proxy",
        "--verify", "--cert", "--cert-key", "--ssl", "--max-redirects", "--pretty", "-s", "--style", "-p", "--print",
        "--raw", "--boundary", "--format-options", "--default-scheme", "--chunked-size", "--max-headers", "--unsorted",
        "--http-version", "--resolve", "--interface", "--body-file",
    };

    /// <summary>Parses the arguments of <paramref name="name"/>.</summary>
    public static CommandIntent Parse(string name, ToolCall c)
    {
        var args = c.Args;
        var evidence = new List<Evidence>();
        if (ToolHelp.AsksForHelp(args, shortH: true)) return ToolHelp.Help(name, "--help");
        string? method = null, url = null, raw = null;
        bool offline = false, data = false, form = false, unknown = false;
        var json = new StringBuilder();
        string? query = null;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.StartsWith('-') && a.Length > 1 && url == null || (a.StartsWith("--", StringComparison.Ordinal)))
            {
                string opt = a, value = "";
                int eq = a.IndexOf('=');
                if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { opt = a[..eq]; value = a[(eq + 1)..]; }
                else if (Valued.Contains(a)) value = i + 1 < args.Count ? args[++i] : "";
                switch (opt)
                {
                    case "--offline": offline = true; break;
                    case "-f": case "--form": case "--multipart": form = true; break;
                    case "--raw": raw = value; data = true; break;
                    case "--body-file":
                        raw = ToolHelp.ReadText(c.Context, value); data = true;
                        if (raw == null) unknown = true;
                        break;
                }
                continue;
            }
            // METHOD is a bare word of letters followed by the URL (HTTPie and xh accept any case).
            if (method == null && url == null && a.Length <= 10 && a.All(char.IsAsciiLetter) && args.Skip(i + 1).Any(x => !x.StartsWith('-')))
            { method = a.ToUpperInvariant(); evidence.Add(new(a, $"method {method}")); continue; }
            if (url == null) { url = a; continue; }
            // Request items.
            int sep = ItemSeparator(a, out var kind);
            if (sep < 0) continue;
            var key = a[..sep];
            var val = a[(sep + kind.Length)..];
            switch (kind)
            {
                case "==": case ":": break; // query parameter, header
                case ":=":
                case ":=@":
                case "=@":
                case "=":
                case "@":
                    data = true;
                    if (kind is "=@" or ":=@" or "@")
                    {
                        var t = ToolHelp.ReadText(c.Context, val);
                        if (t == null && kind != "@") { unknown = true; evidence.Add(new(a, $"value from {val}, which cannot be read")); }
                        val = t ?? "";
                    }
                    if (key == "query") query = val;
                    if (json.Length > 0) json.Append(',');
                    json.Append(System.Text.Json.JsonSerializer.Serialize(key, JsonContext.Default.String)).Append(':');
                    json.Append(kind.StartsWith(':') ? val : System.Text.Json.JsonSerializer.Serialize(val, JsonContext.Default.String));
                    break;
            }
        }
        if (raw == null && !data && c.StdinText != null) { raw = c.StdinText; data = true; }
        else if (raw == null && !data && c.StdinOpaque) { unknown = true; data = true; evidence.Add(new("stdin", "body from a pipe (unknown)")); }
        method ??= data ? "POST" : "GET";
        Effect effect = Curl.MethodEffect(method);
        string body = raw ?? (query != null && !form ? "{" + json + "}" : json.Length > 0 ? "{" + json + "}" : "");
        if (body.Length > 0 && HttpBody.Analyze(body, body, evidence) is Effect be)
            effect = method is "POST" or "GET" ? be : ToolHelp.Max(effect, be);
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        var targets = new List<Target>();
        if (url != null)
        {
            string scheme = name is "https" or "xhs" ? "https" : "http";
            string u = url.StartsWith(':') ? "localhost" + url : url; // ":3000/x" is localhost
            if (UrlParser.TryParse(u, scheme, out var t)) { targets.Add(t); evidence.Add(new(url, $"target {t}")); }
        }
        if (offline) { effect = Effect.Read; evidence.Add(new("--offline", "builds the request without sending it")); }
        return ToolHelp.Intent(name, effect, targets.Count == 0 ? method : $"{method} {targets[0]}", targets, evidence);
    }

    private static int ItemSeparator(string a, out string kind)
    {
        string[] seps = [":=@", "=@", ":=", "==", "=", "@", ":"];
        int best = -1;
        kind = "";
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == '\\') { i++; continue; }
            foreach (var s in seps)
            {
                if (string.CompareOrdinal(a, i, s, 0, s.Length) == 0) { kind = s; return i; }
            }
        }
        return best;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal partial class JsonContext : System.Text.Json.Serialization.JsonSerializerContext;
