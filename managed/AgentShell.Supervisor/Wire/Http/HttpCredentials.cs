using System.Text;
using AgentShell.Core.Credentials;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>The credential an HTTP request carries, of those the profiles list (issue 14), matched
/// as the argv parsers' are (<see cref="CredentialTable"/>: SHA-256, fixed-time comparison): the
/// value of every header field (<c>Authorization: Bearer|Token|Basic …</c> read by
/// <see cref="CredentialTable.MatchHeaderValue"/>; <c>X-Api-Key</c>, <c>PRIVATE-TOKEN</c>,
/// <c>Project-Access-Token</c>, <c>Team-Access-Token</c> and any other field whole), each cookie's
/// value, the URL's userinfo, each query parameter's value, and a body's secret fields. Every field is looked at, not a
/// list of names: an API that takes its token in a field of its own is still seen. Nothing here
/// keeps or shows a secret; what matched in the URL is handed back so the URL is shown masked.</summary>
internal static class HttpCredentials
{
    /// <summary>The first listed credential <paramref name="h"/> carries, or null (at once when no
    /// profile lists one). <paramref name="url"/> is the effective request URI; a secret found in it
    /// is added to <paramref name="inUrl"/> as it is written there.</summary>
    public static CredentialMatch? Find(HttpRequestHead h, string url, CredentialTable table, List<string> inUrl, RequestBody? body = null)
    {
        if (table.IsEmpty) return null;
        CredentialMatch? found = null;
        foreach (var (name, value) in h.Headers)
        {
            found ??= Header(table, value);
            if (found == null && name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
                foreach (var pair in value.Split(';', StringSplitOptions.TrimEntries))
                    if (pair.IndexOf('=') is int eq and > 0) found ??= Text(table, pair[(eq + 1)..].Trim('"'));
        }
        return Url(table, url, inUrl) ?? found ?? (body != null ? Body(h, body, table) : null);
    }

    /// <summary>A secret field of the body (<see cref="BodySecrets"/>: JSON <c>"token"</c>, <c>"apiKey"</c>,
    /// <c>"password"</c>…, form fields), decoded per Content-Encoding as the decision reads it.</summary>
    private static CredentialMatch? Body(HttpRequestHead h, RequestBody body, CredentialTable table)
    {
        if (body.Length == 0) return null;
        string? coding = h.Header("Content-Encoding");
        byte[]? data = string.IsNullOrWhiteSpace(coding) ? null : HttpIntent.Decode(coding, body.Span, out _);
        if (!string.IsNullOrWhiteSpace(coding) && data == null) return null; // not readable: the effect is unknown already
        string text = Encoding.UTF8.GetString(data ?? body.Span);
        CredentialMatch? found = null;
        BodySecrets.Text(text, "body", (_, secret) => found ??= Text(table, secret));
        return found;
    }

    private static CredentialMatch? Url(CredentialTable table, string url, List<string> inUrl)
    {
        CredentialMatch? found = null;
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            int start = scheme + 3;
            int end = url.IndexOfAny(['/', '?', '#'], start);
            var authority = end < 0 ? url[start..] : url[start..end];
            int at = authority.LastIndexOf('@');
            if (at > 0)
            {
                var userinfo = authority[..at];
                int colon = userinfo.IndexOf(':');
                foreach (var part in colon >= 0 ? new[] { userinfo[(colon + 1)..], userinfo[..colon], userinfo } : [userinfo])
                    if (Decoded(table, part) is { } m)
                    {
                        found ??= m;
                        inUrl.Add(part);
                    }
            }
        }
        int q = url.IndexOf('?');
        if (q < 0) return found;
        int hash = url.IndexOf('#', q);
        foreach (var field in (hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash]).Split('&'))
        {
            int eq = field.IndexOf('=');
            var value = eq >= 0 ? field[(eq + 1)..] : field;
            if (value.Length > 0 && Decoded(table, value) is { } m)
            {
                found ??= m;
                inUrl.Add(value);
            }
        }
        return found;
    }

    // As sent, and percent-decoded ('+' a space in a query) as the server reads it.
    private static CredentialMatch? Decoded(CredentialTable table, string raw)
    {
        if (Text(table, raw) is { } m) return m;
        if (raw.IndexOfAny(['%', '+']) < 0) return null;
        try { return Text(table, Uri.UnescapeDataString(raw.Replace('+', ' '))) ?? Text(table, Uri.UnescapeDataString(raw)); }
        catch (UriFormatException) { return null; } // not decodable: the raw form was matched above
    }

    private static CredentialMatch? Header(CredentialTable table, string value) => WithBytes(table, value, static (t, b) => t.MatchHeaderValue(b));

    private static CredentialMatch? Text(CredentialTable table, string value) => WithBytes(table, value, static (t, b) => t.Match(b));

    // Header values were read as Latin-1 (one char per byte): these are the bytes sent. A query's
    // decoded text is UTF-8, as the argv parsers hash it.
    private static CredentialMatch? WithBytes(CredentialTable table, string value, Func<CredentialTable, byte[], CredentialMatch?> match)
    {
        if (value.Length == 0) return null;
        var enc = value.All(c => c < 0x80) || value.Any(c => c > 0xff) ? Encoding.UTF8 : Encoding.Latin1;
        byte[] bytes = enc.GetBytes(value);
        try { return match(table, bytes); }
        finally { Array.Clear(bytes); } // no copy of a secret left for the GC to keep
    }
}
