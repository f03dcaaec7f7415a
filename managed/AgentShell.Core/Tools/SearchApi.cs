using System.Text;
using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The Elasticsearch and OpenSearch REST APIs whose method says less than they do
/// (their endpoints are the <c>_</c> segments of the path): <c>POST /INDEX/_close</c> (also
/// <c>_all</c>, wildcards) and <c>_freeze</c> take indices offline (terminate);
/// <c>PUT /_cluster/settings</c> and <c>PUT /INDEX/_settings</c> that stop shard allocation
/// (<c>routing.allocation.enable: none|primaries</c>) or set a <c>blocks.*</c> (read_only, write, …)
/// terminate, and one that turns <c>action.destructive_requires_name</c> off is unknown (a
/// safeguard against wildcard deletes removed); <c>POST /_aliases</c> with a <c>remove_index</c>
/// action drops the index; <c>_bulk</c> with a <c>delete</c> action deletes;
/// <c>_delete_by_query</c>/<c>_update_by_query</c> without a query or with <c>match_all</c> reach
/// every document (wipe, as a DELETE or UPDATE without WHERE); <c>POST
/// /_security/user/NAME/_disable</c> terminates the account. A body that is not JSON where one is
/// read is unknown. DELETE requests are deletes by their method already.</summary>
internal static class SearchApi
{
    /// <summary>True when <paramref name="path"/> has a segment starting with <c>_</c> (every API above).</summary>
    // PERF: the one test every writing request pays; the rest runs only for such paths.
    internal static bool MayBe(string? path) => path != null && path.Contains("/_", StringComparison.Ordinal);

    /// <summary>The effect of a writing request to <paramref name="path"/> with <paramref name="body"/>
    /// (null: none), or null when it is none of the APIs above.</summary>
    internal static Effect? Of(string path, string? query, string? body, string token, List<Evidence> evidence)
    {
        int q = path.AsSpan().IndexOfAny('?', '#');
        var segments = (q >= 0 ? path[..q] : path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0) return null;
        var last = segments[^1];
        string target = segments.Length > 1 ? segments[^2] : "the cluster";
        switch (last)
        {
            case "_close" or "_freeze":
                evidence.Add(new(token, $"{last} takes {(segments.Length > 1 ? "index " + target : "every index")} offline (terminate)"));
                return Effect.Terminate;
            case "settings" when segments.Length == 2 && segments[0] == "_cluster":
            case "_settings":
                return Settings(body, token, evidence);
            case "_aliases":
                return body == null ? Effect.Write : Walk(body, token, evidence, static (key, _, _) => key == "remove_index" || key.EndsWith(".remove_index", StringComparison.Ordinal) ? (Effect.Drop, "an _aliases remove_index action drops the index") : null, keysToo: true) ?? Effect.Write;
            case "_bulk":
                return Bulk(body, token, evidence);
            case "_delete_by_query" or "_update_by_query":
            {
                bool all = AllDocuments(body, query, token, evidence, out var unreadable);
                if (unreadable) return Effect.Unknown;
                if (!all) return last == "_delete_by_query" ? Effect.Delete : null;
                evidence.Add(new(token, $"{last} without a query (or match_all): every document of {target} (wipe)"));
                return Effect.Wipe;
            }
            case "_restore" when Array.IndexOf(segments, "_snapshot") >= 0:
                return Restore(body, target, token, evidence);
            case "_disable" when segments.Length >= 3 && segments[^3] is "user" or "internalusers" && Array.IndexOf(segments, "_security") >= 0:
                evidence.Add(new(token, $"disables user {target} (terminate)"));
                return Effect.Terminate;
        }
        return null;
    }

    // A snapshot restore writes the snapshot's indices over closed indices of the same name (what was
    // written since is lost): truncate, unless a rename_replacement gives them other names (a write).
    private static Effect Restore(string? body, string snapshot, string token, List<Evidence> evidence)
    {
        bool renamed = false;
        // A replacement of only group references ("$1") gives every index its own name back: no rename.
        if (body != null && Walk(body, token, evidence, (key, _, value) =>
            {
                renamed |= key == "rename_replacement" && value != null && System.Text.RegularExpressions.Regex.Replace(value, @"\$\{?\d+\}?", "").Length > 0;
                return null;
            }) == Effect.Unknown)
            return Effect.Unknown;
        evidence.Add(new(token, renamed ? $"restores snapshot {snapshot} under new names (write)" : $"restores snapshot {snapshot} over the indices of the same name (truncate)"));
        return renamed ? Effect.Write : Effect.Truncate;
    }

