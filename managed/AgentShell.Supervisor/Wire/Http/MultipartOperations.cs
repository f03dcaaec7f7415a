using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>The GraphQL multipart request spec (file uploads): the operation is the "operations"
/// field. Servers part ways on which one they read (graphql-upload keeps a repeated field's last,
/// FormData.get the first; a look-alike parameter "xboundary=" is not the boundary), and busboy
/// (graphql-upload, multer) reads RFC 2231 extended parameters (<c>boundary*=utf-8''XX</c>,
/// <c>name*=utf-8''%6Fperations</c>) and a quoted string's backslash escapes: so every boundary
/// any of them reads, and every part whose name may be "operations" to one of them, is read, the
/// worst counting. A body with no boundary read here is unknown.</summary>
internal static class MultipartOperations
{
    public static Effect? Read(string text, string contentType, List<Evidence> evidence)
    {
        if (!Boundaries(contentType).Any())
        {
            if (text.Length == 0) return null;
            evidence.Add(new("Content-Type: " + contentType, "a multipart body whose boundary is not read here"));
            return Effect.Unknown;
        }
        Effect? worst = null;
        foreach (var value in Values(text, contentType, "operations", anywhere: true))
        {
            var e = HttpBody.Analyze(value, "operations", evidence) ?? Effect.Unknown;
            worst = worst is Effect w ? ToolHelp.Max(w, e) : e;
        }
        return worst;
    }

    /// <summary>The value of every part whose name may be <paramref name="field"/> to some server,
    /// split at every boundary one may read. <paramref name="anywhere"/>: a head that says the
    /// field's name anywhere counts too (a reader blind to the parameter's form).</summary>
    internal static IEnumerable<string> Values(string text, string contentType, string field, bool anywhere)
    {
        foreach (var b in Boundaries(contentType))
            foreach (var part in text.Split("--" + b))
            {
                int sep = part.IndexOf("\r\n\r\n", StringComparison.Ordinal), skip = 4;
                if (sep < 0) (sep, skip) = (part.IndexOf("\n\n", StringComparison.Ordinal), 2);
                if (sep < 0 || !MayName(part[..sep], field, anywhere)) continue;
                var value = part[(sep + skip)..];
                yield return value.EndsWith("\r\n", StringComparison.Ordinal) ? value[..^2] : value;
            }
    }

    /// <summary>Every value a server may take for the boundary parameter: as sent, unescaped, and
    /// an extended parameter's decoded value.</summary>
    internal static IEnumerable<string> Boundaries(string contentType)
    {
        var found = new List<string>();
        foreach (var (value, extended) in Parameters(contentType, "boundary"))
            foreach (var v in Readings(value, extended))
                if (v.Length > 0 && !found.Contains(v)) found.Add(v);
        return found;
    }

    /// <summary>True when a part's head may name <paramref name="field"/> to some server: its name
    /// is an extended parameter or a quoted string with escapes that reads so, or (with
    /// <paramref name="anywhere"/>) the head says the field's name anywhere.</summary>
    internal static bool MayName(string head, string field, bool anywhere)
    {
        if (anywhere && head.Contains(field, StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var (value, extended) in Parameters(head, "name"))
            foreach (var v in Readings(value, extended))
                if (v.Equals(field, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>The raw values of parameter <paramref name="name"/> (a word of its own: "xboundary"
    /// is read too, as before, but "filename" is not "name"), and whether each is extended (name*=).</summary>
    private static IEnumerable<(string Value, bool Extended)> Parameters(string s, string name)
    {
        for (int i = s.IndexOf(name, StringComparison.OrdinalIgnoreCase); i >= 0; i = s.IndexOf(name, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            if (name == "name" && i > 0 && !(s[i - 1] is ';' or ' ' or '\t')) continue;
            int j = i + name.Length;
            while (j < s.Length && s[j] is ' ' or '\t') j++;
            bool extended = j < s.Length && s[j] == '*';
            if (extended) j++;
            while (j < s.Length && s[j] is ' ' or '\t') j++;
            if (j >= s.Length || s[j] != '=') continue;
            j++;
            while (j < s.Length && s[j] is ' ' or '\t') j++;
            int end;
            if (j < s.Length && s[j] == '"')
            {
                end = j + 1;
                while (end < s.Length && s[end] != '"') end += s[end] == '\\' ? 2 : 1;
                end = Math.Min(end + 1, s.Length);
            }
            else
            {
                end = s.IndexOfAny([';', '\r', '\n'], j);
                if (end < 0) end = s.Length;
            }
            yield return (s[j..end].Trim(), extended);
        }
    }

    /// <summary>A parameter value as servers read it: a quoted string as sent (between its quotes)
    /// and with its escapes undone; an extended value (charset'lang'%xx) percent-decoded.</summary>
    private static IEnumerable<string> Readings(string v, bool extended)
    {
        if (v.Length >= 2 && v[0] == '"' && v[^1] == '"')
        {
            var inner = v[1..^1];
            yield return inner;
            if (v.IndexOf('"', 1) is int first && first < v.Length - 1) yield return v[1..first]; // a reader blind to escapes
            if (inner.Contains('\\'))
            {
                var sb = new System.Text.StringBuilder(inner.Length);
                for (int k = 0; k < inner.Length; k++) sb.Append(inner[k] == '\\' && k + 1 < inner.Length ? inner[++k] : inner[k]);
                yield return sb.ToString();
            }
            v = inner;
        }
        else yield return v;
        if (!extended) yield break;
        int q1 = v.IndexOf('\''), q2 = q1 < 0 ? -1 : v.IndexOf('\'', q1 + 1);
        string encoded = q2 < 0 ? v : v[(q2 + 1)..];
        string decoded;
        try { decoded = Uri.UnescapeDataString(encoded); }
        catch (UriFormatException) { decoded = encoded; }
        yield return decoded;
    }
}
