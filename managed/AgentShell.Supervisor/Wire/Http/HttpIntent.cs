using System.IO.Compression;
using System.Text;
using AgentShell.Core.Audit;
using AgentShell.Core.Credentials;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>Turns one HTTP request into what the policy decides on, with the Core code curl's
/// argv goes through: the method's effect (<see cref="Curl.MethodEffect"/>), the URL
/// (<see cref="UrlParser"/>), and a GraphQL document in the query string or the body
/// (<see cref="HttpBody"/>, <see cref="GraphQL"/>: JSON with <c>query</c>, batches,
/// <c>operationName</c>, <c>application/graphql</c>, form fields, multipart <c>operations</c>).
/// The tool is <c>curl</c>, so rules written for curl decide every HTTP client alike. What the
/// wire shows beyond argv fails closed: a compressed body is read decompressed (an unknown coding
/// is unknown), a method override counts (<see cref="MethodOverrides"/>), SQL sent over HTTP is
/// read as curl's is (<see cref="SqlOverHttp"/>), the URL's <c>operationName</c> counts with the
/// body's, a persisted query or a body too large to read is unknown, and what follows an upgrade is unknown.</summary>
internal static class HttpIntent
{
    /// <summary>The request to decide. <paramref name="authority"/>: the destination (host:port) for
    /// a request that names none (HTTP/1.0 without Host). <paramref name="credentials"/>: the
    /// profiles' fingerprints, matched against what the request carries (<see cref="HttpCredentials"/>).</summary>
    /// <param name="serverName">The TLS server name the client sent, or null: a name the request
    /// may be acted on under besides its URL's (<see cref="OtherNames"/>).</param>
    public static WireRequest Build(HttpRequestHead h, RequestBody body, bool tls, string authority, CredentialTable? credentials = null, string? serverName = null)
    {
        string scheme = tls ? "https" : "http";
        string method = h.Method;
        string url = Url(h, scheme, authority);
        var inUrl = new List<string>(0);
        var credential = credentials == null ? null : HttpCredentials.Find(h, url, credentials, inUrl, body);
        // A listed secret in the URL is never shown (messages, pending items, the audit log).
        string display = url;
        foreach (var secret in inUrl) display = display.Replace(secret, Redactor.Mask, StringComparison.Ordinal);
        var evidence = new List<Evidence> { new(method, $"method {method}") };
        Effect effect = Curl.MethodEffect(method);
        var targets = new List<Target>(1);
        Effect? inUrlQuery = null;
        List<Evidence> semicolons;
        if (UrlParser.TryParse(display, scheme, out var target)) // the target is recorded: masked too
        {
            targets.Add(target);
            evidence.Add(new(display, $"target {target}"));
            OtherNames(h, target, scheme, serverName, targets, evidence);
            ServerPaths(targets, evidence);
            if (HttpBody.AnalyzeUrl(url, evidence) is Effect ue && method is "GET" or "POST") effect = ToolHelp.Max(effect, (inUrlQuery = ue).Value);
            // Rack 2 and Python before 3.9.2 also split a query string at ';': "?x=1;query=mutation…".
            // Only a destructive reading counts: a ';' inside a document leaves a fragment that fails to parse there too.
            if (method is "GET" or "POST" && url.IndexOf('?') is int q and >= 0 && url.IndexOf(';', q) > 0
                && HttpBody.AnalyzeUrl(url[..(q + 1)] + url[(q + 1)..].Replace(';', '&'), semicolons = []) is Effect se && se.IsDestructive())
            {
                evidence.AddRange(semicolons);
                effect = ToolHelp.Max(effect, (inUrlQuery = inUrlQuery is Effect iq ? ToolHelp.Max(iq, se) : se).Value);
            }
        }
        // As curl: a GraphQL POST is as destructive as its operation; a document in the URL too
        // (express-graphql runs a POST's URL query before its body's, and its operationName).
        var texts = new List<string>(2);
        var urlOps = url.Contains("operationName", StringComparison.Ordinal) ? MethodOverrides.Fields(Query(url), "operationName").ToList() : null;
        if (body.Length > 0 && Body(h, body, evidence, texts, urlOps) is Effect be)
            effect = method is "POST" or "GET" ? ToolHelp.Max(be, inUrlQuery ?? be) : ToolHelp.Max(effect, be);
        // SQL over HTTP (ClickHouse, /_sql, a JSON "sql" key), as curl's reading finds it.
        if (targets.Count > 0 && (texts.Count > 0 || url.Contains('?')))
            for (int i = 0; i < Math.Max(1, texts.Count); i++)
                if (SqlOverHttp.Of(targets[0], url, i < texts.Count && texts[i].Length > 0 ? texts[i] : null, evidence) is Effect se) effect = ToolHelp.Max(effect, se);
        if (!body.Complete && (MayCarryOperations(h) || texts.Count == 0 || texts.Exists(MayBeJson)))
        {
            effect = ToolHelp.Max(effect, Effect.Unknown);
            evidence.Add(new("body", $"a body over {HttpForward.DecisionBytes / 1024} KiB, not read whole"));
        }
        // A body the readers above gave up on (unknown) still shows its override as sent.
        if (texts.Count == 0 && body.Complete && body.Length > 0) texts.Add(Encoding.UTF8.GetString(body.Span));
        effect = MethodOverrides.Apply(effect, h, url, body.Complete ? texts : [], evidence);
        if (h.Upgrade != null)
        {
            effect = ToolHelp.Max(effect, Effect.Unknown);
            evidence.Add(new("Upgrade: " + h.Upgrade, "a switch of protocol: what is sent after it is not inspected"));
        }
        string shown = $"{method} {display}";
        string? detail = null;
        // PERF: only a request with GraphQL facts pays for collecting them.
        if (evidence.Exists(e => e.Fact.StartsWith("GraphQL", StringComparison.Ordinal)))
        {
            var mutations = evidence.Where(e => e.Fact.StartsWith("GraphQL mutation field ", StringComparison.Ordinal)).Select(e => e.Token).Distinct().ToList();
            if (mutations.Count > 0) shown += $" (mutation {string.Join(", ", mutations)})";
            var graphql = evidence.Where(e => e.Fact.StartsWith("GraphQL", StringComparison.Ordinal)).Select(e => e.Fact).Distinct().ToList();
            detail = string.Join("; ", graphql) + ".";
        }
        var intent = new CommandIntent { Tool = "curl", Effect = effect, Targets = targets, Evidence = evidence, Summary = shown };
        string key = $"{shown}\u0001{(body.Length > 0 ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body.Span)) : "")}";
        return new WireRequest([intent], shown, detail, key, credential);
    }

