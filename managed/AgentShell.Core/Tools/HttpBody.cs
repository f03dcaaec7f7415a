using System.Text;
using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What an HTTP request body (or a GET query string) says beyond its method: a GraphQL
/// document in a JSON <c>{"query": ...}</c> body, a batch of them, a form/URL <c>query=</c>
/// parameter, or a raw document (<c>Content-Type: application/graphql</c>,
/// <c>mutation { deleteUser(id: 7) }</c>), which servers take whatever the header says.</summary>
public static class HttpBody
{
    /// <summary>Effect of a GraphQL request in <paramref name="body"/>, or null when the body is not
    /// GraphQL. Adds what it found to <paramref name="evidence"/>.</summary>
    public static Effect? Analyze(string body, string token, List<Evidence> evidence) => Analyze(body, token, evidence, null);

    /// <summary>As <see cref="Analyze(string, string, List{Evidence})"/>, with the request URL's
    /// <c>operationName</c> values: express-graphql and graphql-http take the URL's before the
    /// body's, so both name the operation that may run.</summary>
    public static Effect? Analyze(string body, string token, List<Evidence> evidence, IReadOnlyList<string>? urlOperationNames)
    {
        var trimmed = body.AsSpan().TrimStart();
        if (trimmed.Length == 0) return null;
        if (trimmed[0] is '{' or '[')
        {
            var json = AnalyzeJson(body, token, evidence, urlOperationNames, out bool isJson);
            // Not JSON: a raw GraphQL document in shorthand form ({ me { id } }) is a query.
            return isJson || json != null || trimmed[0] == '[' ? json : Raw(body, "{", token, evidence);
        }
        // A description may come first ("…" or """…""", September 2025 spec).
        if (RawKeyword(trimmed[0] == '"' ? AfterString(trimmed).TrimStart() : trimmed) is string keyword) return Raw(body, keyword, token, evidence);
        // application/x-www-form-urlencoded or a query string: query=...&operationName=...
        // Servers disagree on a repeated field (Go's FormValue and URLSearchParams.get keep the
        // first, PHP and Rack the last) and all decode a key ("%71uery"): every value is read.
        List<string>? queries = null, opNames = null;
        foreach (var part in body.Split('&'))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var key = part.AsSpan(0, eq).IndexOfAny('%', '+') < 0 ? part[..eq] : Unescape(part[..eq]);
            if (key == "query") (queries ??= []).Add(Unescape(part[(eq + 1)..]));
            else if (key == "operationName") (opNames ??= []).Add(Unescape(part[(eq + 1)..]));
        }
        if (queries != null && urlOperationNames is { Count: > 0 }) (opNames ??= []).AddRange(urlOperationNames);
        return queries == null ? null : Documents(queries, opNames, token, evidence);
    }

    /// <summary>The worst of <paramref name="queries"/>, each run as <paramref name="opNames"/>
    /// names, or as every operation when the request names more than one.</summary>
    private static Effect Documents(List<string> queries, List<string>? opNames, string token, List<Evidence> evidence, JsonElement variables = default)
    {
        string? op = opNames is { Count: > 0 } && opNames.TrueForAll(n => n == opNames[0]) ? opNames[0] : null;
        Effect? worst = null;
        foreach (var query in queries)
        {
            var e = Document(query, op, token, evidence, variables);
            worst = worst is Effect w ? ToolHelp.Max(w, e) : e;
        }
        return worst!.Value;
    }

    /// <summary>Effect of a GraphQL document in a URL's query string (GET requests), or null.</summary>
    public static Effect? AnalyzeUrl(string url, List<Evidence> evidence)
    {
        int q = url.IndexOf('?');
        if (q < 0 || !url.Contains("query=", StringComparison.Ordinal) && url.IndexOf('%', q) < 0) return null; // "%71uery=" is query= too
        int hash = url.IndexOf('#', q);
        return Analyze(hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash], url, evidence);
    }

    /// <summary>A form or query value decoded (<c>+</c> is a space); text that is not
    /// percent-encoded after all is returned as given.</summary>
    internal static string Unescape(string s)
    {
        if (!s.Contains('%') && !s.Contains('+')) return s;
        try { return Uri.UnescapeDataString(s.Replace('+', ' ')); }
        catch (UriFormatException) { return s; }
    }

    /// <summary>The operation keyword a raw GraphQL document starts with (after blanks and
    /// <c>#</c> comments), or null: <c>query</c>, <c>mutation</c>, <c>subscription</c>, <c>fragment</c>
    /// followed by a name, <c>(</c>, <c>{</c> or <c>@</c> (so <c>query=…</c> is a form).</summary>
    private static string? RawKeyword(ReadOnlySpan<char> s)
    {
        while (s.Length > 0 && s[0] == '#')
        {
            int nl = s.IndexOf('\n');
            s = nl < 0 ? [] : s[(nl + 1)..].TrimStart();
        }
        foreach (var k in (ReadOnlySpan<string>)["mutation", "query", "subscription", "fragment"])
        {
            if (s.Length > k.Length && s.StartsWith(k, StringComparison.Ordinal) && (char.IsWhiteSpace(s[k.Length]) || s[k.Length] is '(' or '{' or '@' or ','))
                return k;
        }
        return null;
    }

    /// <summary>A raw GraphQL document. One that does not parse is not GraphQL, unless it starts
    /// with <c>mutation</c>/<c>subscription</c>: then what it would do is unknown.</summary>
    private static Effect? Raw(string body, string keyword, string token, List<Evidence> evidence)
    {
        var r = GraphQL.Classify(body, null);
        if (r.Error != null)
        {
            if (keyword is not ("mutation" or "subscription")) return null;
            evidence.Add(new(Short(token), $"raw GraphQL {keyword} that cannot be parsed: {r.Error}"));
            return Effect.Unknown;
        }
        evidence.Add(new(Short(token), "raw GraphQL document (application/graphql)"));
        return Document(body, null, token, evidence);
    }

    private static Effect? AnalyzeJson(string body, string token, List<Evidence> evidence, IReadOnlyList<string>? urlOperationNames, out bool isJson)
    {
        JsonDocument doc;
        isJson = true;
        // PERF: a body that surely does not parse (raw GraphQL, {me{id}}) is told without the parser's
        // exception, which cost 4-12 us; any other body is parsed as before.
        if (JsonPrecheck.SurelyInvalid(body)) return NotJson(body, token, evidence, out isJson);
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return NotJson(body, token, evidence, out isJson);
        }
        using (doc)
        {
            Effect? result = null;
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    var r = Request(e, token, evidence, urlOperationNames);
                    if (r is Effect re) result = result is Effect cur ? ToolHelp.Max(cur, re) : re;
                }
                return result;
            }
            return Request(doc.RootElement, token, evidence, urlOperationNames);
        }
    }

    private static Effect? NotJson(string body, string token, List<Evidence> evidence, out bool isJson)
    {
        isJson = false;
        // Looks like JSON and mentions a query, but does not parse: curl would send it anyway, and
        // a lenient server reads it (Python's json takes NaN), escapes included ("\u0071uery").
        if (body.Contains("query", StringComparison.OrdinalIgnoreCase) || body.Contains('\\'))
        {
            evidence.Add(new(Short(token), "GraphQL body that is not valid JSON"));
            return Effect.Unknown;
        }
        return null;
    }

    // Keys are matched whatever their case and every one is read: Go's encoding/json (gqlgen,
    // graphql-go) and ASP.NET's web defaults take "QUERY" for "query", and a repeated key's last value.
    private static Effect? Request(JsonElement e, string token, List<Evidence> evidence, IReadOnlyList<string>? urlOperationNames)
    {
        if (e.ValueKind != JsonValueKind.Object) return null;
        List<string>? queries = null, opNames = null;
        JsonElement variables = default;
        foreach (var p in e.EnumerateObject())
        {
            if (p.NameEquals("query") || p.Name.Equals("query", StringComparison.OrdinalIgnoreCase))
            {
                // A query DSL object (Elasticsearch, Mongo) or a search string is no document a
                // GraphQL server could run: it answers a syntax error. Numbers and the rest stay unknown.
                if (p.Value.ValueKind == JsonValueKind.Object || p.Value.ValueKind == JsonValueKind.String && !LooksLikeDocument(p.Value.GetString()!))
                    continue;
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    evidence.Add(new(Short(token), "GraphQL query that is not a string"));
                    return Effect.Unknown;
                }
                (queries ??= []).Add(p.Value.GetString()!);
            }
            else if (p.Name.Equals("operationName", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
                (opNames ??= []).Add(p.Value.GetString()!);
            else if (p.Name.Equals("variables", StringComparison.OrdinalIgnoreCase)) variables = p.Value;
        }
        if (queries == null) return JsonRpc(e, token, evidence) ?? SoftDelete.Of(e, token, evidence);
        if (urlOperationNames is { Count: > 0 }) (opNames ??= []).AddRange(urlOperationNames);
        var effect = Documents(queries, opNames, token, evidence, variables);
        // A mutation that only updates, with variables marking the record deleted, deletes it.
        if (effect == Effect.Write && variables.ValueKind == JsonValueKind.Object && SoftDelete.Of(variables, token, evidence, anyDepth: true) is Effect v)
            effect = ToolHelp.Max(effect, v);
        return effect;
    }

    // A JSON-RPC request ({"jsonrpc": "2.0", "method": "deleteAccount", …}): the method names the
    // operation as a GraphQL field does (accounts.delete, user/purge, drop_table); a method naming
    // no destructive verb leaves the body to the other readers.
    private static Effect? JsonRpc(JsonElement e, string token, List<Evidence> evidence)
    {
        // PERF: TryGetProperty compares UTF-8 names in place; enumerating would make a string per key of every JSON body.
        if (!e.TryGetProperty("jsonrpc", out _) || !e.TryGetProperty("method", out var m) || m.ValueKind != JsonValueKind.String) return null;
        var method = m.GetString();
        if (string.IsNullOrEmpty(method)) return null;
        var effect = GraphQL.FieldEffect(method);
        if (effect < Effect.Delete) return null;
        evidence.Add(new(Short(token), $"JSON-RPC method {method}: {effect.Name()}"));
        return effect;
    }

    /// <summary>True when <paramref name="query"/> starts as a GraphQL document does: after
    /// ignored tokens (blanks, commas, a byte-order mark, <c>#</c> comments), a <c>{</c> or an
    /// operation keyword.</summary>
    private static bool LooksLikeDocument(string query)
    {
        var s = query.AsSpan();
        while (s.Length > 0)
        {
            if (s[0] is ' ' or '\t' or '\n' or '\r' or ',' or '\uFEFF') { s = s[1..]; continue; }
            if (s[0] == '#') { int nl = s.IndexOfAny('\n', '\r'); s = nl < 0 ? [] : s[nl..]; continue; }
            // A description ("…" or """…""") before an operation (September 2025 spec): "\"d\" mutation {…}" runs.
            if (s[0] == '"') { s = AfterString(s); continue; }
            break;
        }
        return s.Length > 0 && (s[0] == '{' || RawKeyword(s) != null);
    }

    // Past the GraphQL string (block or not) that s starts with; empty when it does not end.
    private static ReadOnlySpan<char> AfterString(ReadOnlySpan<char> s)
    {
        if (s.StartsWith("\"\"\"", StringComparison.Ordinal))
        {
            for (int i = 3; i + 2 < s.Length; i++)
            {
                if (s[i] == '\\' && s[(i + 1)..].StartsWith("\"\"\"", StringComparison.Ordinal)) { i += 3; continue; }
                if (s[i..].StartsWith("\"\"\"", StringComparison.Ordinal)) return s[(i + 3)..];
            }
            return [];
        }
        for (int i = 1; i < s.Length; i++)
        {
            if (s[i] == '\\') { i++; continue; }
            if (s[i] is '"') return s[(i + 1)..];
            if (s[i] is '\n' or '\r') return [];
        }
        return [];
    }

    /// <summary>The fact of the evidence that names a repository id a GraphQL document gives (its token);
    /// <see cref="Policy.CodeHosts.AddGraphQLRepositories"/> turns it into a target.</summary>
    public const string RepositoryIdFact = "GraphQL repository id";

    private static Effect Document(string query, string? op, string token, List<Evidence> evidence, JsonElement variables = default)
    {
        var r = GraphQL.Classify(query, op);
        if (r.Error != null) { evidence.Add(new(Short(token), r.Error)); return Effect.Unknown; }
        foreach (var id in r.RepositoryIds)
        {
            if (!id.StartsWith('$')) evidence.Add(new(id, RepositoryIdFact));
            else if (variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty(id[1..], out var v) && v.ValueKind == JsonValueKind.String) evidence.Add(new(v.GetString()!, RepositoryIdFact));
        }
        if (r.Fields.Count == 0) evidence.Add(new(Short(token), $"GraphQL {r.Operation} (reads)"));
        foreach (var (f, fe) in r.Fields) evidence.Add(new(f, $"GraphQL mutation field {f}: {fe.Name()}"));
        return r.Effect;
    }

    /// <summary>Summary fragment naming the destructive GraphQL fields, e.g. "volumeDelete".</summary>
    public static string Short(string token) => token.Length > 160 ? token[..160] + "…" : token;
}