    // Cluster or index settings: allocation off or a block set stops the service; the name safeguard off is unknown.
    private static Effect? Settings(string? body, string token, List<Evidence> evidence)
    {
        if (body == null) return Effect.Write;
        return Walk(body, token, evidence, static (key, kind, value) =>
        {
            if (key.EndsWith("routing.allocation.enable", StringComparison.Ordinal) && kind == JsonTokenType.String && value is "none" or "primaries" or "new_primaries")
                return (Effect.Terminate, $"{key}: {value} stops shard allocation (terminate)");
            if (IsBlock(key) && (kind == JsonTokenType.True || value == "true"))
                return (Effect.Terminate, $"{key}: true blocks the indices (terminate)");
            if (key.EndsWith("destructive_requires_name", StringComparison.Ordinal) && (kind == JsonTokenType.False || value == "false"))
                return (Effect.Unknown, $"{key}: false lets a wildcard delete every index (unknown)");
            return null;
        }) ?? Effect.Write;
    }

    private static bool IsBlock(string key)
    {
        int b = key.LastIndexOf("blocks.", StringComparison.Ordinal);
        return b >= 0 && key[(b + 7)..] is "read_only" or "read_only_allow_delete" or "write" or "read" or "metadata";
    }

    // _bulk: NDJSON action lines ({"delete": {...}}); -d @file joins the lines, so the values are read as a stream.
    private static Effect? Bulk(string? body, string token, List<Evidence> evidence)
    {
        if (body == null) return null;
        return Walk(body, token, evidence, static (key, _, _) => key == "delete" ? (Effect.Delete, "a _bulk delete action") : null, topLevelOnly: true);
    }

    // True when a by-query request reaches every document: no query (body or q=), or match_all.
    private static bool AllDocuments(string? body, string? query, string token, List<Evidence> evidence, out bool unreadable)
    {
        unreadable = false;
        bool hasQ = query != null && (query.StartsWith("q=", StringComparison.Ordinal) || query.Contains("&q=", StringComparison.Ordinal));
        if (body == null || body.AsSpan().Trim().Length == 0) return !hasQ || query!.Contains("q=*", StringComparison.Ordinal);
        bool queryKey = false, matchAll = false;
        var e = Walk(body, token, evidence, (key, _, _) =>
        {
            if (key == "query") queryKey = true;
            else if (key.StartsWith("query.", StringComparison.Ordinal) && key.EndsWith("match_all", StringComparison.Ordinal)) matchAll = true;
            return null;
        }, keysToo: true);
        if (e == Effect.Unknown) { unreadable = true; return false; }
        return matchAll || !queryKey && !hasQ;
    }

    private delegate (Effect, string)? Visitor(string key, JsonTokenType kind, string? value);

    // Visits every property of the JSON value(s) in body with its dotted path ("persistent.cluster.blocks.read_only")
    // and its scalar value; the worst effect a visitor returns, Unknown for text that is not JSON, else null.
    private static Effect? Walk(string body, string token, List<Evidence> evidence, Visitor visit, bool topLevelOnly = false, bool keysToo = false)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new List<string>(4);
        string? pending = null;
        Effect? worst = null;
        try
        {
            while (reader.Read())
            {
                var kind = reader.TokenType;
                if (kind is JsonTokenType.StartObject or JsonTokenType.StartArray) { stack.Add(pending ?? ""); pending = null; continue; }
                if (kind is JsonTokenType.EndObject or JsonTokenType.EndArray) { stack.RemoveAt(stack.Count - 1); continue; }
                if (kind == JsonTokenType.PropertyName)
                {
                    pending = reader.GetString();
                    if (!(keysToo || topLevelOnly && reader.CurrentDepth == 1)) continue;
                }
                else if (topLevelOnly || keysToo || pending == null) { pending = null; continue; }
                var key = Key(stack, pending!);
                if (visit(key, kind, kind == JsonTokenType.String ? reader.GetString() : null) is var (e, why))
                {
                    evidence.Add(new(HttpBody.Short(token), why));
                    worst = worst is Effect w ? ToolHelp.Max(w, e) : e;
                }
                if (kind != JsonTokenType.PropertyName) pending = null;
            }
        }
        catch (JsonException)
        {
            evidence.Add(new(HttpBody.Short(token), "body is not JSON (unknown)"));
            return Effect.Unknown;
        }
        return worst;
    }

    // The dotted path of a property: its enclosing properties' names (array elements add none).
    private static string Key(List<string> stack, string name)
    {
        var sb = new StringBuilder();
        foreach (var s in stack) if (s.Length > 0) sb.Append(s).Append('.');
        return sb.Append(name).ToString();
    }
}