    /// <summary>The request under each other name and path a server may act on it by, as a target of
    /// its own (the policy decides each target; the strictest wins): the TLS server name, which a
    /// front routing by SNI acts on whatever the Host field says; for an absolute-form target, the
    /// Host field, which Express's req.hostname reads where RFC 9112 and Go take the target's
    /// authority; the forwarded host fields (X-Forwarded-Host, X-Host, X-Original-Host, Forwarded's
    /// host=), which Rails, Django, Laravel and Express behind a trusted proxy take for the host; and
    /// X-Original-URL / X-Rewrite-URL, which IIS's rewrite module and older Symfony and Zend take for
    /// the path. Decided by one name alone, a rule scoped to another was escaped by naming a laxer
    /// production host where the decision read. PERF: one pass over the fields, nothing made when
    /// none of them is there and the names agree (the common case).</summary>
    private static void OtherNames(HttpRequestHead h, Target target, string scheme, string? serverName, List<Target> targets, List<Evidence> evidence)
    {
        if (serverName != null) OtherName(target, scheme, serverName, "TLS server name", targets, evidence);
        bool absolute = h.Target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || h.Target.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        foreach (var (name, value) in h.Headers)
        {
            if (absolute && name.Equals("Host", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
                OtherName(target, scheme, value, "Host field", targets, evidence);
            else if (name.Equals("X-Forwarded-Host", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Host", StringComparison.OrdinalIgnoreCase)
                || name.Equals("X-Original-Host", StringComparison.OrdinalIgnoreCase))
                foreach (var v in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    OtherName(target, scheme, v, name + ":", targets, evidence);
            else if (name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var pair in value.Split([',', ';'], StringSplitOptions.TrimEntries))
                    if (pair.StartsWith("host=", StringComparison.OrdinalIgnoreCase) && pair[5..].Trim('"') is { Length: > 0 } fh)
                        OtherName(target, scheme, fh, "Forwarded host=", targets, evidence);
            }
            else if ((name.Equals("X-Original-URL", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Rewrite-URL", StringComparison.OrdinalIgnoreCase))
                && value.StartsWith('/') && value.Split('?', 2)[0] is var path && path != target.Path)
            {
                targets.Add(new Target { Kind = target.Kind, Scheme = target.Scheme, Host = target.Host, Port = target.Port, Path = path, Database = target.Database, Name = target.Name, Region = target.Region });
                evidence.Add(new($"{name}: {value}", $"{name} {path}, the path a rewriting server routes on: decided under both"));
            }
        }
    }

    /// <summary>Adds <paramref name="authority"/>'s host as a target unless a target already names it
    /// (<paramref name="where"/> says where it was read; PERF: the evidence is made only then).</summary>
    private static void OtherName(Target target, string scheme, string authority, string where, List<Target> targets, List<Evidence> evidence)
    {
        string? host = authority;
        if (authority.AsSpan().IndexOfAny(":[@/") >= 0) host = UrlParser.TryParse($"{scheme}://{authority}/", scheme, out var named) ? named.Host : null;
        if (host is not { Length: > 0 }) return;
        foreach (var t in targets) if (SameHost(host, t.Host)) return;
        targets.Add(Named(target, host));
        evidence.Add(new(authority, $"{where}{(where.EndsWith('=') ? "" : " ")}{authority}, not the request's host {target.Host}: decided under both"));
    }

    /// <summary>Each target again under the path a server that normalises it routes on, when that
    /// differs from the path as sent: Go's ServeMux, nginx, Spring and Kestrel decode %XX, merge
    /// slashes and remove dot segments (Spring drops ";params" too, IIS reads '\' as '/'), Express
    /// reads the path as sent. A rule's Paths matched the raw path alone, so "/x/../admin",
    /// "/%61dmin" or "//admin" escaped a rule on "/admin/**"; decided under both, the strictest wins.
    /// PERF: a path with none of those forms is not copied.</summary>
    private static void ServerPaths(List<Target> targets, List<Evidence> evidence)
    {
        for (int i = 0, n = targets.Count; i < n; i++)
        {
            var t = targets[i];
            if (t.Path is not { } raw || ServerPath(raw) is not { } normal) continue;
            targets.Add(new Target { Kind = t.Kind, Scheme = t.Scheme, Host = t.Host, Port = t.Port, Path = normal, Database = t.Database, Name = t.Name, Region = t.Region });
            if (i == 0) evidence.Add(new(raw, $"path {raw}, {normal} to a server that normalises it: decided under both"));
        }
    }

    /// <summary>The path after percent-decoding (but of '/', '?', '#', '%' and controls), ';'
    /// parameters dropped, '\' read as '/', slashes merged and dot segments removed; null when
    /// that is the path as it is.</summary>
    internal static string? ServerPath(string path)
    {
        if (path.AsSpan().IndexOfAny("%;\\") < 0 && !path.Contains("//", StringComparison.Ordinal) && !path.Contains("/.", StringComparison.Ordinal)) return null;
        var decoded = new StringBuilder(path.Length);
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '%' && i + 2 < path.Length && Uri.IsHexDigit(path[i + 1]) && Uri.IsHexDigit(path[i + 2])
                && (char)Convert.ToInt32(path.Substring(i + 1, 2), 16) is var d && d is > ' ' and < (char)0x7f && d is not ('/' or '?' or '#' or '%'))
            {
                decoded.Append(d);
                i += 2;
            }
            else decoded.Append(c == '\\' ? '/' : c);
        }
        var segments = new List<string>();
        foreach (var part in decoded.ToString().Split('/'))
        {
            string seg = part.IndexOf(';') is int semi and >= 0 ? part[..semi] : part;
            if (seg.Length == 0 || seg == ".") continue;
            if (seg == "..") { if (segments.Count > 0) segments.RemoveAt(segments.Count - 1); continue; }
            segments.Add(seg);
        }
        bool trailing = decoded.Length > 1 && decoded[^1] == '/';
        string normal = "/" + string.Join('/', segments) + (trailing && segments.Count > 0 ? "/" : "");
        return normal == path ? null : normal;
    }

    private static bool SameHost(string a, string? b) =>
        b != null && a.AsSpan().TrimEnd('.').Equals(b.AsSpan().TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    private static Target Named(Target t, string host) => new()
    {
        Kind = t.Kind, Scheme = t.Scheme, Host = host.TrimEnd('.').ToLowerInvariant(), Port = t.Port, Path = t.Path, Database = t.Database, Name = t.Name, Region = t.Region,
    };

    /// <summary>The effective request URI (RFC 9112 §3.3): an absolute-form target as sent, else the
    /// scheme of the connection, the Host field (or the destination) and the target.</summary>
    private static string Url(HttpRequestHead h, string scheme, string authority)
    {
        string t = h.Target;
        if (t.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || t.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return t;
        string host = h.Header("Host") is { Length: > 0 } hh ? hh : authority;
        if (h.Method == "CONNECT") return $"{scheme}://{t}/";
        return t.StartsWith('/') ? $"{scheme}://{host}{t}" : $"{scheme}://{host}/{t}";
    }

    /// <summary>The body's effect; <paramref name="texts"/> gets each text it was read as.</summary>
    private static Effect? Body(HttpRequestHead h, RequestBody body, List<Evidence> evidence, List<string> texts, List<string>? urlOps)
    {
        // Servers part ways on a repeated field: Node and Go keep the first Content-Type, gunicorn's
        // environ the last; a repeated Content-Encoding is one list (RFC 9110 §5.3). Read so.
        if (Values(h, "Content-Type") is { Count: > 1 } types && types.Exists(t => !t.Equals(types[0], StringComparison.OrdinalIgnoreCase)))
        {
            evidence.Add(new("Content-Type: " + string.Join(" / ", types), "two different Content-Type fields: servers keep the first or the last"));
            return Effect.Unknown;
        }
        string? coding = Values(h, "Content-Encoding") is { Count: > 0 } codings ? string.Join(",", codings) : null;
        bool whole = true;
        ReadOnlySpan<byte> bytes = body.Span;
        if (string.IsNullOrWhiteSpace(coding)) { }
        else if (Decode(coding, body.Span, out whole) is { } data) bytes = data;
        else
        {
            evidence.Add(new("Content-Encoding: " + coding, "a body in a coding that cannot be read"));
            return Effect.Unknown;
        }
        // A declared charset is how body-parser (Express, Apollo) reads the body, and how
        // Python's json.loads reads it is the BOM or the zero bytes (Text): both readings count.
        // One not read here (utf-7, where "+AHE-uery" is "query"; EBCDIC) is unknown, not a write.
        string text = Text(bytes);
        string? alternative = null;
        switch (BodyCharsets.Of(h.Header("Content-Type")))
        {
            case null: break;
            case { } cs when BodyCharsets.Decode(cs, bytes) is { } declared:
                if (declared != text) alternative = declared;
                break;
            case { } cs when MayCarryOperations(h):
                evidence.Add(new("Content-Type: " + h.Header("Content-Type"), $"a body in charset {cs}, which is not read"));
                return Effect.Unknown;
        }
        texts.Add(text);
        if (alternative != null) texts.Add(alternative);
        Effect? e = Read(h, text, evidence, urlOps);
        if (alternative != null && Read(h, alternative, evidence, urlOps) is Effect other) e = e is Effect first ? ToolHelp.Max(first, other) : other;
        if (!whole && (MayCarryOperations(h) || MayBeJson(text) || alternative != null && MayBeJson(alternative)))
            return e is Effect known ? ToolHelp.Max(known, Effect.Unknown) : Effect.Unknown;
        return e;
    }

    private static Effect? Read(HttpRequestHead h, string text, List<Evidence> evidence, List<string>? urlOps)
    {
        string type = ContentType(h);
        Effect? e;
        if (type == "application/graphql") e = Document(text, evidence, urlOps);
        else if (type == "multipart/form-data") e = MultipartOperations.Read(text, h.Header("Content-Type") ?? "", evidence);
        else e = HttpBody.Analyze(text, "body", evidence, urlOps);
        if (e == null && (text.Contains("\"persistedQuery\"", StringComparison.Ordinal) || text.Contains("\"documentId\"", StringComparison.Ordinal)))
        {
            evidence.Add(new("body", "a persisted GraphQL operation (its document is not sent)"));
            return Effect.Unknown;
        }
        return e;
    }

    /// <summary>The body as text in the Unicode form it is in, found as Python's json.loads finds it
    /// for bytes (Flask's get_json, Ariadne, Strawberry): a BOM, else where the zero bytes of ASCII
    /// text are in UTF-16 or UTF-32; else UTF-8. Read as UTF-8 alone, a BOM or UTF-16 hid a mutation.</summary>
    internal static string Text(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF])) return new UTF32Encoding(true, false).GetString(b[4..]);
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0, 0])) return Encoding.UTF32.GetString(b[4..]);
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return Encoding.BigEndianUnicode.GetString(b[2..]);
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return Encoding.Unicode.GetString(b[2..]);
        if (b.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return Encoding.UTF8.GetString(b[3..]);
        if (b.Length >= 4)
        {
            if (b[0] == 0) return b[1] != 0 ? Encoding.BigEndianUnicode.GetString(b) : new UTF32Encoding(true, false).GetString(b);
            if (b[1] == 0) return b[2] != 0 || b[3] != 0 ? Encoding.Unicode.GetString(b) : Encoding.UTF32.GetString(b);
        }
        else if (b.Length == 2 && (b[0] == 0 || b[1] == 0)) return b[0] == 0 ? Encoding.BigEndianUnicode.GetString(b) : Encoding.Unicode.GetString(b);
        return Encoding.UTF8.GetString(b);
    }

