using System.Text.Json;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>Every method override a server may act on instead of the request line's method: the
/// override header fields (also spelt with underscores, which CGI and PHP map onto the same
/// variable), <c>_method</c> in the query string, in a form body, in a multipart part
/// (Rack::MethodOverride reads the parsed form, multipart too, and an untyped POST body as a form) and at the top of a JSON body
/// (Laravel's input bag is the JSON body; express's method-override reads req.body._method).
/// Each counts, a repeated one too (servers keep the first or the last).</summary>
internal static class MethodOverrides
{
    private static readonly string[] Headers = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

    /// <summary><paramref name="effect"/> raised by each override found. <paramref name="bodies"/>:
    /// the body's text as read (raw, decoded); none when the body was not read whole.</summary>
    public static Effect Apply(Effect effect, HttpRequestHead h, string url, IEnumerable<string> bodies, List<Evidence> evidence)
    {
        foreach (var (name, o) in h.Headers)
            if (o.Length > 0 && Array.Exists(Headers, n => n.Equals(name.Replace('_', '-'), StringComparison.OrdinalIgnoreCase)))
                effect = Override(effect, o.Trim(), $"{name}: {o}", evidence);
        int q = url.IndexOf('?');
        if (q >= 0)
            foreach (var qm in Fields(url[(q + 1)..], "_method")) effect = Override(effect, qm, "_method=" + qm, evidence);
        string contentType = (h.Header("Content-Type") ?? "").Split(';')[0].Trim().ToLowerInvariant();
        foreach (var text in bodies)
        {
            if (text.Length == 0) continue;
            // Rack reads a POST without Content-Type as a form (Request#form_data?), and multipart/mixed
            // and multipart/related as parseable data, whose _method MethodOverride takes as well.
            if (contentType is "application/x-www-form-urlencoded" or "")
                foreach (var bm in Fields(text, "_method")) effect = Override(effect, bm, "_method=" + bm, evidence);
            if (contentType.StartsWith("multipart/", StringComparison.Ordinal))
            {
                foreach (var pm in MultipartOperations.Values(text, h.Header("Content-Type") ?? "", "_method", anywhere: false))
                    if (pm.Trim() is { Length: > 0 } m) effect = Override(effect, m, "multipart _method=" + HttpBody.Short(m), evidence);
            }
            else if (text.AsSpan().TrimStart() is ['{', ..] && (text.Contains("_method", StringComparison.Ordinal) || text.Contains('\\')))
                foreach (var jm in JsonField(text, "_method")) effect = Override(effect, jm, "JSON _method: " + jm, evidence);
        }
        return effect;
    }

    private static Effect Override(Effect effect, string method, string token, List<Evidence> evidence)
    {
        method = Upper(method);
        evidence.Add(new(token, $"method overridden to {method}"));
        return ToolHelp.Max(effect, Curl.MethodEffect(method));
    }

    /// <summary>Every non-empty value of field <paramref name="name"/> of a form or query string,
    /// its key decoded as servers do ("%5Fmethod").</summary>
    internal static IEnumerable<string> Fields(string form, string name)
    {
        foreach (var part in form.Split('&'))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || (part.AsSpan(0, eq).IndexOfAny('%', '+') < 0 ? part[..eq] : Unescape(part[..eq])) != name) continue;
            if (Unescape(part[(eq + 1)..]) is { Length: > 0 } value) yield return value;
        }
    }

    // Every string value of the top-level key <paramref name="name"/> (escapes undone; a repeated key each time).
    // A body that is not JSON to .NET is not JSON to those servers either: their parser refuses it.
    private static List<string> JsonField(string text, string name)
    {
        var found = new List<string>(1);
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return found;
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.NameEquals(name) && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } v) found.Add(v);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { } // InvalidOperation: a lone surrogate
        return found;
    }

    private static string Unescape(string s)
    {
        try { return Uri.UnescapeDataString(s.Replace('+', ' ')); }
        catch (UriFormatException) { return s; }
    }

    /// <summary>ASCII upper-casing, as servers compare methods (ToUpperInvariant would also map
    /// non-ASCII letters, reading a method the server does not).</summary>
    private static string Upper(string s) => string.Create(s.Length, s, static (d, v) => { for (int i = 0; i < v.Length; i++) d[i] = v[i] is >= 'a' and <= 'z' ? (char)(v[i] - 32) : v[i]; });
}
