using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>HTTPie (<c>http</c>, <c>https</c>) and xh (<c>xh</c>, <c>xhs</c>), read with their
/// option grammar (<see cref="Options"/>): <c>[METHOD] URL [ITEM...]</c>. Data items (<c>k=v</c>,
/// <c>k:=json</c>, <c>k@file</c>) imply POST; a <c>query</c> item (data or <c>query==</c>
/// parameter) or a JSON body with a query is classified as GraphQL; method override headers and
/// <c>_method</c> count; a control character in the method or a header is unknown;
/// <c>--offline</c>/<c>--curl</c> send nothing.</summary>
public static partial class Httpie
{
    /// <summary>Parses the arguments of <paramref name="name"/>.</summary>
    public static CommandIntent Parse(string name, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? method = null, url = null, raw = null, over = null, scheme = null;
        bool offline = false, data = false, form = false, unknown = false, help = false, ignoreStdin = false;
        var json = new StringBuilder();
        var queryParams = new List<string>();
        string? query = null;
        var operands = new List<string>();
        var resolves = new List<string>();
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { operands.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--offline": case "--curl": case "--curl-long": case "--generate": offline = t.IsOn; break;
                case "--form": case "--multipart": form = t.IsOn; break;
                case "--raw": raw = t.Value; data = raw != null; break;
                case "--default-scheme": scheme = t.Value; break;
                case "--ignore-stdin": ignoreStdin = t.IsOn; break;
                case "--resolve": if (t.Value != null) resolves.Add(t.Value); break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help(name, "--help");
        for (int i = 0; i < operands.Count; i++)
        {
            var a = operands[i];
            // METHOD is a bare word of letters followed by the URL (HTTPie and xh accept any case).
            if (method == null && url == null && i + 1 < operands.Count && a.Length > 0 && a.All(char.IsAsciiLetter))
            { method = a.ToUpperInvariant(); evidence.Add(new(a, $"method {method}")); continue; }
            if (method == null && url == null && i + 1 < operands.Count && Curl.HasControl(a))
            { method = a; unknown = true; evidence.Add(new(HttpBody.Short(a), "method with a control character (unknown)")); continue; }
            if (url == null) { url = a; continue; }
            // Request items.
            int sep = ItemSeparator(a, out var kind);
            if (sep < 0) continue;
            var key = a[..sep];
            var val = a[(sep + kind.Length)..];
            switch (kind)
            {
                case "==": queryParams.Add($"{key}={Uri.EscapeDataString(val)}"); break;
                case ":":
                    if (Curl.HasControl(a)) { unknown = true; evidence.Add(new(HttpBody.Short(a), "header with a control character (unknown)")); }
                    if (Curl.MethodOverride(key + ":" + val) is string m) { over = m; evidence.Add(new(a, $"method overridden to {m}")); }
                    break;
                case ":=":
                case ":=@":
                case "=@":
                case "=":
                case "@":
                    data = true;
                    if (kind is "=@" or ":=@" or "@")
                    {
                        var text = InputPaths.Read(c, c.Context, val, dashIsStdin: false, out var why);
                        if (text == null && kind != "@") { unknown = true; evidence.Add(new(a, $"value from {why}")); }
                        if (text == null && kind == "@" && key.Length == 0) { unknown = true; evidence.Add(new(a, $"body from {why}")); }
                        val = text ?? "";
                        if (kind == "@" && key.Length == 0) { raw = val; break; }
                    }
                    if (key == "query") query = val;
                    if (key == "_method") over = val.ToUpperInvariant();
                    if (json.Length > 0) json.Append(',');
                    json.Append(System.Text.Json.JsonSerializer.Serialize(key, JsonContext.Default.String)).Append(':');
                    json.Append(kind.StartsWith(':') ? val : System.Text.Json.JsonSerializer.Serialize(val, JsonContext.Default.String));
                    break;
            }
        }
        if (raw == null && !data && !ignoreStdin && c.StdinText != null) { raw = c.StdinText; data = true; }
        else if (raw == null && !data && !ignoreStdin && c.StdinOpaque) { unknown = true; data = true; evidence.Add(new("stdin", "body from a pipe (unknown)")); }
        method ??= data ? "POST" : "GET";
        Effect effect = Curl.MethodEffect(method);
        string body = raw ?? (json.Length > 0 ? "{" + json + "}" : "");
        if (body.Length > 0 && HttpBody.Analyze(body, body, evidence) is Effect be)
            effect = method is "POST" or "GET" ? be : ToolHelp.Max(effect, be);
        if (queryParams.Count > 0 && method is "POST" or "GET" && HttpBody.Analyze(string.Join('&', queryParams), string.Join('&', queryParams), evidence) is Effect qe)
            effect = ToolHelp.Max(effect, qe);
        over ??= Curl.FormMethod(string.Join('&', queryParams), evidence);
        if (over != null) effect = ToolHelp.Max(effect, Curl.MethodEffect(over));
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        var targets = new List<Target>();
        if (url != null)
        {
            string defaultScheme = scheme ?? (name is "https" or "xhs" ? "https" : "http");
            string u = url.StartsWith(':') ? "localhost" + url : url; // ":3000/x" is localhost
            if (UrlParser.TryParse(u, defaultScheme, out var t))
            {
                targets.Add(t);
                evidence.Add(new(url, $"target {t}"));
                // As curl: POST /users/7/deactivate names its action; SQL over HTTP (ClickHouse :8123, /_sql, {"sql": …}).
                if (effect == Effect.Write && Curl.ActionOf(t.Path) is Effect ae) { effect = ToolHelp.Max(effect, ae); evidence.Add(new(url, $"{method} to an action named {ae.Name()}")); }
                if (effect == Effect.Write && ServiceSwitch.Of(t.Path, body.Length > 0 ? body : null, url, evidence) is Effect sw) effect = ToolHelp.Max(effect, sw);
                if ((body.Length > 0 || u.Contains('?')) && SqlOverHttp.Of(t, u, body.Length > 0 ? body : null, evidence) is Effect se) effect = ToolHelp.Max(effect, se);
            }
            if (Curl.HasControl(url) || t?.Scheme is not ("http" or "https"))
            {
                effect = ToolHelp.Max(effect, Effect.Unknown);
                evidence.Add(new(HttpBody.Short(url), "URL with a control character or a scheme other than HTTP (unknown)"));
            }
        }
        foreach (var r in resolves)
        {
            var parts = r.Split(':');
            if (parts.Length >= 3 && UrlParser.TryParse("http://" + string.Join(':', parts.Skip(2)), "http", out var rt)) { targets.Add(rt); evidence.Add(new(r, $"connects to {rt.Host} instead")); }
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
