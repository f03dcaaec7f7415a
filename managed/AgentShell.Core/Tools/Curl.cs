using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>curl: for each request group (<c>--next</c> starts another) the method, URLs and body,
/// read with curl's own option grammar (<see cref="Options"/>). What the request carries beyond its
/// method decides too: a GraphQL operation in the body or query, a method override header, a URL
/// whose scheme sends raw bytes (gopher, telnet, dict, smtp, … → unknown), and control characters
/// in what curl copies onto the wire unchanged (method, headers, URL, request target → unknown: a
/// second request can hide behind a CR LF). An option curl does not know, an ambiguous prefix or a
/// missing value make the effect unknown.</summary>
public static partial class Curl
{
    /// <summary>Parses curl's arguments (argv without argv[0]).</summary>
    public static CommandIntent Parse(IReadOnlyList<string> args, IExecContext ctx) => Parse(args, ctx, null);

    /// <summary>Parses curl's arguments; <paramref name="call"/> supplies stdin for <c>@-</c> bodies.</summary>
    public static CommandIntent Parse(IReadOnlyList<string> args, IExecContext ctx, ToolCall? call)
    {
        var evidence = new List<Evidence>();
        List<Request>? groups = null; // PERF: the groups before the last (--next); most commands have one
        var r = new Request();
        bool unknown = false, config = false, help = false;
        var reader = new OptionReader(Options, args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand)
            {
                if (t.Value == "-" && !reader.OptionsEnded) { unknown = true; evidence.Add(new("-", "option - is not in the option table (effect unknown)")); }
                else r.Urls.Add((t.Value!, t.Value!));
                continue;
            }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            string value = t.Value ?? "";
            if (t.Expanded && value.Contains("{{", StringComparison.Ordinal))
            {
                unknown = true;
                evidence.Add(new(t.Text, "value built from curl variables (unknown)"));
            }
            switch (t.Name)
            {
                case "--request":
                    r.Method = InvariantCase.Upper(value);
                    evidence.Add(Evidence.Joined(t, "method ", r.Method));
                    unknown |= Raw(t, value, "method", evidence);
                    break;
                case "--head": r.Head = t.IsOn; if (r.Head) evidence.Add(new(t.Text, "method HEAD")); break;
                case "--get": r.Get = t.IsOn; if (r.Get) evidence.Add(new(t.Text, "data sent as query (GET)")); break;
                case "--data": case "--data-ascii": case "--data-binary": case "--json":
                    r.Data(t.Text);
                    if (t.Name == "--json") evidence.Add(new(t.Text, "JSON body (POST)"));
                    r.BodyUnknown |= !Body(r, value, t.Text, "", call, ctx, evidence);
                    break;
                case "--data-raw":
                    r.Data(t.Text);
                    // No @file here; a substitution the shell simulation left is read as for --data.
                    if (value.StartsWith('@') || !value.Contains("$(", StringComparison.Ordinal) && !value.Contains('`')) r.Bodies.Add(value);
                    else r.BodyUnknown |= !Body(r, value, t.Text, "", call, ctx, evidence);
                    break;
                case "--data-urlencode":
                {
                    r.Data(t.Text);
                    // As curl: "name=content" (the first '=' wins), else "name@file", else "content".
                    int eq = value.IndexOf('='), at = value.IndexOf('@');
                    if (eq >= 0) r.Bodies.Add(eq > 0 ? value : value[1..]);
                    else if (at >= 0) r.BodyUnknown |= !Body(r, value[at..], t.Text, at > 0 ? value[..at] + "=" : "", call, ctx, evidence);
                    else r.Bodies.Add(value);
                    break;
                }
                case "--form": case "--form-string":
                    r.Data(t.Text); r.Form = true;
                    evidence.Add(new(t.Text, "multipart form (POST)"));
                    int feq = value.IndexOf('=');
                    unknown |= Raw(t, feq >= 0 ? value[..feq] : value, "form field name", evidence);
                    // GraphQL multipart requests carry the document in an "operations" part.
                    if (value.StartsWith("operations=", StringComparison.Ordinal))
                    {
                        var part = value[11..];
                        if (t.Name == "--form-string") r.Bodies.Add(part);
                        else r.BodyUnknown |= !Body(r, part.StartsWith('<') ? "@" + part[1..] : part, t.Text, "", call, ctx, evidence); // <file: its content as the value
                    }
                    break;
                case "--upload-file": r.Upload = true; evidence.Add(new(t.Text, "upload (PUT)")); break;
                case "--url": r.Urls.Add((value, t.Text)); break;
                case "--url-query": r.Queries.Add(value); unknown |= Raw(t, value, "URL query", evidence); break;
                case "--request-target":
                    r.RequestTarget = value;
                    evidence.Add(new(t.Text, $"request target {value}"));
                    unknown |= Raw(t, value, "request target", evidence);
                    break;
                case "--header": case "--proxy-header":
                    unknown |= Raw(t, value, "header", evidence);
                    if (t.Name == "--header") r.Override(MethodOverride(value), t.Text, evidence);
                    break;
                case "--user-agent": case "--referer": case "--cookie": case "--mail-from": case "--mail-rcpt": case "--mail-auth":
                    unknown |= Raw(t, value, "header", evidence);
                    break;
                case "--quote": case "--telnet-option": case "--upload-flags": case "--ftp-method":
                    r.Commands = true; evidence.Add(new(t.Text, "protocol commands"));
                    break;
                case "--proto-default": r.ProtoDefault = value.ToLowerInvariant(); evidence.Add(new(t.Text, $"scheme-less URLs use {value}")); break;
                case "--connect-to": case "--resolve": r.Reroutes.Add((value, t.Text)); break;
                case "--globoff": r.GlobOff = t.IsOn; break;
                case "--engine" when value.Contains('/'):
                    // OpenSSL's ENGINE_by_id dlopens an id that is a path: code of the command's choosing runs in curl.
                    unknown = true; evidence.Add(new(t.Text, $"loads {value} into curl as an OpenSSL engine (code that runs in curl: unknown)"));
                    break;
                case "--config": config = true; evidence.Add(new(t.Text, "options from a config file (unknown)")); break;
                case "--next": (groups ??= []).Add(r); r = r.Next(); break;
                case "--help": case "--manual": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("curl", "--help");

        var targets = new List<Target>();
        Effect effect = Effect.Read;
        object summary = ""; // a string, or one made when read (Request.Evaluate)
        int earlier = groups?.Count ?? 0;
        for (int gi = 0; gi <= earlier; gi++)
        {
            var g = gi < earlier ? groups![gi] : r;
            var (e, s) = g.Evaluate(targets, evidence);
            if (e > effect || summary is string { Length: 0 }) { effect = ToolHelp.Max(effect, e); summary = s; }
        }
        if (unknown || config) effect = ToolHelp.Max(effect, Effect.Unknown);
        // Name the GraphQL mutation fields: "POST …/graphql/v2 (mutation volumeDelete)" says what was refused.
        // PERF: a loop, not a query: most requests name no mutation and allocate nothing here.
        List<string>? mutations = null;
        foreach (var e in evidence)
            if (e.FactStartsWith("GraphQL mutation field ") && !(mutations ??= []).Contains(e.Token)) mutations.Add(e.Token);
        if (mutations != null) summary = $"{summary} (mutation {string.Join(", ", mutations)})";
        return new CommandIntent { Tool = "curl", Effect = effect, Targets = targets, Evidence = evidence, LazySummary = summary };
    }

    // A body argument: "@file" (or "@-", stdin under any name) is read, anything else is the body.
    private static bool Body(Request r, string value, string token, string prefix, ToolCall? call, IExecContext ctx, List<Evidence> evidence)
    {
        // A command substitution the shell simulation (check, hooks) left in the text: $(cat F) and $(< F) are F's
        // content; the output of any other program (jq -n '…mutation…', printf) is not known here.
        if (value.Contains("$(", StringComparison.Ordinal) || value.Contains('`'))
        {
            var inner = value.AsSpan().Trim();
            if (inner.StartsWith("$(") && inner.EndsWith(")") && inner[2..^1].Trim() is var sub
                && (sub.StartsWith("cat ") || sub.StartsWith("<")) && sub[(sub[0] == '<' ? 1 : 4)..].Trim() is var f && f.IndexOfAny(" |;&$`<>") < 0)
                value = "@" + f.ToString();
            else { evidence.Add(new(token, "body from a command's output (not known here)")); return false; }
        }
        if (!value.StartsWith('@')) { r.Bodies.Add(prefix + value); return true; }
        var text = InputPaths.Read(call, ctx, value[1..], dashIsStdin: true, out var why);
        if (text == null) { evidence.Add(new(token, $"body from {why}")); return false; }
        r.Bodies.Add(prefix + text);
        return true;
    }

    /// <summary>True (and evidence) when <paramref name="value"/>, which curl copies onto the wire
    /// unchanged, holds a control character: CR LF ends a header or request line and can start
    /// another request.</summary>
    private static bool Raw(in OptionToken t, string value, string what, List<Evidence> evidence)
    {
        if (!HasControl(value)) return false;
        evidence.Add(new(HttpBody.Short(t.Text), $"{what} with a control character (can smuggle another request; unknown)"));
        return true;
    }

    /// <summary>True when <paramref name="s"/> holds a C0 control character other than tab, or DEL.</summary>
    public static bool HasControl(string s) => s.AsSpan().IndexOfAny(Controls) >= 0;

    // PERF: a vectorised search (a loop over each character was ~3x slower on a URL).
    private static readonly System.Buffers.SearchValues<char> Controls =
        System.Buffers.SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(c => c != '\t').Select(c => (char)c), '\u007F']);

    // X-HTTP-Method-Override: DELETE and its variants: many frameworks take the method from it.
    internal static string? MethodOverride(string header)
    {
        int colon = header.IndexOf(':');
        if (colon <= 0) return null;
        var name = header.AsSpan(0, colon).Trim();
        if (!name.Equals("X-HTTP-Method-Override", StringComparison.OrdinalIgnoreCase) && !name.Equals("X-HTTP-Method", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("X-Method-Override", StringComparison.OrdinalIgnoreCase)) return null;
        var v = header[(colon + 1)..].Trim();
        return v.Length == 0 ? null : v.ToUpperInvariant();
    }

    /// <summary>Effect of an HTTP method by itself (the body may say more).</summary>
    public static Effect MethodEffect(string method) => method switch
    {
        "GET" or "HEAD" or "OPTIONS" or "TRACE" => Effect.Read,
        "DELETE" or "PURGE" => Effect.Delete,
        "POST" or "PUT" or "PATCH" => Effect.Write,
        _ => Effect.Unknown,
    };
}