    private static Effect Document(string document, List<Evidence> evidence, List<string>? urlOps)
    {
        // The URL's operationName picks the operation (express-graphql); names that differ mean any.
        var r = GraphQL.Classify(document, urlOps is { Count: > 0 } && urlOps.TrueForAll(n => n == urlOps[0]) ? urlOps[0] : null);
        if (r.Error != null) { evidence.Add(new("body", r.Error)); return Effect.Unknown; }
        if (r.Fields.Count == 0) evidence.Add(new("body", $"GraphQL {r.Operation} (reads)"));
        foreach (var (f, fe) in r.Fields) evidence.Add(new(f, $"GraphQL mutation field {f}: {fe.Name()}"));
        return r.Effect;
    }

    /// <summary>The body decoded per Content-Encoding (applied in reverse order); null for a coding
    /// not understood or data that does not decode. <paramref name="whole"/>: false when cut at the cap.</summary>
    internal static byte[]? Decode(string encoding, ReadOnlySpan<byte> data, out bool whole)
    {
        whole = true;
        byte[] current = data.ToArray();
        var codings = encoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (int i = codings.Length - 1; i >= 0; i--)
        {
            string c = codings[i].ToLowerInvariant();
            if (c == "identity") continue;
            try
            {
                using var input = new MemoryStream(current);
                using Stream d = c switch
                {
                    "gzip" or "x-gzip" => new GZipStream(input, CompressionMode.Decompress),
                    "deflate" => new ZLibStream(input, CompressionMode.Decompress),
                    "br" => new BrotliStream(input, CompressionMode.Decompress),
                    _ => throw new InvalidDataException(c),
                };
                var output = new MemoryStream();
                var buf = new byte[16384];
                int n;
                while ((n = d.Read(buf)) > 0)
                {
                    output.Write(buf, 0, n);
                    if (output.Length > HttpForward.DecisionBytes) { whole = false; break; }
                }
                current = output.ToArray();
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }
        return current;
    }

    private static List<string> Values(HttpRequestHead h, string name)
    {
        var values = new List<string>(1);
        foreach (var (n, v) in h.Headers) if (n.Equals(name, StringComparison.OrdinalIgnoreCase)) values.Add(v);
        return values;
    }

    private static string ContentType(HttpRequestHead h) =>
        (h.Header("Content-Type") ?? "").Split(';')[0].Trim().ToLowerInvariant();

    // A body whose type says nothing (absent, text, JSON, form, GraphQL, multipart) may hold an operation.
    private static bool MayCarryOperations(HttpRequestHead h) =>
        ContentType(h) is "" or "application/json" or "application/graphql" or "application/graphql-response+json" or "application/x-www-form-urlencoded"
            or "multipart/form-data" or "text/plain" || ContentType(h).EndsWith("+json", StringComparison.Ordinal);

    /// <summary>True when the text read of a body cut at the cap may be the start of JSON: nothing but
    /// whitespace yet, or an object or array opening. A server that reads JSON whatever the declared
    /// type (Go's json.NewDecoder in graph-gophers' relay handler, Starlette's request.json(), Flask's
    /// get_json(force=True)) skips any whitespace to a document past the cap: an octet-stream of a
    /// MiB of blanks and then a mutation was a write decided on the blanks. A binary upload (a
    /// PNG, a tarball) opens otherwise and is still decided on its method.</summary>
    private static bool MayBeJson(string text)
    {
        var t = text.AsSpan().TrimStart();
        t = t.TrimStart('\uFEFF').TrimStart();
        return t.IsEmpty || t[0] is '{' or '[';
    }

    private static string Query(string url)
    {
        int q = url.IndexOf('?');
        return q < 0 ? "" : url[(q + 1)..];
    }
}
