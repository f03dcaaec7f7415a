using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>SQL sent over HTTP: ClickHouse's HTTP interface (port 8123, 8443 for TLS: the body or a
/// <c>query=</c> parameter is the statement), and SQL endpoints whose path names them
/// (<c>/_sql</c> of Elasticsearch and CrateDB, <c>/exec</c> of QuestDB, <c>/query</c> of InfluxDB,
/// <c>/db/execute</c> of rqlite, <c>/v2/pipeline</c> of libSQL/Turso, <c>/sql</c> of Neon and
/// others). A JSON body's <c>sql</c>, <c>stmt</c> or <c>statement</c> string is SQL on any
/// endpoint (D1, Snowflake, Databricks, Hasura's <c>run_sql</c>). Only a destructive statement
/// raises the request's effect: a body that is not SQL after all changes nothing.</summary>
public static class SqlOverHttp
{
    // Last path segments of SQL-over-HTTP endpoints (lower case).
    private static readonly HashSet<string> Endpoints = new(StringComparer.OrdinalIgnoreCase)
    {
        "sql", "_sql", "exec", "execute", "query", "statement", "statements", "pipeline", "sql-query", "run_sql", "_query",
    };

    /// <summary>True when <paramref name="t"/> is an endpoint that takes SQL in its body or query string.</summary>
    public static bool IsEndpoint(Target t)
    {
        if (t.Port is 8123 or 8443) return true;
        var p = t.Path.AsSpan().TrimEnd('/');
        int slash = p.LastIndexOf('/');
        return slash >= 0 && Endpoints.GetAlternateLookup<ReadOnlySpan<char>>().Contains(p[(slash + 1)..]);
    }

    /// <summary>The destructive effect of SQL in <paramref name="body"/> or the URL's
    /// <c>query=</c>/<c>q=</c>/<c>sql=</c> parameters, or null.</summary>
    public static Effect? Of(Target t, string url, string? body, List<Evidence> evidence)
    {
        bool endpoint = IsEndpoint(t);
        Effect? worst = null;
        if (body != null)
        {
            var trimmed = body.AsSpan().TrimStart();
            // PERF: a JSON body is parsed again only on a SQL endpoint or when it names a SQL key (every
            // curl JSON body was parsed twice: +168 B and more per request in the table bench).
            if (trimmed.Length > 0 && trimmed[0] is '{' or '[')
            {
                if (endpoint || NamesSqlKey(body) || body.Contains('\\')) Json(body, endpoint, evidence, ref worst); // "\u0073ql" is "sql"
            }
            // A form body (curl -G/--data-urlencode 'q=DROP …', InfluxDB's q=) holds its SQL in a parameter.
            else if (endpoint && !Form(body, evidence, ref worst)) Statement(body, body, evidence, ref worst);
        }
        if (endpoint)
        {
            int q = url.IndexOf('?');
            if (q >= 0)
            {
                int hash = url.IndexOf('#', q);
                Form(hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash], evidence, ref worst);
            }
        }
        return worst;
    }

    /// <summary>True when <paramref name="body"/> contains "sql", "stmt" or "statement" in any case,
    /// as <see cref="StringComparison.OrdinalIgnoreCase"/> finds them (it folds no other character
    /// onto an ASCII letter: a test checks every one). PERF: one pass from each S to the word after
    /// it; the three case-insensitive searches (invariant-mode casing, scalar) were 6% of curl's
    /// time over its corpus cases (perf).</summary>
    internal static bool NamesSqlKey(string body)
    {
        var rest = body.AsSpan();
        for (int at; (at = rest.IndexOfAny('s', 'S')) >= 0; rest = rest[(at + 1)..])
        {
            var after = rest[(at + 1)..];
            if (Follows(after, "ql") || Follows(after, "tmt") || Follows(after, "tatement")) return true;
        }
        return false;

        // ASCII letters only: (c | 0x20) is the lower case of an ASCII letter and never one for c >= 0x80.
        static bool Follows(ReadOnlySpan<char> s, string lower)
        {
            if (s.Length < lower.Length) return false;
            for (int i = 0; i < lower.Length; i++) if ((s[i] | 0x20) != lower[i]) return false;
            return true;
        }
    }

    // query=, q=, sql=, stmt= parameters of a query string or form body; false when there are none.
    private static bool Form(string text, List<Evidence> evidence, ref Effect? worst)
    {
        bool any = false;
        foreach (var part in text.Split('&'))
        {
            int eq = part.IndexOf('=');
            if (eq > 0 && part[..eq] is "query" or "q" or "sql" or "stmt") { any = true; Statement(Unescape(part[(eq + 1)..]), part, evidence, ref worst); }
        }
        return any;
    }

    private static void Json(string body, bool endpoint, List<Evidence> evidence, ref Effect? worst)
    {
        JsonDocument doc;
        if (JsonPrecheck.SurelyInvalid(body)) return; // PERF: as the parse's exception says, without it
        try { doc = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 }); }
        catch (JsonException) { return; }
        using (doc) Walk(doc.RootElement, endpoint, 0, evidence, ref worst);
    }

    // Turso's pipeline nests SQL three levels down ({"requests":[{"stmt":{"sql":…}}]}): depth 6 covers it.
    private static void Walk(JsonElement e, bool endpoint, int depth, List<Evidence> evidence, ref Effect? worst)
    {
        if (depth > 6) return;
        if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray())
            {
                if (x.ValueKind == JsonValueKind.String && endpoint) Statement(x.GetString()!, x.GetString()!, evidence, ref worst); // rqlite: ["DROP TABLE t"]
                else Walk(x, endpoint, depth + 1, evidence, ref worst);
            }
            return;
        }
        if (e.ValueKind != JsonValueKind.Object) return;
        foreach (var p in e.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.String)
            {
                bool sqlKey = p.Name.Equals("sql", StringComparison.OrdinalIgnoreCase) || p.Name.Equals("stmt", StringComparison.OrdinalIgnoreCase)
                    || p.Name.Equals("statement", StringComparison.OrdinalIgnoreCase);
                bool queryKey = endpoint && (p.Name.Equals("query", StringComparison.OrdinalIgnoreCase) || p.Name.Equals("q", StringComparison.OrdinalIgnoreCase));
                if (sqlKey || queryKey) Statement(p.Value.GetString()!, p.Name, evidence, ref worst);
            }
            else Walk(p.Value, endpoint, depth + 1, evidence, ref worst);
        }
    }

    private static void Statement(string sql, string token, List<Evidence> evidence, ref Effect? worst)
    {
        if (sql.Length == 0) return;
        var r = SqlScanner.Scan(sql);
        if (!r.Effect.IsDestructive()) return;
        evidence.Add(new(HttpBody.Short(token), $"SQL over HTTP: {r.Summary} → {r.Effect.Name()}"));
        worst = worst is Effect w ? ToolHelp.Max(w, r.Effect) : r.Effect;
    }

    private static string Unescape(string s)
    {
        try { return Uri.UnescapeDataString(s.Replace('+', ' ')); }
        catch (UriFormatException) { return s; }
    }
}
