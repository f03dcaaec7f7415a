using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>wget, read with its own option grammar (<see cref="Options"/>): <c>--method</c>,
/// <c>--post-data</c>/<c>--post-file</c>, <c>--body-data</c>/<c>--body-file</c>, method override
/// headers, URLs anywhere. <c>-i</c> (URLs from a file), <c>-e</c> (wgetrc commands),
/// <c>--config</c>, an option wget does not know, a control character in what wget sends as
/// written (method, header, URL), or a scheme wget does not speak make the effect unknown.</summary>
public static partial class Wget
{
    /// <summary>Parses wget's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        string? method = null, over = null;
        string? body = null, bodyToken = null;
        bool unknown = false, spider = false, help = false;
        var evidence = new List<Evidence>();
        var urls = new List<string>();
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { urls.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            string value = t.Value ?? "";
            switch (t.Name)
            {
                case "--method":
                    method = value.ToUpperInvariant();
                    evidence.Add(Evidence.Joined(t, "method ", method));
                    unknown |= Raw(t, value, "method", evidence);
                    break;
                case "--post-data": case "--body-data": body = value; bodyToken = t.Text; method ??= "POST"; break;
                case "--post-file": case "--body-file":
                    bodyToken = t.Text; method ??= "POST";
                    body = InputPaths.Read(c, c.Context, value, dashIsStdin: false, out var why);
                    if (body == null) { unknown = true; evidence.Add(new(t.Text, $"body from {why}")); }
                    break;
                case "--header":
                    unknown |= Raw(t, value, "header", evidence);
                    if (Curl.MethodOverride(value) is string m) { over = m; evidence.Add(new(t.Text, $"method overridden to {m}")); }
                    break;
                case "--user-agent": case "--referer": unknown |= Raw(t, value, "header", evidence); break;
                case "--input-file": unknown = true; evidence.Add(new(t.Text, "URLs from a file (unknown)")); break;
                case "--execute": case "--config": unknown = true; evidence.Add(new(t.Text, "wgetrc commands (unknown)")); break;
                case "--spider": spider = t.IsOn; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("wget", "--help");
        method ??= spider ? "HEAD" : "GET";
        Effect effect = Curl.MethodEffect(method);
        if (bodyToken != null && method == "POST") evidence.Add(new(bodyToken, "request body (POST)"));
        if (body != null && HttpBody.Analyze(body, bodyToken ?? body, evidence) is Effect be)
            effect = method is "POST" or "GET" ? be : ToolHelp.Max(effect, be);
        over ??= Curl.FormMethod(body, evidence);
        if (over != null) effect = ToolHelp.Max(effect, Curl.MethodEffect(over));
        var targets = new List<Target>();
        foreach (var u in urls)
        {
            if (!UrlParser.TryParse(u, "http", out var t)) { unknown = true; evidence.Add(new(u, "URL not understood (unknown)")); continue; }
            targets.Add(t);
            evidence.Add(new(u, t)); // "target URL", made when read
            if (Curl.HasControl(u)) { unknown = true; evidence.Add(new(HttpBody.Short(u), "URL with a control character (unknown)")); }
            if (t.Scheme is not ("http" or "https" or "ftp" or "ftps")) { unknown = true; evidence.Add(new(u, $"scheme {t.Scheme} (unknown)")); }
            if (Curl.FormMethod(UrlQuery(u), evidence) is string qm) effect = ToolHelp.Max(effect, Curl.MethodEffect(qm));
            // As curl: POST /users/7/deactivate names its action; SQL over HTTP (ClickHouse :8123, /_sql, {"sql": …}).
            if (method == "POST" && Curl.ActionOf(t.Path) is Effect ae) { effect = ToolHelp.Max(effect, ae); evidence.Add(new(u, $"POST to an action named {ae.Name()}")); }
            if (method is "POST" or "PUT" or "PATCH" && ServiceSwitch.Of(t.Path, body, u, evidence) is Effect sw) effect = ToolHelp.Max(effect, sw);
            if ((body != null || u.Contains('?')) && SqlOverHttp.Of(t, u, body, evidence) is Effect se) effect = ToolHelp.Max(effect, se);
        }
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("wget", effect, targets.Count == 0 ? method : $"{method} {string.Join(' ', targets)}", targets, evidence);
    }

    private static string? UrlQuery(string url)
    {
        int q = url.IndexOf('?');
        return q < 0 ? null : url[(q + 1)..];
    }

    private static bool Raw(in OptionToken t, string value, string what, List<Evidence> evidence)
    {
        if (!Curl.HasControl(value)) return false;
        evidence.Add(new(HttpBody.Short(t.Text), $"{what} with a control character (can smuggle another request; unknown)"));
        return true;
    }
}
