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
    public static Effect? Analyze(string body, string token, List<Evidence> evidence)
    {
        var trimmed = body.AsSpan().TrimStart();
        if (trimmed.Length == 0) return null;
        if (trimmed[0] is '{' or '[')
        {
            var json = AnalyzeJson(body, token, evidence, out bool isJson);
            // Not JSON: a raw GraphQL document in shorthand form ({ me { id } }) is a query.
            return isJson || json != null || trimmed[0] == '[' ? json : Raw(body, "{", token, evidence);
        }
        if (RawKeyword(trimmed) is string keyword) return Raw(body, keyword, token, evidence);
        // application/x-www-form-urlencoded or a query string: query=...&operationName=...
        string? query = null, opName = null;
        foreach (var part in body.Split('&'))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var key = part[..eq];
            if (key == "query") query = Unescape(part[(eq + 1)..]);
            else if (key == "operationName") opName = Unescape(part[(eq + 1)..]);
        }
        return query == null ? null : Document(query, opName, token, evidence);
    }

    /// <summary>Effect of a GraphQL document in a URL's query string (GET requests), or null.</summary>
    public static Effect? AnalyzeUrl(string url, List<Evidence> evidence)
    {
        int q = url.IndexOf('?');
        if (q < 0 || !url.Contains("query=", StringComparison.Ordinal)) return null;
        int hash = url.IndexOf('#', q);
        return Analyze(hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash], url, evidence);
    }

    private static string Unescape(string s)
    {
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

    private static Effect? AnalyzeJson(string body, string token, List<Evidence> evidence, out bool isJson)
    {
        JsonDocument doc;
        isJson = true;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        }
        catch (JsonException)
        {
            isJson = false;
            // Looks like JSON and mentions a query, but does not parse: curl would send it anyway.
            if (body.Contains("\"query\"", StringComparison.Ordinal) && body.Contains("mutation", StringComparison.Ordinal))
            {
                evidence.Add(new(Short(token), "GraphQL body that is not valid JSON"));
                return Effect.Unknown;
            }
            return null;
        }
        using (doc)
        {
            Effect? result = null;
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    var r = Request(e, token, evidence);
                    if (r is Effect re) result = result is Effect cur ? ToolHelp.Max(cur, re) : re;
                }
                return result;
            }
            return Request(doc.RootElement, token, evidence);
        }
    }

    private static Effect? Request(JsonElement e, string token, List<Evidence> evidence)
    {
        if (e.ValueKind != JsonValueKind.Object) return null;
        if (!e.TryGetProperty("query", out var q)) return null;
        if (q.ValueKind != JsonValueKind.String)
        {
            evidence.Add(new(Short(token), "GraphQL query that is not a string"));
            return Effect.Unknown;
        }
        string? op = e.TryGetProperty("operationName", out var on) && on.ValueKind == JsonValueKind.String ? on.GetString() : null;
        return Document(q.GetString()!, op, token, evidence);
    }

    private static Effect Document(string query, string? op, string token, List<Evidence> evidence)
    {
        var r = GraphQL.Classify(query, op);
        if (r.Error != null) { evidence.Add(new(Short(token), r.Error)); return Effect.Unknown; }
        if (r.Fields.Count == 0) evidence.Add(new(Short(token), $"GraphQL {r.Operation} (reads)"));
        foreach (var (f, fe) in r.Fields) evidence.Add(new(f, $"GraphQL mutation field {f}: {fe.Name()}"));
        return r.Effect;
    }

    /// <summary>Summary fragment naming the destructive GraphQL fields, e.g. "volumeDelete".</summary>
    public static string Short(string token) => token.Length > 160 ? token[..160] + "…" : token;
}
